// Search over a fixed Korean/English corpus in a real DuckDB file: expected
// hits AND non-hits for particles, two-syllable words, spacing, NFD input,
// mixed scripts, every operator; pagination while rows arrive; bad queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFixture, corpusRows, insertMessages, type AuditFixture } from '../audit/fixtures.ts';

let fx: AuditFixture;
before(async () => {
  fx = await auditFixture();
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
      assert.deepEqual(h.kafka, { partition: row.partition, offset: row.offset });
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
    await insertMessages(fx.db, corpusRows([{ id: 'm99', channel: 'ops', nick: '민수', text: '또 장애가 났어요', at: '2024-08-29 09:00' }]), 'chat.events.late');
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
