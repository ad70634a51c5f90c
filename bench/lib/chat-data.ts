// Realistic Korean team chat for the Kafka benchmarks (ingest, kafka-client):
// the same envelopes every run (seeded), ~235 bytes of JSON each, all through
// the product's one envelope constructor.
import { createEnvelope, type Envelope } from '../../core/envelope.ts';

const OPENERS = ['혹시', '그럼', '아 맞다', '근데', '저는', '오늘', '내일', '방금', '다들', '음'];
const BODIES = [
  '점심 뭐 드실래요?',
  '회의는 3시에 시작합니다.',
  '파묘 감독은 누구야?',
  '배포는 끝났나요, 아니면 내일 하나요?',
  '서울에서 부산으로 가는 기차가 늦네요...',
  '커피 한 잔 하실 분!',
  '카프카 토픽 파티션을 늘려야 할까요?',
  '덕디비로 집계하니까 빠르네요 ㅋㅋ',
  '이번 주말에 캠핑 가려고 하는데, 같이 갈래요?',
  '요즘 날씨가 너무 변덕스러워요. 감기 조심하세요!',
  '오늘따라 시간이 너무 안 가는 것 같아요',
  'PR 리뷰 부탁드려요 🙏',
  '에러 로그 보니까 NullPointerException 이네요',
  '넵 확인했습니다',
  'ㅋㅋㅋㅋ 진짜요?',
];
const NICKS = Array.from({ length: 200 }, (_, i) => ['민수', '지은', '서연', '도윤', '하준', '수진', '태영', '상우', '쑤', 'tam'][i % 10] + (i >= 10 ? String(i) : ''));
export const BENCH_CHANNELS = ['general', '개발', 'random', '공지', '점심', 'team1', 'team2', 'team3', 'team4', 'team5', 'ops-kr', '데이터', '영화', '질문', '잡담', 'airflow', 'kafka', 'duckdb', '채용', '스터디'];

/** n envelopes with timestamps spread evenly over [start, end); every 97th is a join. */
export function koreanChat(n: number, start: number, end: number): Envelope[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out: Envelope[] = [];
  const span = end - start;
  for (let i = 0; i < n; i++) {
    const nick = NICKS[Math.floor(rnd() * NICKS.length)];
    out.push(
      createEnvelope({
        type: i % 97 === 0 ? 'join' : 'message',
        channel: BENCH_CHANNELS[Math.floor(rnd() * BENCH_CHANNELS.length)],
        user: { id: `u_${nick}`, nick },
        text: i % 97 === 0 ? '' : `${OPENERS[Math.floor(rnd() * OPENERS.length)]} ${BODIES[Math.floor(rnd() * BODIES.length)]}`,
        ts: start + Math.floor((span * i) / n),
      }),
    );
  }
  return out;
}
