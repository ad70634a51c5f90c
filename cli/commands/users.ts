// `kchat users …`: accounts, as an admin manages them (docs/accounts.md).
//   add NAME --role R     an account that logs in with a bearer token (printed once; only its hash is kept)
//   reset NAME            a new temporary password (or a new token, for a token account), printed once;
//                         every session of the account ends
//   disable NAME          logins refused, live sessions closed;  enable NAME  undoes it
//   list                  every account: id, nick, role, status, how it logs in
// Changes go to the accounts topic (Kafka), so every gateway applies them; the
// record names who made it. Forwarded to a running server, the command line
// is also in audit_log.
import type { Command } from 'commander';
import { ensureAuditChannel, hashPassword, temporaryPassword, type Account, type By, type Directory } from '../../accounts/index.ts';
import { ROLES, hasRole, isRole, sha256 } from '../../core/auth.ts';
import { InputError } from '../../core/errors.ts';
import { nickProblem } from '../../core/nick.ts';
import { newToken } from '../../core/secrets.ts';
import { printJson, UsageError, type CliContext, type Exec } from '../context.ts';

/** Who the records name as the author of a change made with the CLI (the admin's tool). */
const CLI: By = { id: 'admin', nick: 'kchat users', role: 'admin' };

function findAccount(d: Directory, name: string): Account {
  const a = d.accounts.byNick(name.trim());
  if (!a) throw new InputError('not_found', `"${name}" 계정이 없습니다 (no account with that nick; see \`kchat users list\`)`, { status: 404 });
  return a;
}

const login = (a: Account) => (a.password ? 'password' : a.tokenHash ? 'token' : 'none');
const view = (a: Account) => ({ id: a.id, nick: a.nick, name: a.nick, role: a.role, status: a.status, login: login(a) });

export function define(program: Command, exec: Exec): void {
  const users = program.command('users').description('manage accounts: token accounts for auditors and admins, password resets, disabling');
  users
    .command('add')
    .description('create an account that logs in with a bearer token and print the token (shown once; only a hash is kept)')
    .argument('<name>', "the account's nick")
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'auditor')
    .option('--json', 'print {id,name,role,token} as JSON')
    .action(
      exec(async (ctx, name: string, opts: { role: string; json?: boolean }) => {
        if (!isRole(opts.role)) throw new UsageError(`unknown role "${opts.role}" (expected ${ROLES.join(', ')})`);
        const nick = name.normalize('NFC').trim();
        // eslint-disable-next-line no-control-regex -- refusing control characters is the point
        if (!nick || [...nick].length > 64 || /[\u0000-\u001F]/.test(nick)) throw new UsageError('name must be 1–64 characters without control characters');
        const d = await ctx.directory();
        const token = newToken();
        const account = await d.claim({ nick, role: opts.role, password: null, tokenHash: sha256(token), by: CLI });
        if (hasRole(account.role, 'auditor')) await ensureAuditChannel(d);
        const user = { id: account.id, name: account.nick, nick: account.nick, role: account.role, token };
        if (opts.json) printJson(ctx, user);
        else ctx.out.write(token + '\n');
        if (!opts.json && nickProblem(nick)) ctx.err.write(`note: "${nick}" could not be chosen at the chat login (${nickProblem(nick)}); this account logs in with its token\n`);
      }),
    );
  users
    .command('reset')
    .description('give an account a new temporary password (a token account: a new token), printed once; its sessions end')
    .argument('<name>', "the account's nick")
    .option('--json', 'print {id,nick,password|token} as JSON')
    .action(
      exec(async (ctx, name: string, opts: { json?: boolean }) => {
        const d = await ctx.directory();
        const a = findAccount(d, name);
        if (a.tokenHash && !a.password) {
          const token = newToken();
          await d.setToken(a, sha256(token), CLI);
          return print(ctx, opts.json, { id: a.id, nick: a.nick, token }, token);
        }
        const password = temporaryPassword();
        await d.setPassword(a, await hashPassword(password), CLI);
        print(ctx, opts.json, { id: a.id, nick: a.nick, password }, password);
        if (!opts.json) ctx.err.write(`"${a.nick}" logs in with this password now; they can change it with POST /api/account/password (or in the chat's menu)\n`);
      }),
    );
  for (const [verb, description] of [
    ['disable', 'refuse logins of an account and close its live sessions'],
    ['enable', 'allow a disabled account to log in again'],
  ] as const) {
    users
      .command(verb)
      .description(description)
      .argument('<name>', "the account's nick")
      .option('--reason <text>', 'why (kept with the record)')
      .option('--json', 'print the account as JSON')
      .action(
        exec(async (ctx, name: string, opts: { reason?: string; json?: boolean }) => {
          const d = await ctx.directory();
          const a = findAccount(d, name);
          if (verb === 'disable') await d.disable(a, CLI, opts.reason?.slice(0, 500));
          else await d.enable(a, CLI);
          const now = d.accounts.byUserId(a.id)!;
          print(ctx, opts.json, view(now), `${now.nick}: ${now.status}`);
        }),
      );
  }
  users
    .command('list')
    .description('every account: id, nick, role, status, how it logs in')
    .option('--json', 'print {accounts:[…]} as JSON')
    .action(
      exec(async (ctx, opts: { json?: boolean }) => {
        const d = await ctx.directory();
        const all = [...d.accounts.all()].map(view).sort((a, b) => a.nick.localeCompare(b.nick, 'ko'));
        if (opts.json) return printJson(ctx, { accounts: all });
        for (const a of all) ctx.out.write(`${a.id}\t${a.nick}\t${a.role}\t${a.status}\t${a.login}\n`);
      }),
    );
}

function print(ctx: CliContext, json: boolean | undefined, doc: unknown, line: string): void {
  if (json) printJson(ctx, doc);
  else ctx.out.write(line + '\n');
}
