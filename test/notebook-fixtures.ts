// Fixtures for notebook/sandbox tests: a temp DATA_DIR with a real DuckDB
// file holding the ingest and bot tables (same schema as their owners create)
// and, when asked, Korean chat rows on 2024-08-27 (Seoul).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../core/config.ts';
import { Database } from '../core/db.ts';
import { ensureIngestSchema, messageLog, type MessageRow } from '../ingest/index.ts';
import { BOT_COMMANDS_SCHEMA } from '../bots/runtime/log.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');

export interface Fixture {
  dataDir: string;
  config: Config;
  db: Database;
  close(): Promise<void>;
}

const MESSAGES: [string, string, string, string][] = [
  // [seoul time, channel, nick, text]
  ['2024-08-27 14:01:00', 'general', '민수', '오늘 배포는 몇 시에 하나요?'],
  ['2024-08-27 14:03:00', 'general', '지영', '배포를 3시에 합니다. 회의에서 정했어요'],
  ['2024-08-27 14:05:00', 'general', '민수', '회의는 끝났나요? 회의록 공유 부탁해요'],
  ['2024-08-27 14:20:00', 'dev', '철수', 'Kafka에서 메시지가 안 들어와요 장애인가요'],
  ['2024-08-27 15:02:00', 'dev', '지영', '장애는 아니고 설정 문제였습니다'],
  ['2024-08-27 15:30:00', 'general', '철수', '사람이 너무 많네요 사람은 다 어디서 왔나요'],
  ['2024-08-27 16:10:00', 'general', '민수', '배포 완료했습니다! 회의 감사합니다'],
  ['2024-08-26 10:00:00', 'general', '지영', '내일 배포 회의 있어요'],
];

/** Seoul wall-clock "YYYY-MM-DD HH:MM:SS" → epoch ms */
const seoul = (s: string) => Date.parse(s.replace(' ', 'T') + '+09:00');

/** `timeZone`: open the database as `npm start` does (its TimeZone = TZ_REPORTS); default: the machine's. */
export async function openFixture(opts: { populated?: boolean; timeZone?: boolean } = {}): Promise<Fixture> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kchat-nb-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, ADMIN_TOKEN: 'admin-test-token', KAFKA_BROKERS: '127.0.0.1:1' });
  const db = await Database.open(config.dbPath, opts.timeZone ? { timeZone: config.tzReports } : {});
  await ensureIngestSchema(db);
  await db.ensureSchema(BOT_COMMANDS_SCHEMA);
  if (opts.populated) await populate(db);
  return {
    dataDir,
    config,
    db,
    async close() {
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function populate(db: Database): Promise<void> {
  const row = (r: Pick<MessageRow, 'id' | 'channel' | 'user_id' | 'nick' | 'type' | 'text' | 'kafka_partition' | 'kafka_offset' | 'meta'>, ts: number): MessageRow => ({
    ...r,
    ts_us: BigInt(ts) * 1000n,
    reply_to: null,
    kafka_topic: 'chat.events',
    source: 'kafka',
  });
  const rows = MESSAGES.map(([at, channel, nick, text], offset) =>
    row({ id: `m${offset}`, channel, user_id: `u_${nick}`, nick, type: 'message', text, kafka_partition: 0, kafka_offset: BigInt(offset), meta: '{}' }, seoul(at)),
  );
  const ops = seoul('2024-08-27 09:00:00');
  const meta = JSON.stringify({ dag_id: 'daily_parquet', run_id: 'scheduled__2024-08-27', state: 'failed' });
  rows.push(row({ id: 'ops1', channel: 'ops', user_id: 'bot:system', nick: '시스템', type: 'system', text: 'DAG daily_parquet 실패', kafka_partition: 1, kafka_offset: 0n, meta }, ops));
  await messageLog(db).append(rows);
  await db.run(
    `INSERT INTO ingest_errors (kafka_topic, kafka_partition, kafka_offset, kafka_key, raw, reason, record_ts, ts) VALUES ('chat.events', 0, 99, NULL, 'bad'::BLOB, 'invalid JSON: Unexpected token', now(), now())`,
  );
  await db.run(
    `INSERT INTO pipeline_runs (run_id, date, status, rows, channels, duration_ms, reason, path, started_at, finished_at) VALUES ('p1', DATE '2024-08-27', 'success', 7, 2, 120, NULL, 'parquet/dt=2024-08-27', now(), now())`,
  );
  await db.run(
    `INSERT INTO bot_commands (ts, channel, user_id, nick, bot, command, args, result, question_id, reply_id, duration_ms) VALUES (now(), 'general', 'u_민수', '민수', 'movie', 'director', '파묘', 'ok', 'q1', 'r1', 12.5)`,
  );
}
