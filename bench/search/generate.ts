// A realistic Korean/English team-chat generator for the search benchmark:
// channels and users with skewed activity, a Zipfian vocabulary of work and
// small-talk words, nouns with the right particle (pickJosa), 하다-verbs in
// several endings, English and mixed-script words (Kafka에서), daily topic
// bursts, typos (one jamo changed), links, bot/join/leave events. Writes a
// CSV that DuckDB and PostgreSQL both load with COPY.
import fs from 'node:fs';
import { joinSyllable, splitSyllable, JUNGSEONG } from '../../core/korean/hangul.ts';
import { pickJosa } from '../../core/korean/josa.ts';

export const NOUNS = (
  '장애 배포 회의 서버 데이터 일정 점심 커피 코드 리뷰 테스트 버그 로그 모니터링 알림 보고서 계약 고객 결제 주문 배송 영화 파묘 감독 ' +
  '주말 휴가 프로젝트 기획 디자인 문서 회의실 예산 매출 분석 대시보드 쿼리 인덱스 검색 성능 지연 트래픽 네트워크 보안 권한 계정 ' +
  '비밀번호 백업 복구 점검 업데이트 버전 릴리스 마감 발표 자료 교육 채용 면접 신입 팀장 회식 저녁 날씨 출근 퇴근 재택 야근 스프린트 ' +
  '티켓 이슈 요청 승인 검토 설정 환경 개발 운영 품질 고객사 미팅 견적 일정표 인프라 클러스터 브로커 토픽 파티션 컨슈머 지표 경보 ' +
  '장비 노트북 모니터 키보드 택배 간식 생일 축하 여행 제주도 부산 서울 기차 비행기 주차 건강 운동 병원 카페 식당 메뉴 김치찌개 ' +
  '라면 치킨 피자 맥주 소주 드라마 음악 콘서트 야구 축구 게임 사진 고양이 강아지 나이 사과 도로 가구 정리 준비 공유 확인 변경'
).split(' ');
export const VERBS = ['했어요', '합니다', '할게요', '했습니다', '해주세요', '하셨나요', '해야 해요', '중이에요', '됐어요', '되나요', '하는 중', '하면 돼요'];
export const TAILS = ['있어요', '없어요', '좋아요', '어때요?', '괜찮아요', '부탁드려요', '감사합니다', '알겠습니다', '맞아요', 'ㅋㅋㅋ', 'ㅠㅠ', '네네', '언제쯤?', '바로 볼게요'];
export const ENGLISH = (
  'deploy deployment server bug fix review PR merge release hotfix Kafka DuckDB API latency timeout dashboard query index meeting lunch ' +
  'coffee incident outage rollback staging production cluster broker topic consumer lag alert metrics CPU memory disk build pipeline test ' +
  'flaky retry cache Redis Postgres schema migration ticket sprint standup demo design spec docs onboarding weekend holiday'
).split(' ');
const PARTICLE_PAIRS = ['이/가', '은/는', '을/를', '으로/로', '과/와'];
const PLAIN_PARTICLES = ['에서', '도', '만', '에', '의', '까지', '부터', '처럼', '에게', ''];
const SURNAMES = '김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전'.split(' ');
const GIVEN = '민수 지영 수진 철수 영희 현우 서연 도윤 하은 준호 예린 지훈 유진 태현 소연 재원 다은 승민 혜진 동현'.split(' ');
const LATIN_NICKS = 'alice bob carol dave erin frank grace heidi ivan judy mallory oscar peggy trent victor walter'.split(' ');

