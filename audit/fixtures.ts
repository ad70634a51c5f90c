// A fixed Korean/English corpus and a real DuckDB + audit app for tests
// (test/search*.test.ts, test/topics*.test.ts, test/audit*.test.ts). With
// `search: true` the corpus also goes through the real broker (KAFKA_BROKERS,
// a topic prefix of its own) into a real search service (search/), as in
// production: search reads Kafka, topic statistics read DuckDB.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { Auth } from '../core/auth.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { zonedTime } from '../core/time.ts';
import { ensureIngestSchema, messageLog, type MessageRow } from '../ingest/index.ts';
import { KafkaClient } from '../core/kafka.ts';
import { EVENTS_PARTITIONS } from '../core/topics.ts';
import { SearchService } from '../search/index.ts';
import { AUDIT_LOG_SCHEMA } from './access.ts';
import { SearchClient, type SearchBackend } from './search/index.ts';
import { auditRoutes } from '../server/routes/audit.ts';
import { kafkaNames } from '../core/names.ts';

export interface CorpusMessage {
  id: string;
  channel: string;
  nick: string;
  type?: string;
  text: string;
  /** Seoul wall clock 'YYYY-MM-DD HH:MM' */
  at: string;
}

/** Seoul wall clock → ms. */
export function seoul(at: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(at);
  if (!m) throw new Error(`bad fixture time ${at}`);
  return zonedTime(+m[1], +m[2], +m[3], +m[4], +m[5], 0, 'Asia/Seoul');
}

export const CORPUS: CorpusMessage[] = [
  { id: 'm01', channel: 'ops', nick: '민수', text: '결제 API가 장애가 났어요', at: '2024-08-26 09:10' },
  { id: 'm02', channel: 'ops', nick: '지영', text: '장애를 확인했습니다. Kafka에서 지연이 있어요', at: '2024-08-26 09:12' },
  { id: 'm03', channel: 'ops', nick: '민수', text: '장애는 복구됐습니다 https://status.example.com/incident/42', at: '2024-08-26 10:00' },
  { id: 'm04', channel: 'dev', nick: 'Alice', text: 'Postmortem: the Kafka broker outage started at 09:05', at: '2024-08-26 11:00' },
  { id: 'm05', channel: 'movies', nick: '수진', text: '파묘 봤어요? 감독은 장재현이에요', at: '2024-08-27 20:00' },
  { id: 'm06', channel: 'movies', nick: '철수', text: '파묘감독 인터뷰 링크 www.example.com/pamyo', at: '2024-08-27 20:05' },
  { id: 'm07', channel: 'movies', nick: '수진', text: '서울의 봄도 좋았어요', at: '2024-08-27 20:10' },
  { id: 'm08', channel: 'general', nick: '지영', text: '오늘 회의했어요. 회의록 올릴게요', at: '2024-08-27 14:00' },
  { id: 'm09', channel: 'general', nick: '민수', text: '나이가 들수록 사과가 좋아요', at: '2024-08-27 15:00' },
  { id: 'm10', channel: 'general', nick: 'Bob', text: 'Deploying API v2 today, DEPLOY window 3pm', at: '2024-08-28 09:00' },
  { id: 'm11', channel: 'general', nick: '민수', text: '민수 님이 입장했습니다', type: 'join', at: '2024-08-28 09:01' },
  { id: 'm12', channel: 'ops', nick: 'kchat봇', text: '장애 알림: 결제 API 응답 지연', type: 'bot', at: '2024-08-28 09:30' },
  { id: 'm13', channel: 'ops', nick: '지영', text: '장애에서 배운 점을 정리했어요', at: '2024-08-28 10:00' },
  { id: 'm14', channel: 'dev', nick: '철수', text: '도로 공사 때문에 늦어요', at: '2024-08-28 10:30' },
  // NFD-stored text (as an external producer might send it) and full-width Latin
  { id: 'm15', channel: 'dev', nick: '수진', text: '감독님 회의 잡아주세요'.normalize('NFD'), at: '2024-08-28 11:00' },
  { id: 'm16', channel: 'dev', nick: 'Alice', text: 'ＫＡＦＫＡ 설정 바꿨어요', at: '2024-08-28 11:30' },
  { id: 'm17', channel: 'ops', nick: '지영', text: '파 묘 다시 보고 싶다', at: '2024-08-28 12:00' },
];

export function corpusRows(corpus = CORPUS) {
  return corpus.map((m, i) => ({ ...m, type: m.type ?? 'message', ts_ms: seoul(m.at), partition: i % 3, offset: i }));
}

/** An envelope of the corpus as an external producer would write it (text as given: NFD stays NFD). */
export function corpusEnvelope(r: ReturnType<typeof corpusRows>[number]): Record<string, unknown> {
  return { v: 1, id: r.id, type: r.type, channel: r.channel, user: { id: 'u_' + r.nick, nick: r.nick }, text: r.text, ts: r.ts_ms, reply_to: null, meta: {} };
}

/** A record value as a test writes it: an object (sent as JSON), or exact text or bytes. */
export type RawValue = Record<string, unknown> | string | Buffer;

/**
 * Produce raw envelopes (any JSON, valid or not) to the events topic, spread
 * over its partitions; returns each record's Kafka coordinates in order.
 */
