// Search over a fixed Korean/English corpus produced to the real broker and
// indexed by the real search service (search/): expected hits AND non-hits
// for particles, two-syllable words, spacing, NFD input, mixed scripts, every
// operator; pagination while messages arrive; bad queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, CORPUS, corpusRows, type AuditFixture } from '../audit/fixtures.ts';

let fx: AuditFixture;
before(async () => {
  fx = await auditFixture(CORPUS, { search: true });
});
after(async () => {
  await fx.close();
});

interface Body {
  hits: { id: string; channel: string; nick: string; text: string; ts: number; type: string; kafka: { partition: number | null; offset: number | null }; highlights: [number, number][] }[];
  next_cursor: string | null;
  total: number;
  facets: { channels: { value: string; count: number }[]; users: { value: string; count: number }[] };
  error?: string;
}

async function search(q: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
  const params = new URLSearchParams({ q, limit: '100', ...extra });
  const res = await fx.app.request(`/api/search?${params}`, { headers: { authorization: `Bearer ${fx.adminToken}` } });
  return { status: res.status, body: (await res.json()) as Body };
}

async function ids(q: string): Promise<string[]> {
  const { status, body } = await search(q);
  assert.equal(status, 200, `${q}: ${body.error}`);
  return body.hits.map((h) => h.id).sort();
}

describe('Korean matching', () => {
  test('a word with a particle finds its stem with any particle', async () => {
    const expected = ['m01', 'm02', 'm03', 'm12', 'm13'];
    for (const q of ['장애', '장애가', '장애를', '장애는', '장애에서']) assert.deepEqual(await ids(q), expected, q);
  });

  test('two-syllable words match inside longer words, not elsewhere', async () => {
    assert.deepEqual(await ids('파묘'), ['m05', 'm06', 'm17']); // m17 is "파 묘" (spacing variant)
    assert.deepEqual(await ids('감독'), ['m05', 'm06', 'm15']); // 감독은, 파묘감독, NFD 감독님
    assert.deepEqual(await ids('감독은'), ['m05', 'm06', 'm15']);
    assert.deepEqual(await ids('회의'), ['m08', 'm15']);
    assert.deepEqual(await ids('회의했어요'), ['m08', 'm15']);
  });

  test('one syllable matches as a substring', async () => {
    assert.deepEqual(await ids('봄'), ['m07']);
  });

  test('words that only look like particles are not cut', async () => {
    assert.deepEqual(await ids('나이'), ['m09']);
    assert.deepEqual(await ids('사과'), ['m09']);
    assert.deepEqual(await ids('도로'), ['m14']);
  });

  test('spacing variants match both ways', async () => {
    assert.deepEqual(await ids('파묘 감독'), ['m05', 'm06']); // two words, both must occur
    assert.deepEqual(await ids('"파묘 감독"'), ['m06']); // phrase: whitespace ignored, so 파묘감독 matches
    assert.deepEqual(await ids('"서울의 봄"'), ['m07']);
  });

  test('NFD and full-width queries and texts meet', async () => {
    assert.deepEqual(await ids('장애가'.normalize('NFD')), ['m01', 'm02', 'm03', 'm12', 'm13']);
    assert.deepEqual(await ids('감독님'), ['m15']);
    assert.deepEqual(await ids('kafka'), ['m02', 'm04', 'm16']);
  });

  test('mixed scripts: Kafka에서 and API가 find the Latin word, case-insensitively', async () => {
    assert.deepEqual(await ids('Kafka에서'), ['m02', 'm04', 'm16']);
    assert.deepEqual(await ids('API가'), ['m01', 'm10', 'm12']);
    assert.deepEqual(await ids('deploy'), ['m10']);
    assert.deepEqual(await ids('DEPLOYING'), ['m10']);
  });

  test('all words must match; none found gives an empty answer', async () => {
    assert.deepEqual(await ids('장애 kafka'), ['m02']);
    assert.deepEqual(await ids('파묘 kafka'), []);
    assert.deepEqual(await ids('없는단어'), []);
  });
});