/** Small fast PRNG (mulberry32) so every run generates the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sampler over n ranks with P(rank r) ∝ 1 / r^s. */
export function zipf(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / Math.pow(r + 1, s);
  for (let r = 0; r < n; r++) cdf[r] /= sum;
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface GenOptions {
  messages: number;
  /** first day (Seoul midnight, ms) */
  start: number;
  perDay: number;
  seed?: number;
}

function typo(word: string, rand: () => number): string {
  const chars = [...word];
  const i = Math.floor(rand() * chars.length);
  const s = splitSyllable(chars[i]);
  if (!s) return word;
  const medial = JUNGSEONG[Math.floor(rand() * JUNGSEONG.length)];
  chars[i] = joinSyllable(s.initial, medial, s.final) ?? chars[i];
  return chars.join('');
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export const CSV_COLUMNS = ['id', 'channel', 'user_id', 'nick', 'type', 'text', 'ts_ms', 'kafka_partition', 'kafka_offset'] as const;

/** One generated chat event (the CSV columns; kafka_* are made up: the CSV does not go through Kafka). */
export interface ChatRow {
  id: string;
  channel: string;
  user_id: string;
  nick: string;
  type: 'message' | 'bot' | 'join' | 'leave';
  text: string;
  ts_ms: number;
  kafka_partition: number;
  kafka_offset: number;
}

/** The chat rows of `o`, one by one (the same seed always gives the same rows, in ts order). */
export function* generateRows(o: GenOptions): Generator<ChatRow> {
  const rand = rng(o.seed ?? 42);
  const channels = ['general', 'ops', 'dev', 'random', 'movies', 'lunch', 'sales', 'design', 'infra', 'data'];
  for (let i = 0; channels.length < 40; i++) channels.push(`team-${i}`);
  const users: string[] = [];
  for (const s of SURNAMES) for (const g of GIVEN) users.push(s + g);
  users.push(...LATIN_NICKS);
  const pickUser = zipf(users.length, 1.0, rand);
  const pickChannel = zipf(channels.length, 1.2, rand);
  const pickNoun = zipf(NOUNS.length, 0.9, rand);
  const pickEnglish = zipf(ENGLISH.length, 1.05, rand);
  let hot: string[] = [];
  let day = -1;
  for (let i = 0; i < o.messages; i++) {
    const d = Math.floor(i / o.perDay);
    if (d !== day) {
      day = d;
      // each day three topics burst (an incident, a release, a movie…)
      hot = [NOUNS[Math.floor(rand() * NOUNS.length)], NOUNS[Math.floor(rand() * NOUNS.length)], ENGLISH[Math.floor(rand() * ENGLISH.length)]];
    }
    // ts: spread over the day, busier in working hours, increasing
    const within = (i % o.perDay) / o.perDay;
    const ts = o.start + d * 86_400_000 + Math.floor((7 + within * 16) * 3_600_000) + Math.floor(rand() * 1000);
    const r = rand();
    const type = r < 0.04 ? 'bot' : r < 0.05 ? 'join' : r < 0.055 ? 'leave' : 'message';
    const nick = type === 'bot' ? 'kchat봇' : users[pickUser()];
    let text: string;
    if (type === 'join') text = `${nick} 님이 입장했습니다`;
    else if (type === 'leave') text = `${nick} 님이 나갔습니다`;
    else {
      const words: string[] = [];
      const n = 2 + Math.floor(rand() * 7);
      for (let w = 0; w < n; w++) {
        const k = rand();
        if (k < 0.55) {
          let noun = rand() < 0.2 ? hot[Math.floor(rand() * 2)] : NOUNS[pickNoun()];
          if (rand() < 0.02) noun = typo(noun, rand);
          const p = rand();
          if (p < 0.5) noun += pickJosa(noun, PARTICLE_PAIRS[Math.floor(rand() * PARTICLE_PAIRS.length)]);
          else if (p < 0.8) noun += PLAIN_PARTICLES[Math.floor(rand() * PLAIN_PARTICLES.length)];
          else if (p < 0.9) noun += VERBS[Math.floor(rand() * VERBS.length)];
          words.push(noun);
        } else if (k < 0.75) {
          let en = rand() < 0.2 ? hot[2] : ENGLISH[pickEnglish()];
          if (rand() < 0.3) en += pickJosa(en, PARTICLE_PAIRS[Math.floor(rand() * PARTICLE_PAIRS.length)]); // Kafka가, API를
          else if (rand() < 0.1) en = en.toUpperCase();
          words.push(en);
        } else if (k < 0.95) words.push(TAILS[Math.floor(rand() * TAILS.length)]);
        else words.push(String(Math.floor(rand() * 100)));
      }
      if (rand() < 0.03) words.push(`https://wiki.example.com/${ENGLISH[pickEnglish()]}/${Math.floor(rand() * 10000)}`);
      text = words.join(' ');
      if (type === 'bot') text = `[알림] ${text}`;
    }
    const channel = channels[pickChannel()];
    yield { id: `b${i.toString(36).padStart(7, '0')}`, channel, user_id: `u_${nick}`, nick, type, text, ts_ms: ts, kafka_partition: i % 6, kafka_offset: Math.floor(i / 6) };
  }
}

/** Write `messages` rows to a CSV (header included); returns the day range covered. */
export async function generateCsv(file: string, o: GenOptions): Promise<{ days: number; first: number; last: number }> {
  const out = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
  out.write(CSV_COLUMNS.join(',') + '\n');
  let buf = '';
  let last = o.start;
  for (const r of generateRows(o)) {
    last = Math.max(last, r.ts_ms);
    buf += `${r.id},${r.channel},${r.user_id},${csvField(r.nick)},${r.type},${csvField(r.text)},${r.ts_ms},${r.kafka_partition},${r.kafka_offset}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { days: Math.max(1, Math.ceil(o.messages / o.perDay)), first: o.start, last };
}
