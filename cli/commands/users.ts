// `kchat users add NAME --role member|auditor|admin`: prints the new user's token once.
import type { Command } from 'commander';
import { ROLES, isRole } from '../../core/auth.ts';
import { printJson, UsageError, type Exec } from '../context.ts';

export function define(program: Command, exec: Exec): void {
  const users = program.command('users').description('manage auditor and admin accounts');
  users
    .command('add')
    .description('create a user and print its bearer token (shown once; only a hash is stored)')
    .argument('<name>', 'display name of the user')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'auditor')
    .option('--json', 'print {id,name,role,token} as JSON')
    .action(
      exec(async (ctx, name: string, opts: { role: string; json?: boolean }) => {
        if (!isRole(opts.role)) throw new UsageError(`unknown role "${opts.role}" (expected ${ROLES.join(', ')})`);
        const trimmed = name.trim();
        if (!trimmed || trimmed.length > 64) throw new UsageError('name must be 1–64 characters');
        const user = await ctx.auth.createUser(trimmed, opts.role);
        if (opts.json) printJson(ctx, user);
        else ctx.out.write(user.token + '\n');
      }),
    );
}