describe('operators', () => {
  test('-exclusion', async () => {
    assert.deepEqual(await ids('장애 -kafka'), ['m01', 'm03', 'm12', 'm13']);
    assert.deepEqual(await ids('장애 -"결제 API"'), ['m02', 'm03', 'm13']);
  });
  test('from:nick and in:#channel', async () => {
    assert.deepEqual(await ids('장애 from:민수'), ['m01', 'm03']);
    assert.deepEqual(await ids('from:alice'), ['m04', 'm16']);
    assert.deepEqual(await ids('장애 in:#ops from:지영'), ['m02', 'm13']);
    assert.deepEqual(await ids('in:movies'), ['m05', 'm06', 'm07']);
    assert.deepEqual(await ids('in:없는채널'), []);
  });
  test('before:/after:/on: are Seoul local days', async () => {
    assert.deepEqual(await ids('장애 on:2024-08-26'), ['m01', 'm02', 'm03']);
    assert.deepEqual(await ids('장애 after:2024-08-26'), ['m12', 'm13']);
    assert.deepEqual(await ids('장애 before:2024-08-28'), ['m01', 'm02', 'm03']);
    assert.deepEqual(await ids('after:2024-08-26 before:2024-08-28'), ['m05', 'm06', 'm07', 'm08', 'm09']);
  });
  test('type: and has:link', async () => {
    assert.deepEqual(await ids('type:join'), ['m11']);
    assert.deepEqual(await ids('장애 type:bot'), ['m12']);
    assert.deepEqual(await ids('has:link'), ['m03', 'm06']);
    assert.deepEqual(await ids('장애 has:link'), ['m03']);
  });
});

describe('answer shape', () => {
  test('hits carry Kafka coordinates, highlights into text, newest first, facets', async () => {
    const { body } = await search('장애');
    assert.equal(body.total, 5);
    assert.deepEqual(body.hits.map((h) => h.id), ['m13', 'm12', 'm03', 'm02', 'm01']);
    const rows = corpusRows();
    for (const h of body.hits) {
      const row = rows.find((r) => r.id === h.id)!;
      assert.deepEqual(h.kafka, fx.coords.get(h.id)); // where the message really is in chat.events
      assert.equal(h.ts, row.ts_ms);
      assert.ok(h.highlights.length > 0);
      for (const [s, e] of h.highlights) assert.equal(h.text.slice(s, e), '장애');
    }
    assert.deepEqual(body.facets.channels, [{ value: 'ops', count: 5 }]);
    assert.deepEqual(body.facets.users[0], { value: '민수', count: 2 });
    const nfd = (await search('감독님')).body.hits[0];
    const [[s, e]] = nfd.highlights;
    assert.equal(nfd.text.slice(s, e).normalize('NFC'), '감독님');
    const latin = (await search('kafka')).body.hits.find((h) => h.id === 'm04')!;
    assert.equal(latin.text.slice(latin.highlights[0][0], latin.highlights[0][1]), 'Kafka');
  });

  test('cursor pagination has no duplicates or gaps while new rows arrive', async () => {
    const first = await search('장애', { limit: '2' });
    assert.equal(first.body.hits.length, 2);
    assert.ok(first.body.next_cursor);
    // a new matching row arrives between pages (newer than everything)
    await fx.add([{ id: 'm99', channel: 'ops', nick: '민수', text: '또 장애가 났어요', at: '2024-08-29 09:00' }]);
    const seen = [...first.body.hits.map((h) => h.id)];
    let cursor: string | null = first.body.next_cursor;
    while (cursor) {
      const page: { status: number; body: Body } = await search('장애', { limit: '2', cursor });
      assert.equal(page.status, 200);
      seen.push(...page.body.hits.map((h) => h.id));
      cursor = page.body.next_cursor;
    }
    assert.deepEqual(seen, ['m13', 'm12', 'm03', 'm02', 'm01']);
    // and a fresh search sees the new row first
    assert.equal((await search('장애', { limit: '1' })).body.hits[0].id, 'm99');
  });
});

