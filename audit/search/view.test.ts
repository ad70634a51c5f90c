// A member's view of search: only the channels they belong to (in:# narrows,
// never widens it), never an ephemeral answer (meta.visible_to); auditors see
// everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SearchIndex, type IndexRow } from './engine.ts';
import { parseQuery } from './query.ts';

const rows: IndexRow[] = [
  { rid: 1, id: 'a', channel: '공개', nick: '민수', type: 'message', text: '배포 장애가 났어요', ts_ms: 1_000, kafka_partition: 0, kafka_offset: 1 },
  { rid: 2, id: 'b', channel: '기밀', nick: '지영', type: 'message', text: '장애 원인은 비밀입니다', ts_ms: 2_000, kafka_partition: 0, kafka_offset: 2 },
  { rid: 3, id: 'c', channel: '공개', nick: '봇', type: 'bot', text: '장애 검색 결과 3건 (감사인에게만)', ts_ms: 3_000, kafka_partition: 0, kafka_offset: 3, restricted: true },
  { rid: 4, id: 'd', channel: 'dm.abc', nick: '민수', type: 'message', text: '장애는 내가 볼게', ts_ms: 4_000, kafka_partition: 0, kafka_offset: 4 },
];

const index = new SearchIndex(null);
index.add(rows);
const ids = (q: string, view?: Parameters<SearchIndex['searchNow']>[1]['view']) => {
  const r = index.searchNow(parseQuery(q), { limit: 10, view });
  return { ids: r.hits.map((h) => h.id), total: r.total };
};

test('auditors see every channel and the ephemeral answers', () => {
  assert.deepEqual(ids('장애가', { role: 'auditor' }), { ids: ['d', 'c', 'b', 'a'], total: 4 });
  assert.deepEqual(ids('장애'), { ids: ['d', 'c', 'b', 'a'], total: 4 });
});

test("a member sees their channels only, without ephemeral answers; in:# cannot reach someone else's channel", () => {
  const member = { role: 'member' as const, channels: ['공개', 'dm.abc'] };
  assert.deepEqual(ids('장애를', member), { ids: ['d', 'a'], total: 2 });
  assert.deepEqual(ids('장애 in:#공개', member), { ids: ['a'], total: 1 });
  assert.deepEqual(ids('장애 in:#기밀', member), { ids: [], total: 0 });
  assert.deepEqual(ids('장애', { role: 'member', channels: [] }), { ids: [], total: 0 });
});
