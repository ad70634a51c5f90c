// EML: one RFC 5322 message per channel and day, as compliance archives
// (Global Relay, Smarsh) and mail readers take them. The body is a readable
// transcript (text/plain) with every event in order — messages, bot answers,
// each edit and delete naming its message, joins and leaves — and the same
// events as JSON Lines in an attachment for machines. Headers that carry
// Korean are RFC 2047 encoded words; bodies are base64, so no line is long
// and no body line can start with "From " (mbox stays unambiguous).
import crypto from 'node:crypto';
import { CHANNEL_RE } from '../../core/protocol.ts';
import type { ExportEvent } from './events.ts';
import { jsonlRecord, type ExportChunk } from './lines.ts';

const CRLF = '\r\n';
const DOMAIN = 'kchat.invalid';

/** `2024-08-27_general.eml`; a channel name that is not a plain name (it came from outside) is percent-encoded. */
export function emlFileName(channel: string, day: string): string {
  const safe = CHANNEL_RE.test(channel) && channel.length <= 80 ? channel : encodeURIComponent(channel).replace(/\./g, '%2E').slice(0, 120);
  return `${day}_${safe}.eml`;
}

/** RFC 2047 encoded words (UTF-8, base64), each at most 75 characters, never splitting a character. */
export function encodedWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !/=\?|[\\"]/.test(text)) return text;
  const words: string[] = [];
  let piece = '';
  for (const ch of text) {
    if (Buffer.byteLength(piece + ch) > 45) {
      words.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) words.push(piece);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(`${CRLF} `);
}

/** A mailbox for a person: their nick as display name; the user id, or a digest of it when it is not a plain atom. */
function mailbox(user: { id: string; nick: string }): string {
  const local = /^[A-Za-z0-9._-]{1,60}$/.test(user.id) && !/^\.|\.\.|\.$/.test(user.id) ? user.id : `id-${crypto.createHash('sha256').update(user.id).digest('hex').slice(0, 16)}`;
  return `${encodedWords(user.nick)} <${local}@users.${DOMAIN}>`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time from an ISO instant with offset (`2024-08-27T09:31:05.000+09:00` → `Tue, 27 Aug 2024 09:31:05 +0900`). */
export function mailDate(iso: string): string {
  const [y, mo, d] = iso.slice(0, 10).split('-').map(Number);
  const wd = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  return `${WEEKDAYS[wd]}, ${d} ${MONTHS[mo - 1]} ${y} ${iso.slice(11, 19)} ${iso.slice(23, 26)}${iso.slice(27, 29)}`;
}

const base64Lines = (text: string) => (Buffer.from(text).toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);

const KIND: Record<string, string> = { message: '메시지', bot: '봇', system: '시스템', join: '입장', leave: '퇴장', nick: '닉네임 변경', edit: '수정', delete: '삭제' };

/** One transcript line (continuation lines of a multi-line text are indented). */
export function transcriptLine(e: ExportEvent): string {
  const clock = e.time.slice(11, 19);
  const text = e.text.replace(/\r?\n/g, '\n           ');
  const ref = ` ‹${e.id}›`;
  const reply = e.reply_to ? ` (↳ ‹${e.reply_to}›에 답장)` : '';
  switch (e.type) {
    case 'message':
      return `[${clock}] ${e.user.nick}${reply}: ${text}${ref}`;
    case 'bot':
      return `[${clock}] ${e.user.nick} (봇)${reply}: ${text}${ref}`;
    case 'system':
      return `[${clock}] (시스템) ${text}${ref}`;
    case 'join':
      return `[${clock}] → ${e.user.nick} 님이 채널에 들어왔습니다 (join)${ref}`;
    case 'leave':
      return `[${clock}] ← ${e.user.nick} 님이 채널에서 나갔습니다 (leave)${ref}`;
    case 'nick':
      return `[${clock}] ✎ 닉네임 변경: ${e.user.nick} ${text}${ref}`;
    case 'edit':
      return `[${clock}] ${e.user.nick} 님이 ‹${e.target ?? '?'}›을(를) 수정: ${text}${ref}`;
    case 'delete':
      return `[${clock}] ${e.user.nick} 님이 ‹${e.target ?? '?'}›을(를) 삭제했습니다${ref}`;
    default:
      return `[${clock}] (${e.type}) ${e.user.nick}: ${text}${ref}`;
  }
}

/** The message for one channel's day. */
export function channelDayMessage(channel: string, day: string, events: readonly ExportEvent[], tz: string): { file: string; message: string } {
  const file = emlFileName(channel, day);
  const people = new Map<string, { id: string; nick: string }>();
  const kinds = new Map<string, number>();
  for (const e of events) {
    if (e.user.id !== 'system' && !people.has(e.user.id)) people.set(e.user.id, e.user);
    kinds.set(e.type, (kinds.get(e.type) ?? 0) + 1);
  }
  const counts = [...kinds].map(([k, n]) => `${KIND[k] ?? k} ${n}`).join(', ');
  const offset = events[0]?.time.slice(23) ?? '';
  const transcript = [
    `#${channel} — ${day} (${tz}, UTC${offset})`,
    `참여자: ${[...people.values()].map((p) => p.nick).join(', ') || '(없음)'}`,
    `이벤트 ${events.length}개: ${counts}`,
    '',
    ...events.map(transcriptLine),
    '',
  ].join('\n');
  const attachment = events.map(jsonlRecord).join('');
  const id = crypto.createHash('sha256').update(`${channel}\0${day}\0${tz}`).digest('hex').slice(0, 32);
  const boundary = `kchat-${id}`;
  const headers = [
    `From: kchat export <export@${DOMAIN}>`,
    `To: ${[...people.values()].map(mailbox).join(`,${CRLF} `) || `undisclosed-recipients:;`}`,
    `Subject: ${encodedWords(`#${channel} ${day} 대화 기록 (${counts})`)}`,
    `Date: ${mailDate(events[0]?.time ?? `${day}T00:00:00.000+00:00`)}`,
    `Message-ID: <export.${id}@${DOMAIN}>`,
    `X-Kchat-Channel: ${encodedWords(channel)}`,
    `X-Kchat-Day: ${day}`,
    `X-Kchat-Events: ${events.length}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ];
  const message = [
    ...headers,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(transcript),
    `--${boundary}`,
    'Content-Type: application/x-ndjson; charset=utf-8',
    `Content-Disposition: attachment; filename="${day}_events.jsonl"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(attachment),
    `--${boundary}--`,
    '',
  ].join(CRLF);
  return { file, message };
}

/** Events ordered by channel then time → one EML file per channel and local day. */
export async function* emlFiles(events: AsyncIterable<ExportEvent>, tz: string): AsyncGenerator<ExportChunk> {
  let group: ExportEvent[] = [];
  let key = '';
  const flush = function* () {
    if (!group.length) return;
    const { file, message } = channelDayMessage(group[0].channel, group[0].time.slice(0, 10), group, tz);
    const events = group.length;
    group = [];
    yield { file, data: message, events };
  };
  for await (const e of events) {
    const k = `${e.channel}\0${e.time.slice(0, 10)}`;
    if (k !== key) {
      yield* flush();
      key = k;
    }
    group.push(e);
  }
  yield* flush();
}

/** The separator line before each message of an mbox (one download holding every channel-day message), dated when exported. */
export function mboxSeparator(now = Date.now()): string {
  return `From export@${DOMAIN} ${new Date(now).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5 $4')}${CRLF}`;
}