describe('bad queries are 400 with a message naming the problem', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ q: '"장애 났어요' }, /unbalanced quote/],
    [{ q: 'foo:bar 장애' }, /unknown operator "foo:"/],
    [{ q: '장애 on:2024-02-30' }, /on: needs a date/],
    [{ q: 'after:yesterday' }, /after: needs a date/],
    [{ q: '' }, /q is empty/],
    [{ q: '   ' }, /q is empty/],
    [{ q: '장'.repeat(501) }, /too long/],
    [{ q: 'type:robot' }, /type: must be one of/],
    [{ q: 'has:image' }, /has:link/],
    [{ q: '장애', limit: '0' }, /limit must be/],
    [{ q: '장애', limit: '1000' }, /limit must be/],
    [{ q: '장애', limit: 'ten' }, /limit must be/],
    [{ q: '장애', cursor: 'not-a-cursor' }, /cursor is not valid/],
  ];
  for (const [params, message] of cases) {
    test(JSON.stringify(params).slice(0, 60), async () => {
      const res = await fx.app.request(`/api/search?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${fx.adminToken}` } });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, message);
    });
  }
  test('missing q is 400 too', async () => {
    const res = await fx.app.request('/api/search', { headers: { authorization: `Bearer ${fx.adminToken}` } });
    assert.equal(res.status, 400);
  });
});

// ── the service against a brute-force scan of the same messages ─────────
import { parseQuery } from '../audit/search/index.ts';
import { decodeCursor } from '../audit/search/client.ts';
import { fold } from '../audit/search/fold.ts';
// the benchmark's seeded PRNG: every run builds the same random corpus
import { rng as mulberry } from '../bench/search/generate.ts';
import type { IndexRow } from '../bench/search/memory-index.ts';

type Row = Pick<IndexRow, 'id' | 'channel' | 'nick' | 'type' | 'text' | 'ts_ms'>;

const WORDS = ['장애가', '장애를', '배포', '배포했어요', '파묘', '감독은', '있어요', '바로 볼게요', 'Kafka에서', 'API가', 'deploy', 'DEPLOYING', 'timeout', '회의', '봄', 'ＫＡＦＫＡ', '감독님'.normalize('NFD'), '서울의 봄', 'ㅋㅋ', 'www.x.kr'];

/** n rows: ts mostly increasing with ties (three per 10 minutes), or (shuffled) in random order. */
function corpus(n: number, seed: number, shuffleTs: boolean, words = WORDS): Row[] {
  const r = mulberry(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const picked = Array.from({ length: 1 + Math.floor(r() * 4) }, () => words[Math.floor(r() * words.length)]);
    const ts = shuffleTs ? 1_700_000_000_000 + Math.floor(r() * n) * 200_000 : 1_700_000_000_000 + Math.floor(i / 3) * 600_000;
    rows.push({ id: `r${seed}-${String(Math.floor(r() * 1e9)).padStart(9, '0')}-${i}`, channel: ['ops', 'dev', 'movies'][Math.floor(r() * 3)], nick: ['민수', 'alice', '지영'][Math.floor(r() * 3)], type: r() < 0.1 ? 'bot' : 'message', text: picked.join(' '), ts_ms: ts });
  }
  return rows;
}

