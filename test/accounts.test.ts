// Accounts (issue #12) against a real broker and a real server: the first
// login claims a nick with a password and later logins need it; the same
// user id on every login; wrong, missing and too many passwords; disabled
// accounts and password resets end live sessions; forged, expired and stale
// tokens are refused. One server for the file; each test uses its own nicks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { login, passwordOf, startServer, wsClient, type TestServer } from './helpers/server.ts';

let srv: TestServer;
let adminToken: string;
before(async () => {
  // three wrong passwords per account (and twenty per address) within a minute, so the limit is reached quickly
  // behind a proxy (KCHAT_TRUST_PROXY): the address is X-Forwarded-For's, so one test can play another address
  srv = await startServer({ env: { KCHAT_LOGIN_FAILURES: '3', KCHAT_LOGIN_FAILURES_PER_ADDRESS: '20', KCHAT_LOGIN_WINDOW_SECONDS: '60', KCHAT_TRUST_PROXY: '1' } });
  adminToken = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
});
after(async () => {
  await srv?.stop();
});

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const attempt = async (nick: string, password?: string, headers: Record<string, string> = {}) => {
  const res = await post('/api/login', password === undefined ? { nick } : { nick, password }, headers);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
/** `kchat …` run inside the server (the admin's remote CLI): its stdout, or a failed assertion with stderr. */
async function kchat(...argv: string[]): Promise<string> {
  const res = await post('/api/admin/cli', { argv }, { authorization: `Bearer ${adminToken}` });
  const body = (await res.json()) as { stdout: string; stderr: string; code: number };
  assert.equal(body.code, 0, `kchat ${argv.join(' ')}: ${body.stderr}`);
  return body.stdout;
}

test('the first login claims a nick; the right password gives the same id, a wrong or missing one 401', async () => {
  const first = await attempt('민수', '민수의 비밀번호');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.created, true);
  assert.match(first.body.user.id, /^u_[0-9a-f]{16}$/);
  const again = await attempt('민수', '민수의 비밀번호');
  assert.equal(again.status, 200);
  assert.equal(again.body.user.id, first.body.user.id, 'the same user id on every login');
  assert.equal(again.body.created, false);
  // a spelling that looks the same is the same account (case, full width)
  const latin = await attempt('Minji', 'Minji의 비밀번호');
  const wide = await attempt('ＭＩＮＪＩ', 'Minji의 비밀번호');
  assert.equal(wide.status, 200);
  assert.deepEqual([wide.body.user.id, wide.body.user.nick], [latin.body.user.id, 'Minji']);
  assert.equal((await attempt('minji', '남이 짐작한 비밀번호')).status, 401);

  const wrong = await attempt('민수', '틀린 비밀번호');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'wrong_password');
  assert.match(wrong.body.error, /비밀번호가 맞지 않습니다/);
  const missing = await attempt('민수');
  assert.equal(missing.status, 401);
  assert.equal(missing.body.code, 'password_required');
  const empty = await attempt('민수', '');
  assert.equal(empty.status, 401);
  // several sessions of one account at once
  const [a, b] = await Promise.all([wsClient(srv.url, first.body.token), wsClient(srv.url, again.body.token)]);
  const [sa, sb] = await Promise.all([a.next((f) => f.type === 'self'), b.next((f) => f.type === 'self')]);
  assert.equal(sa.user.id, sb.user.id);
  await Promise.all([a.close(), b.close()]);
});

test('a new nick needs a password of at least 6 characters; Korean passwords work', async () => {
  const none = await attempt('새사람');
  assert.equal(none.status, 400);
  assert.equal(none.body.code, 'password_required');
  assert.match(none.body.error, /비밀번호를 정하세요/);
  const short = await attempt('새사람', '짧은암호');
  assert.equal(short.status, 400);
  assert.equal(short.body.code, 'bad_password');
  assert.match(short.body.error, /6자 이상/);
  const notString = await attempt('새사람', 123456 as unknown as string);
  assert.equal(notString.status, 400);
  const ok = await attempt('새사람', '우리 팀 채팅 비밀번호');
  assert.equal(ok.status, 200);
  // NFD input of the same Korean password (macOS) is the same password
  assert.equal((await attempt('새사람', '우리 팀 채팅 비밀번호'.normalize('NFD'))).status, 200);
});

