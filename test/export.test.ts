// `kchat export` (#13) through the contract, on a real server (broker, DuckDB):
// people chat in Korean — replies, a multi-line text, a formula-looking text,
// an edit, a delete, a join and a leave — then the export is read the way
// compliance tools read it: EML by Python's `email` package, CSV by its `csv`
// module, JSON Lines line by line, the HTTP download by `mailbox.mbox`. The
// CLI beside the running server and the CLI alone (server stopped) give the
// same files; every export is in audit_log; bad ranges get clear errors and
// write nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../core/time.ts';
import { Database } from '../core/db.ts';
import { kchat } from './helpers/cli.ts';
import { until } from './helpers/ingest.ts';
import { joinedMember, repoRoot, startServer, tempDir, type Frame, type TestServer, type WsClient } from './helpers/server.ts';

let srv: TestServer;
let admin: string;
const today = localDate(Date.now(), 'Asia/Seoul');
const cli = (args: string[]) => kchat(args, srv.dataDir, { env: { KCHAT_TOPIC_PREFIX: srv.prefix, KAFKA_BROKERS: process.env.KAFKA_BROKERS } });
const python = (...args: string[]) => JSON.parse(execFileSync('python3', [path.join(repoRoot, 'test', 'helpers', 'parse-export.py'), ...args], { encoding: 'utf8' })) as unknown;

let minsu: WsClient;
let jisu: WsClient;
const ids: Record<string, string> = {};

/** Send a message and resolve to its envelope as it came back from Kafka. */
async function say(ws: WsClient, channel: string, text: string, extra: Record<string, unknown> = {}): Promise<Frame> {
  const ref = `r${Math.random().toString(36).slice(2)}`;
  ws.send({ type: 'message', channel, text, ref, ...extra });
  return ws.next((f) => f.v === 1 && f.type === 'message' && f.meta?.ref === ref);
}

async function sql<T = unknown[]>(query: string): Promise<T[]> {
  const res = await fetch(`${srv.url}/api/sql`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ sql: query }) });
  const body = (await res.json()) as { rows: T[]; error?: string };
  assert.equal(res.status, 200, body.error);
  return body.rows;
}

before(async () => {
  srv = await startServer();
  admin = fs.readFileSync(path.join(srv.dataDir, 'admin-token'), 'utf8').trim();
  minsu = await joinedMember(srv.url, '민수', '개발');
  jisu = await joinedMember(srv.url, '지수', '개발');
  minsu.send({ type: 'join', channel: 'general' });
  ids.lunch = (await say(minsu, 'general', '점심 뭐 드실래요, "국밥" 어때요?')).id;
  ids.deploy = (await say(minsu, '개발', '배포는 오늘 저녁에 합니다')).id;
  ids.reply = (await say(jisu, '개발', '네, 로그를\n같이 볼게요', { reply_to: ids.deploy })).id;
  ids.formula = (await say(jisu, '개발', '=HYPERLINK("http://example.com")')).id;
  ids.oops = (await say(jisu, '개발', '이건 잘못 보낸 메시지')).id;
  // the author fixes a typo, and takes back a message
  minsu.send({ type: 'edit', id: ids.deploy, text: '배포는 내일 아침에 합니다' });
  await jisu.next((f) => f.v === 1 && f.type === 'edit' && f.meta?.target === ids.deploy);
  jisu.send({ type: 'delete', id: ids.oops });
  await minsu.next((f) => f.v === 1 && f.type === 'delete' && f.meta?.target === ids.oops);
  jisu.send({ type: 'leave', channel: '개발' });
  await minsu.next((f) => f.v === 1 && f.type === 'leave' && f.user.nick === '지수');
  // everything above is stored before exporting
  await until(async () => Number((await sql<number[]>(`SELECT count(*)::INTEGER FROM messages WHERE channel = '개발' AND type = 'leave'`))[0][0]) === 1, 'the leave stored');
});
after(async () => {
  await minsu?.close();
  await jisu?.close();
  await srv.stop();
});

interface Summary {
  events: number;
  channels: { channel: string; events: number; types: Record<string, number> }[];
  files: { file: string; events: number; bytes: number }[];
}

