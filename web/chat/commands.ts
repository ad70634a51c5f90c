// Slash commands typed in the composer: /nick, /join, /leave, /dm, /invite, /private, /help.
import { channelName } from './protocol.ts';

export type Command =
  | { kind: 'message'; text: string }
  | { kind: 'nick'; nick: string }
  | { kind: 'join'; channel: string }
  | { kind: 'leave'; channel: string | null }
  | { kind: 'dm'; nick: string }
  | { kind: 'invite'; nicks: string[] }
  | { kind: 'private'; channel: string; members: string[] }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP: { usage: string; description: string }[] = [
  { usage: '/nick 새이름', description: '닉네임을 바꿉니다' },
  { usage: '/join #채널', description: '채널에 들어가거나 새로 만듭니다' },
  { usage: '/leave', description: '지금 채널에서 나갑니다 (/leave #채널 도 가능)' },
  { usage: '/dm 닉네임', description: '그 사람과 1:1 대화를 엽니다' },
  { usage: '/invite 닉네임', description: '지금 채널에 그 사람을 초대합니다 (여러 명은 띄어서)' },
  { usage: '/private #채널 닉네임…', description: '비공개 채널을 만들고 적은 사람들을 멤버로 넣습니다' },
  { usage: '/help', description: '이 도움말을 엽니다' },
];

/** Read what the user typed. Text that does not start with a known command is a message. */
export function parseInput(input: string): Command {
  const text = input.replace(/\s+$/u, '');
  // "//텍스트" sends a message that starts with a slash.
  if (text.startsWith('//')) return { kind: 'message', text: text.slice(1) };
  const m = /^\/(\S+)(?:\s+([\s\S]*))?$/u.exec(text.trimStart());
  if (!m) return { kind: 'message', text };
  const name = m[1].toLowerCase();
  const arg = (m[2] ?? '').trim();
  switch (name) {
    case 'nick':
    case '닉':
    case '닉네임': {
      if (!arg) return { kind: 'invalid', message: '새 닉네임을 적어 주세요. 예: /nick 새이름' };
      if (/\s/u.test(arg)) return { kind: 'invalid', message: '닉네임에는 공백을 넣을 수 없습니다' };
      return { kind: 'nick', nick: arg };
    }
    case 'join':
    case '입장': {
      if (!arg) return { kind: 'invalid', message: '채널 이름을 적어 주세요. 예: /join #일반' };
      const channel = channelName(arg);
      if (!channel) return { kind: 'invalid', message: `채널 이름으로 쓸 수 없습니다: ${arg}` };
      return { kind: 'join', channel };
    }
    case 'leave':
    case 'part':
    case '퇴장': {
      if (!arg) return { kind: 'leave', channel: null };
      const channel = channelName(arg);
      if (!channel) return { kind: 'invalid', message: `채널 이름으로 쓸 수 없습니다: ${arg}` };
      return { kind: 'leave', channel };
    }
    case 'dm':
    case '대화': {
      const nick = arg.replace(/^@/u, '');
      if (!nick) return { kind: 'invalid', message: '대화할 사람의 닉네임을 적어 주세요. 예: /dm 지영' };
      if (/\s/u.test(nick)) return { kind: 'invalid', message: '1:1 대화는 한 사람과 엽니다. 예: /dm 지영' };
      return { kind: 'dm', nick };
    }
    case 'invite':
    case '초대': {
      const nicks = people(arg);
      if (!nicks.length) return { kind: 'invalid', message: '초대할 사람의 닉네임을 적어 주세요. 예: /invite 지영' };
      return { kind: 'invite', nicks };
    }
    case 'private':
    case '비공개': {
      const [first = '', ...rest] = arg.split(/\s+/u).filter(Boolean);
      const channel = channelName(first);
      if (!channel) return { kind: 'invalid', message: first ? `채널 이름으로 쓸 수 없습니다: ${first}` : '비공개 채널 이름을 적어 주세요. 예: /private #기획 지영 민수' };
      return { kind: 'private', channel, members: people(rest.join(' ')) };
    }
    case 'help':
    case '도움말':
    case '?':
      return { kind: 'help' };
    default:
      return { kind: 'invalid', message: `알 수 없는 명령입니다: /${m[1]} — /help 로 목록을 볼 수 있습니다` };
  }
}

/** Nicks separated by spaces or commas, an @ in front allowed: "@지영, 민수" → ["지영", "민수"]. */
export function people(arg: string): string[] {
  return [...new Set(arg.split(/[\s,]+/u).map((n) => n.replace(/^@/u, '')).filter(Boolean))];
}