test('repeated wrong passwords: 429 with Retry-After and retry_after, also for the right password; other accounts unaffected', async () => {
  assert.equal((await attempt('잠금대상', '잠금대상의 비밀번호')).status, 200);
  const lefts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await attempt('잠금대상', `틀림-${i}-비밀번호`);
    assert.equal(r.status, 401);
    lefts.push(r.body.attempts_left);
  }
  assert.deepEqual(lefts, [2, 1, 0]);
  const limited = await attempt('잠금대상', '잠금대상의 비밀번호');
  assert.equal(limited.status, 429);
  assert.equal(limited.body.code, 'rate_limited');
  assert.ok(limited.body.retry_after >= 1 && limited.body.retry_after <= 60, JSON.stringify(limited.body));
  assert.ok(limited.body.retry_after_ms > 0);
  assert.equal(limited.headers.get('retry-after'), String(limited.body.retry_after));
  assert.match(limited.body.error, /초 뒤에 다시 시도하세요/);
  // another account from the same address still logs in
  assert.equal((await attempt('다른계정', '다른계정의 비밀번호')).status, 200);
});

test('failed logins are limited per address too, across accounts', async () => {
  // twelve accounts, two wrong passwords each: no account reaches its own limit of three
  const nicks = Array.from({ length: 12 }, (_, i) => `주소시험${i}`);
  for (const n of nicks) assert.equal((await attempt(n, `${n}의 비밀번호`)).status, 200);
  let limited = null;
  for (let i = 0; i < 24 && !limited; i++) {
    const r = await attempt(nicks[i % 12], `틀린-${i}-비밀번호`, { 'x-forwarded-for': '198.51.100.7, 10.0.0.1' });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited, 'refused after too many failures from one address');
  assert.equal(limited.body.code, 'rate_limited');
  // from that address even a right password is refused; from another one the same account logs in
  assert.equal((await attempt(nicks[11], `${nicks[11]}의 비밀번호`, { 'x-forwarded-for': '198.51.100.7' })).status, 429);
  assert.equal((await attempt(nicks[11], `${nicks[11]}의 비밀번호`)).status, 200);
});

test('disable refuses logins and closes live sessions; enable lets the account back in with its password', async () => {
  const { token, user } = await login(srv.url, '중지대상');
  const ws = await wsClient(srv.url, token);
  await ws.next((f) => f.type === 'self');
  const out = JSON.parse(await kchat('users', 'disable', '중지대상', '--reason', '퇴사', '--json'));
  assert.equal(out.status, 'disabled');
  const err = await ws.next((f) => f.type === 'error' && f.code === 'unauthorized');
  assert.match(err.message, /사용을 중지/);
  assert.equal((await ws.closed).code, 4401);
  const refused = await attempt('중지대상', passwordOf('중지대상'));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'account_disabled');
  assert.match(refused.body.error, /사용을 중지했습니다/);
  await assert.rejects(wsClient(srv.url, token), /HTTP 401/, 'the old token is refused');
  await kchat('users', 'enable', '중지대상');
  const back = await attempt('중지대상', passwordOf('중지대상'));
  assert.equal(back.status, 200);
  assert.equal(back.body.user.id, user.id);
  // the audit trail names the command
  const log = await fetch(`${srv.url}/api/audit-log?action=cli&limit=10`, { headers: { authorization: `Bearer ${adminToken}` } });
  const lines = ((await log.json()) as { entries: { detail: { command_line: string } }[] }).entries.map((e) => e.detail.command_line);
  assert.ok(lines.includes('kchat users disable 중지대상 --reason 퇴사 --json'), JSON.stringify(lines));
});