function brute(rows: Row[], q: string): Row[] {
  const p = parseQuery(q);
  return rows
    .filter((row) => {
      const f = fold(row.text);
      if (!p.must.every((n) => f.includes(n))) return false;
      if (p.not.some((n) => f.includes(n))) return false;
      if (p.nicks.length && !p.nicks.some((n) => fold(n) === fold(row.nick))) return false;
      if (p.channels.length && !p.channels.includes(row.channel)) return false;
      if (p.types.length && !p.types.includes(row.type as never)) return false;
      if (p.hasLink && !/https?:\/\/|www\./iu.test(row.text)) return false;
      if (p.from !== null && !(row.ts_ms >= p.from)) return false;
      if (p.to !== null && !(row.ts_ms < p.to)) return false;
      return true;
    })
    .sort((a, b) => b.ts_ms - a.ts_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

const QUERIES = ['장애', '장애가', '배포', '배포했어요', '감독', '봄', '있어요', '"바로 볼게요"', 'kafka', 'KAFKA에서', 'api', 'deploy', 'deploying', '장애 -kafka', '배포 -"바로 볼게요"', '배포 -봄', '파묘 in:#ops', '장애 type:bot', 'has:link', 'in:dev', '없는말', 'k', '감독님', '배포 before:2023-11-17', '장애 on:2023-11-18', 'deploy after:2023-11-19', 'before:2023-11-16', 'from:alice 회의', 'from:지영 in:#movies'];

describe('service vs brute force (30,000 messages in several segments, ties, repeats)', () => {
  let bf: AuditFixture;
  let rows: Row[];
  before(async () => {
    bf = await auditFixture([], { search: true });
    // three batches (each made searchable before the next: several segments), a tail of ts
    // out of insertion order, and 500 messages sent twice (updates by id: deleted docs in segments)
    rows = [...corpus(10_000, 3, false), ...corpus(10_000, 7, true), ...corpus(10_000, 11, false, ['있어요', 'deploy', '바로 볼게요', '장애', 'kafka', '봄'])];
    const env = (r: Row) => ({ v: 1, id: r.id, type: r.type, channel: r.channel, user: { id: `u_${r.nick}`, nick: r.nick }, text: r.text, ts: r.ts_ms, reply_to: null, meta: {} });
    for (let b = 0; b < 3; b++) {
      await bf.produce(rows.slice(b * 10_000, (b + 1) * 10_000).map(env));
      await bf.service!.sync(120_000);
    }
    await bf.produce(rows.slice(4000, 4500).map(env));
    await bf.service!.sync(120_000);
  });
  after(async () => {
    await bf.close();
  });

  const page = (q: string, limit: number, cursor: string | null) => bf.search.search(parseQuery(q), { limit, cursor: cursor ? decodeCursor(cursor) : null });

  test('pages, exact totals and exact facets match a scan', async () => {
    for (const q of QUERIES) {
      const want = brute(rows, q);
      const got: string[] = [];
      let cursor: string | null = null;
      for (let p = 0; p < 4; p++) {
        const res = await page(q, 7, cursor);
        assert.equal(res.total, want.length, `${q}: total`);
        const chans = new Map<string, number>();
        const users = new Map<string, number>();
        for (const r of want) {
          chans.set(r.channel, (chans.get(r.channel) ?? 0) + 1);
          users.set(r.nick, (users.get(r.nick) ?? 0) + 1);
        }
        assert.equal(res.facets.channels.length, chans.size, `${q}: channel facets`);
        for (const f of res.facets.channels) assert.equal(f.count, chans.get(f.value), `${q}: facet #${f.value}`);
        for (const f of res.facets.users) assert.equal(f.count, users.get(f.value), `${q}: facet ${f.value}`);
        got.push(...res.hits.map((h) => h.id));
        cursor = res.next_cursor;
        if (!cursor) break;
      }
      assert.deepEqual(got, want.slice(0, got.length).map((r) => r.id), `${q}: pages`);
      assert.equal(got.length, Math.min(want.length, 28), `${q}: page sizes`);
    }
  });

  test('paging through everything with a cursor returns every match once, in order', async () => {
    for (const q of ['"바로 볼게요" after:2023-11-15', 'in:ops before:2023-11-18', '장애 -kafka in:#movies', 'from:alice type:bot']) {
      const want = brute(rows, q).map((r) => r.id);
      assert.ok(want.length > 300, `${q}: a query with many pages (${want.length})`);
      const got: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const res = await page(q, 100, cursor);
        got.push(...res.hits.map((h) => h.id));
        cursor = res.next_cursor;
        if (!cursor) break;
      }
      assert.deepEqual(got, want, q);
    }
  });
});
