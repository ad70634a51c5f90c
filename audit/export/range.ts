// What an export covers: days (in TZ_REPORTS) from–to inclusive, maybe one
// channel, one format. Checked once here for the CLI and the HTTP route, with
// errors that say what was wrong.
import { InputError } from '../../core/errors.ts';
import { CHANNEL_RE, MAX_CHANNEL } from '../../core/protocol.ts';
import { dayRange, isDate } from '../../core/time.ts';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'eml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The widest range one export may cover (a year and a day); split longer ones. */
export const MAX_EXPORT_DAYS = 366;

export interface ExportRange {
  from: string;
  to: string;
  channel?: string;
  format: ExportFormat;
  /** the range as instants: [start, end) in epoch ms */
  start: number;
  end: number;
  days: number;
  tz: string;
}

export interface ExportRequest {
  from?: string;
  to?: string;
  channel?: string;
  format?: string;
}

const bad = (code: string, message: string) => new InputError(code, message, { status: 400 });

export function exportRange(req: ExportRequest, tz: string): ExportRange {
  const { from, to } = req;
  if (!from || !to) throw bad('missing_range', '내보낼 기간이 필요합니다: from과 to를 YYYY-MM-DD로 주세요 (예: --from 2024-08-27 --to 2024-08-30)');
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (!isDate(v)) throw bad('bad_date', `${name} 날짜 "${v.slice(0, 40)}"를 읽을 수 없습니다: YYYY-MM-DD 형식의 실제 날짜여야 합니다`);
  }
  if (from > to) throw bad('reversed_range', `기간이 거꾸로입니다: from ${from}이(가) to ${to}보다 늦습니다`);
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  if (days > MAX_EXPORT_DAYS) throw bad('range_too_wide', `기간이 너무 넓습니다: ${from}–${to}는 ${days}일로, 한 번에 ${MAX_EXPORT_DAYS}일까지 내보낼 수 있습니다. 나누어 내보내세요`);
  const format = (req.format ?? 'jsonl') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw bad('bad_format', `형식 "${String(req.format).slice(0, 20)}"은(는) 없습니다: ${EXPORT_FORMATS.join(', ')} 중 하나를 고르세요`);
  const channel = req.channel || undefined;
  if (channel !== undefined && (channel.length > MAX_CHANNEL || !CHANNEL_RE.test(channel))) {
    throw bad('bad_channel', `채널 이름 "${channel.slice(0, 40)}"이(가) 올바르지 않습니다`);
  }
  return { from, to, channel, format, start: dayRange(from, tz).start, end: dayRange(to, tz).end, days, tz };
}