export async function produceRaw(kafka: KafkaClient, topic: string, values: RawValue[]): Promise<{ partition: number; offset: number }[]> {
  const coords: { partition: number; offset: number }[] = [];
  const CHUNK = 5000;
  for (let start = 0; start < values.length; start += CHUNK) {
    const chunk = values.slice(start, start + CHUNK);
    const byPartition = new Map<number, number[]>();
    const messages = chunk.map((v, i) => {
      const partition = (start + i) % EVENTS_PARTITIONS;
      const list = byPartition.get(partition) ?? [];
      list.push(start + i);
      byPartition.set(partition, list);
      if (typeof v === 'string' || Buffer.isBuffer(v)) return { key: 'x', value: v, partition };
      return { key: String(v.channel ?? 'x'), value: JSON.stringify(v), partition };
    });
    const meta = await kafka.send(topic, messages);
    for (const m of meta) {
      (byPartition.get(m.partition) ?? []).forEach((index, k) => (coords[index] = { partition: m.partition, offset: Number(m.baseOffset) + k }));
    }
  }
  return coords;
}

/** Store corpus rows through the message log, as ingest would (listeners are told; with `backlog`, the records ingest still sees waiting in Kafka). */
export async function insertMessages(db: Database, rows: ReturnType<typeof corpusRows>, topic = kafkaNames({ topicPrefix: '', ingestGroup: 'ingest' }).topics.events, backlog?: number): Promise<void> {
  const stored: MessageRow[] = rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    user_id: 'u_' + r.nick,
    nick: r.nick,
    type: r.type,
    text: r.text,
    ts_us: BigInt(r.ts_ms) * 1000n,
    reply_to: null,
    kafka_topic: topic,
    kafka_partition: r.partition,
    kafka_offset: BigInt(r.offset),
    source: 'kafka',
    meta: '{}',
  }));
  await messageLog(db).append(stored, backlog !== undefined ? { backlog } : {});
}

export interface AuditFixture {
  dir: string;
  config: Config;
  db: Database;
  auth: Auth;
  /** the search service (null without `search: true`: then searches answer 503) */
  service: SearchService | null;
  search: SearchClient;
  app: Hono;
  adminToken: string;
  /** Kafka coordinates of each corpus message, by id (with `search: true`) */
  coords: Map<string, { partition: number; offset: number }>;
  /** Add messages as they would arrive: into Kafka (→ search) and into DuckDB (→ statistics). */
  add(corpus: CorpusMessage[]): Promise<void>;
  /** Produce raw values (envelopes or not) to the topic; their coordinates. */
  produce(values: RawValue[]): Promise<{ partition: number; offset: number }[]>;
  close(): Promise<void>;
}

const NO_SEARCH: SearchBackend = { endpoint: () => null, unavailable: () => 'no search service in this fixture' };

/** A temp DATA_DIR with a real DuckDB file holding the corpus (and, with `search`, a search service fed through Kafka), and the audit routes on a Hono app. */
export async function auditFixture(corpus = CORPUS, options: { search?: boolean } = {}): Promise<AuditFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-audit-'));
  const adminToken = 'test-admin-' + path.basename(dir);
  const brokers = process.env.KAFKA_BROKERS ?? '';
  if (options.search && !brokers) throw new Error('KAFKA_BROKERS is not set: run search tests through `npm test` (it starts a broker) or set KAFKA_BROKERS=host:port');
  const prefix = `audit.${path.basename(dir).replace(/[^A-Za-z0-9]/g, '')}.`;
  const config = loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: adminToken, NODE_ENV: 'test', KAFKA_BROKERS: brokers, KCHAT_TOPIC_PREFIX: prefix });
  const db = await Database.open(config.dbPath);
  await ensureIngestSchema(db);
  await db.ensureSchema(AUDIT_LOG_SCHEMA);
  const auth = new Auth(db, config);
  await auth.init();
  const coords = new Map<string, { partition: number; offset: number }>();
  let service: SearchService | null = null;
  const kafka = options.search ? new KafkaClient({ config, brokers: config.kafkaBrokers!, clientId: 'kchat-test-fixture' }) : null;
  const produce = (values: RawValue[]) => {
    if (!kafka) throw new Error('this fixture has no Kafka: pass { search: true }');
    return produceRaw(kafka, config.topics.events, values);
  };
  const add = async (messages: CorpusMessage[]) => {
    let rows = corpusRows(messages);
    if (service) {
      const at = await produce(rows.map(corpusEnvelope));
      rows = rows.map((r, i) => ({ ...r, ...at[i] }));
      for (const r of rows) coords.set(r.id, { partition: r.partition, offset: r.offset });
    }
    await insertMessages(db, rows);
  };
  if (options.search) {
    await kafka!.ensureTopics();
    service = new SearchService(config, config.kafkaBrokers!);
    await add(corpus);
    await service.start();
    await service.sync(60_000);
  } else {
    await add(corpus);
  }
  const search = new SearchClient(service ?? NO_SEARCH);
  const app = new Hono();
  app.route('/', auditRoutes({ config, db, auth }, search) as unknown as Hono);
  return {
    dir,
    config,
    db,
    auth,
    service,
    search,
    app,
    adminToken,
    coords,
    add,
    produce,
    async close() {
      await service?.stop();
      await kafka?.disconnect();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
