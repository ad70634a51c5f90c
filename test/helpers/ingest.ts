// Shared setup for the ingest/pipeline/legacy tests: a temp DATA_DIR, a
// unique topic prefix on the real broker, and Korean chat envelopes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../core/config.ts';
import { createEnvelope, type Envelope } from '../../core/envelope.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const legacyDir = path.resolve(repoRoot, '..', 'shared', 'data', 'legacy');

export function tempEnv(name: string): { env: NodeJS.ProcessEnv; config: Config; dataDir: string; cleanup(): void } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kchat-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    KCHAT_TOPIC_PREFIX: `t-${name}-${randomUUID().slice(0, 8)}.`,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  return { env, config: loadConfig(env), dataDir, cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

const PHRASES = [
  '점심 뭐 드실래요?',
  '회의는 3시에 시작합니다.',
  '파묘 감독은 누구야?',
  '오늘 배포는 끝났나요, 아니면 내일?',
  '서울에서 부산으로 가는 기차가 늦네요...',
  '민수는 커피를 좋아해요!',
  '데이터가 카프카에서 덕디비로 들어가요',
  'ＦＵＬＬ　ＷＩＤＴＨ 글자도 검색돼야 해요',
];
const NICKS = ['민수', '지은', '서연', '도윤', '하준', 'tam'];
const CHANNELS = ['general', '개발', 'random', '공지', '점심', 'team4', 'ops-kr'];

/** A realistic Korean chat envelope (deterministic by index). */
export function chatEnvelope(i: number, ts = Date.now()): Envelope {
  const nick = NICKS[i % NICKS.length];
  return createEnvelope({
    type: 'message',
    channel: CHANNELS[i % CHANNELS.length],
    user: { id: `u_${nick}`, nick },
    text: `${PHRASES[i % PHRASES.length]} #${i}`,
    ts,
  });
}

/** Poll until fn() is truthy (an awaited condition, not a fixed sleep). */
export async function until<T>(fn: () => Promise<T | false | null | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

export function brokers(): string[] | null {
  const b = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  return b.length ? b : null;
}
