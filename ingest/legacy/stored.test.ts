// An imported id is stored at most once (ingest/legacy/stored.ts): the rows a
// commit adds whose id an earlier import stored, or that repeat one earlier in
// the same commit, are dropped; live rows and rows of earlier commits stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../../core/db.ts';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';
import { messageLog } from '../log.ts';
import { appendMessages, envelopeRow, type MessageRow } from '../store.ts';
import { dropRepeatedImports, lastRowid } from './stored.ts';

const T0 = Date.UTC(2024, 7, 27, 0, 0, 0);

function event(id: string, text: string, legacy: boolean, i: number): Envelope {
  const e = createEnvelope({
    type: 'message',
    channel: '개발',
    user: { id: 'u_1', nick: '민수' },
    text,
    ts: T0 + i * 60_000,
    meta: legacy ? { legacy: { file: 'history.jsonl', format: 'jsonl', line: i + 1, original: text, sender: '민수' } } : {},
  });
  return { ...e, id };
}

let offset = 0n;
const rows = (es: Envelope[]): MessageRow[] => es.map((e) => envelopeRow(e, 'chat.events', 0, offset++));

test('a commit keeps its new imported ids once; ids imported before, and live rows, are left as they were', async () => {
  const db = await Database.open(':memory:');
  const log = messageLog(db);
  // earlier commits: an import of 회의록 lines, and live chat (one live id equals an imported one of the next commit)
  await log.append(rows(['a1', 'a2', 'a3'].map((id, i) => event(id, `회의록 ${i}번 올렸어요`, true, i))));
  await log.append(rows([event('live-1', '배포가 늦어졌어요', false, 10), event('live-2', '서버가 죽었어요', false, 11)]));

  let dropped = -1;
  await db.transaction(async (tx) => {
    const after = await lastRowid(tx);
    await appendMessages(
      tx,
      rows([
        event('a2', '회의록 1번 올렸어요', true, 1), // imported before: dropped
        event('b1', '마이그레이션 끝났습니다', true, 20),
        event('b1', '마이그레이션 끝났습니다', true, 20), // twice in this commit: the second dropped
        event('b2', '로그를 봤는데요', true, 21),
        event('live-1', '배포가 늦어졌어요', true, 22), // a live row's id, imported: kept (only imports are compared)
        event('a3', '회의록 2번 올렸어요', false, 23), // a live row: never dropped
      ]),
      0n,
    );
    dropped = await dropRepeatedImports(tx, after);
  });
  assert.equal(dropped, 2);
  const kept = await db.all<{ id: string; source: string }>(`SELECT id, source FROM messages ORDER BY rowid`);
  assert.deepEqual(
    kept.map((r) => `${r.id}:${r.source.startsWith('legacy:') ? 'legacy' : 'live'}`),
    ['a1:legacy', 'a2:legacy', 'a3:legacy', 'live-1:live', 'live-2:live', 'b1:legacy', 'b2:legacy', 'live-1:legacy', 'a3:live'],
  );

  // a commit without imported rows deletes nothing, even when its ids repeat
  await db.transaction(async (tx) => {
    const after = await lastRowid(tx);
    await appendMessages(tx, rows([event('a1', '다시 보냄', false, 30)]), 0n);
    assert.equal(await dropRepeatedImports(tx, after), 0);
  });
  await db.close();
});