test('reset gives a temporary password: the old one and old tokens stop working, sessions end; the owner can choose a new one', async () => {
  const { token, user } = await login(srv.url, '재설정');
  const ws = await wsClient(srv.url, token);
  await ws.next((f) => f.type === 'self');
  const { password } = JSON.parse(await kchat('users', 'reset', '재설정', '--json')) as { password: string };
  assert.match(password, /^[\w]{4}-[\w]{4}-[\w]{4}-[\w]{4}$/);
  assert.equal((await ws.closed).code, 4401);
  assert.equal((await attempt('재설정', passwordOf('재설정'))).status, 401, 'the old password is gone');
  await assert.rejects(wsClient(srv.url, token), /HTTP 401/);
  const temp = await attempt('재설정', password);
  assert.equal(temp.status, 200);
  assert.equal(temp.body.user.id, user.id);
  // the owner changes it (the current password is needed)
  const wrong = await post('/api/account/password', { password: '아무거나 적음', new_password: '새로 정한 비밀번호' }, { authorization: `Bearer ${temp.body.token}` });
  assert.equal(wrong.status, 401);
  const changed = await post('/api/account/password', { password, new_password: '새로 정한 비밀번호' }, { authorization: `Bearer ${temp.body.token}` });
  assert.equal(changed.status, 200, await changed.clone().text());
  const fresh = (await changed.json()) as { token: string };
  await assert.rejects(wsClient(srv.url, temp.body.token), /HTTP 401/, 'tokens from before the change are stale');
  const ok = await wsClient(srv.url, fresh.token);
  await ok.close();
  assert.equal((await attempt('재설정', '새로 정한 비밀번호')).body.user.id, user.id);
});

test('forged, expired and pre-accounts tokens are refused with 401', async () => {
  const { token } = await login(srv.url, '토큰시험');
  const [payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const secret = fs.readFileSync(path.join(srv.dataDir, 'session-secret'), 'utf8').trim();
  const sign = (p: string) => crypto.createHmac('sha256', secret).update(p).digest('base64url');
  const signed = (c: object) => {
    const p = Buffer.from(JSON.stringify(c)).toString('base64url');
    return `${p}.${sign(p)}`;
  };
  // someone else's id with our signature's bytes: forged
  const forgedPayload = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  await assert.rejects(wsClient(srv.url, `${forgedPayload}.${sig}`), /HTTP 401/);
  await assert.rejects(wsClient(srv.url, signed({ ...claims, exp: Date.now() - 1000 })), /HTTP 401/, 'expired');
  await assert.rejects(wsClient(srv.url, signed({ id: claims.id, nick: claims.nick, role: 'member', iat: Date.now() })), /HTTP 401/, 'an open-login token from before accounts');
  await assert.rejects(wsClient(srv.url, signed({ ...claims, tv: claims.tv + 1 })), /HTTP 401/, 'a token version the account does not have');
  const res = await fetch(`${srv.url}/api/channels`, { headers: { authorization: `Bearer ${signed({ ...claims, exp: 1 })}` } });
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { code: string }).code, 'unauthorized');
  const fine = await wsClient(srv.url, signed(claims));
  await fine.close();
});

test('auditors made with `kchat users add` log in with their token, at the websocket and as the chat password', async () => {
  const { token, id } = JSON.parse(await kchat('users', 'add', '감사팀', '--role', 'auditor', '--json')) as { token: string; id: string };
  const ws = await wsClient(srv.url, token);
  const self = await ws.next((f) => f.type === 'self');
  assert.deepEqual([self.user.id, self.user.nick, self.user.role], [id, '감사팀', 'auditor']);
  await ws.close();
  const viaLogin = await attempt('감사팀', token);
  assert.equal(viaLogin.status, 200);
  assert.deepEqual([viaLogin.body.user.id, viaLogin.body.user.role], [id, 'auditor']);
  // the nick is the auditor's: no member can take it (the "two 감사팀 accounts" of the issue)
  assert.equal((await attempt('감사팀', '감사팀 흉내내기')).status, 401);
  const list = JSON.parse(await kchat('users', 'list', '--json')) as { accounts: { nick: string; role: string; login: string }[] };
  assert.deepEqual(
    list.accounts.filter((a) => a.nick === '감사팀').map((a) => [a.role, a.login]),
    [['auditor', 'token']],
  );
  // a new token from reset, the old one stops working
  const { token: next } = JSON.parse(await kchat('users', 'reset', '감사팀', '--json')) as { token: string };
  await assert.rejects(wsClient(srv.url, token), /HTTP 401/);
  await (await wsClient(srv.url, next)).close();
});
