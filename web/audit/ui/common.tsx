// Small pieces the views share: a time shown in Seoul with its date (the
// machine-readable instant with its offset beside it), highlighted text.
import type { ComponentChild } from 'preact';
import { isoInstant } from '../../../core/time.ts';
import { formatFull, ZONE } from '../../chat/format.ts';

/** "2024년 8월 27일 화요일 오후 2시 3분 4초" in Seoul; datetime = the instant with +09:00. */
export function When({ ts }: { ts: number }) {
  return <time dateTime={isoInstant(ts, ZONE)}>{formatFull(ts)}</time>;
}

/** Text with [start, end) ranges in <mark>: text nodes only, nothing becomes HTML. */
export function Highlighted({ text, ranges }: { text: string; ranges: readonly (readonly [number, number])[] }) {
  const parts: ComponentChild[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at || end <= start) continue;
    parts.push(text.slice(at, start), <mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/** Fetch a URL with the token and save the answer as a file (an <a href> cannot send Authorization). */
export async function download(url: string, token: string, fallbackName: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `HTTP ${res.status}`);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName);
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
