// Slash commands typed in the composer: /nick, /join, /leave, /help.
import { channelName } from './protocol.ts';

export type Command =
  | { kind: 'message'; text: string }
  | { kind: 'nick'; nick: string }
  | { kind: 'join'; channel: string }
  | { kind: 'leave'; channel: string | null }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP: { usage: string; description: string }[] = [
  { usage: '/nick 새이름', description: '닉네임을 바꿉니다' },
  { usage: '/join #채널', description: '채널에 들어가거나 새로 만듭니다' },
  { usage: '/leave', description: '지금 채널에서 나갑니다 (/leave #채널 도 가능)' },
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
    case 'help':
    case '도움말':
    case '?':
      return { kind: 'help' };
    default:
      return { kind: 'invalid', message: `알 수 없는 명령입니다: /${m[1]} — /help 로 목록을 볼 수 있습니다` };
  }
}
