// The query language in a few lines (audit/search/query.ts is the parser).
const ROWS: [string, string][] = [
  ['배포 장애', '두 낱말이 모두 들어간 메시지 (조사는 떼고 찾음: 배포가·배포했어요도 찾음)'],
  ['"점심 메뉴"', '붙어 있는 구절 그대로'],
  ['-회의', '이 낱말이 들어간 메시지는 빼기'],
  ['from:민수', '보낸 사람'],
  ['in:#dev', '채널'],
  ['on:2024-08-27', '그날 하루 (서울 시간)'],
  ['after:2024-08-26 before:2024-09-01', '그 다음 날부터 / 그 전날까지'],
  ['type:bot', '종류: message, bot, join, leave, nick, system'],
  ['has:link', '링크가 있는 메시지'],
];

export function SyntaxHelp() {
  return (
    <details class="syntax-help">
      <summary>검색 문법</summary>
      <dl>
        {ROWS.map(([code, what]) => (
          <div key={code}>
            <dt>
              <code>{code}</code>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