test('EML beside a running server: one message per channel and day, read by Python\'s email package, with every version, the delete and who joined and left', async () => {
  const out = tempDir('kchat-export-eml-');
  const r = await cli(['export', '--from', today, '--to', today, '--format', 'eml', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as Summary;
  const dev = summary.channels.find((c) => c.channel === '개발')!;
  assert.deepEqual([dev.types.message, dev.types.edit, dev.types.delete, dev.types.join, dev.types.leave], [4, 1, 1, 2, 1]);
  assert.deepEqual(fs.readdirSync(out).sort(), [`${today}_general.eml`, `${today}_개발.eml`]);

  const [general, devMail] = python('eml', path.join(out, `${today}_general.eml`), path.join(out, `${today}_개발.eml`)) as {
    subject: string; to: string[]; channel: string; day: string; events: number; parts: number; defects: number; text: string; date: string; attachment: Frame[];
  }[];
  assert.equal(devMail.defects, 0);
  assert.equal(devMail.channel, '개발');
  assert.equal(devMail.day, today);
  assert.match(devMail.subject, /#개발/);
  assert.deepEqual(devMail.to.sort(), ['민수', '지수']);
  assert.match(devMail.date, /\+09:00$/);
  assert.equal(devMail.events, summary.files.find((f) => f.file.endsWith('_개발.eml'))!.events);
  // the transcript keeps every version in order: the first text, then the edit naming its message, the delete, joins and the leave
  const t = devMail.text;
  const at = (s: string) => {
    const i = t.indexOf(s);
    assert.ok(i >= 0, `the transcript holds "${s}":\n${t}`);
    return i;
  };
  assert.ok(at('민수 님이 채널에 들어왔습니다') < at('배포는 오늘 저녁에 합니다'));
  assert.ok(at('배포는 오늘 저녁에 합니다') < at(`‹${ids.deploy}›을(를) 수정: 배포는 내일 아침에 합니다`));
  assert.ok(at('이건 잘못 보낸 메시지') < at(`‹${ids.oops}›을(를) 삭제했습니다`));
  assert.ok(at(`지수 (↳ ‹${ids.deploy}›에 답장): 네, 로그를`) > at('배포는 오늘 저녁에 합니다'));
  at('지수 님이 채널에서 나갔습니다');
  // the attachment holds the same events as JSON, in time order, with instants that carry the offset
  assert.equal(devMail.attachment.length, devMail.events);
  assert.deepEqual(devMail.attachment.map((e) => e.ts), [...devMail.attachment.map((e) => e.ts)].sort((a, b) => a - b));
  assert.ok(devMail.attachment.every((e) => /\+09:00$/.test(e.time) && Date.parse(e.time) === e.ts));
  assert.equal(devMail.attachment.find((e) => e.type === 'edit')!.target, ids.deploy);
  assert.match(general.text, /점심 뭐 드실래요, "국밥" 어때요\?/);
});

test('JSON Lines: one record a line; CSV: BOM, header, Korean intact, a formula shown and not run — both read by Python', async () => {
  const out = tempDir('kchat-export-lines-');
  const j = await cli(['export', '--from', today, '--to', today, '--format', 'jsonl', '--out', out, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const summary = JSON.parse(j.stdout) as Summary;
  const lines = fs.readFileSync(path.join(out, `kchat-export_${today}_${today}.jsonl`), 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  const events = lines.map((l) => JSON.parse(l) as Frame);
  assert.equal(events.length, summary.events);
  const [stored] = await sql<number[]>(`SELECT count(*)::INTEGER FROM messages`);
  assert.equal(events.length, stored[0]);
  assert.deepEqual(events.find((e) => e.id === ids.reply)!.text, '네, 로그를\n같이 볼게요');
  assert.equal(events.find((e) => e.type === 'delete')!.target, ids.oops);

  const c = await cli(['export', '--from', today, '--to', today, '--channel', '개발', '--format', 'csv', '--out', out]);
  assert.equal(c.code, 0, c.stderr);
  const csv = python('csv', path.join(out, `kchat-export_${today}_${today}_개발.csv`)) as { bom: boolean; header: string[]; rows: string[][] };
  assert.ok(csv.bom, 'UTF-8 BOM first (Excel)');
  const col = (name: string) => csv.header.indexOf(name);
  assert.ok(csv.rows.every((r) => r[col('channel')] === '개발'));
  assert.equal(csv.rows.length, events.filter((e) => e.channel === '개발').length);
  assert.equal(csv.rows.find((r) => r[col('id')] === ids.formula)![col('text')], `'=HYPERLINK("http://example.com")`);
  assert.equal(csv.rows.find((r) => r[col('id')] === ids.reply)![col('text')], '네, 로그를\n같이 볼게요');
  assert.equal(csv.rows.find((r) => r[col('type')] === 'edit')![col('target')], ids.deploy);
});

test('admins download the same over HTTP (EML as an mbox); a member is refused; the export is in audit_log', async () => {
  const res = await fetch(`${srv.url}/api/admin/export?from=${today}&to=${today}&format=eml`, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/mbox');
  const file = path.join(tempDir('kchat-export-mbox-'), 'export.mbox');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const box = python('mbox', file) as { subject: string; events: number; text: string }[];
  assert.equal(box.length, 2);
  assert.ok(box.some((m) => /#개발/.test(m.subject) && m.text.includes('배포는 내일 아침에 합니다')));

  const member = (await (await fetch(`${srv.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nick: '민수', password: '민수의 비밀번호 1234' }) })).json()) as { token: string };
  const refused = await fetch(`${srv.url}/api/admin/export?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${member.token}` } });
  assert.equal(refused.status, 403);

  const log = (await (await fetch(`${srv.url}/api/audit-log?action=export`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { entries: { action: string; detail: Frame; status: number }[] };
  // the three CLI exports above went through the server (it holds the database), and this download
  assert.ok(log.entries.filter((e) => e.action === 'export').length >= 4);
  assert.ok(log.entries.some((e) => e.detail?.format === 'eml' && e.detail?.from === today && e.status === 200));
});

test('bad ranges and formats: clear errors (Korean), nothing written', async () => {
  const out = tempDir('kchat-export-bad-');
  const cases: [string[], RegExp][] = [
    [['--from', '2024-08-30', '--to', '2024-08-27'], /거꾸로/],
    [['--from', '2023-01-01', '--to', '2024-08-27'], /너무 넓습니다/],
    [['--from', '2024-02-30', '--to', '2024-03-01'], /2024-02-30/],
    [['--from', today, '--to', today, '--format', 'pdf'], /pdf.*jsonl, csv, eml/],
    [['--from', today, '--to', today, '--channel', '../etc'], /채널 이름/],
    [['--to', today], /from과 to/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(['export', ...args, '--out', out]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(fs.readdirSync(out), []);
  const res = await fetch(`${srv.url}/api/admin/export?from=2024-08-30&to=2024-08-27`, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /거꾸로/);
});

test('with the server stopped the CLI reads the database itself: the same JSON Lines, and its own audit_log row', async () => {
  const beside = tempDir('kchat-export-beside-');
  const alone = tempDir('kchat-export-alone-');
  const a = await cli(['export', '--from', today, '--to', today, '--out', beside]);
  assert.equal(a.code, 0, a.stderr);
  await srv.stop();
  const b = await cli(['export', '--from', today, '--to', today, '--out', alone]);
  assert.equal(b.code, 0, b.stderr);
  const name = `kchat-export_${today}_${today}.jsonl`;
  assert.equal(fs.readFileSync(path.join(alone, name), 'utf8'), fs.readFileSync(path.join(beside, name), 'utf8'));
  const db = await Database.open(path.join(srv.dataDir, 'kchat.duckdb'));
  try {
    const rows = await db.all<{ method: string; status: number }>("SELECT method, status FROM audit_log WHERE action = 'export' AND method = 'CLI'");
    assert.deepEqual(rows.map((r) => [r.method, r.status]), [['CLI', 200]]);
  } finally {
    await db.close();
  }
});
