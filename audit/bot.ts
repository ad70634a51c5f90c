// Chat commands for auditors: `@bot 검색 <query>` (top 5 hits) and
// `@bot 통계 [오늘|어제|이번주]` (top keywords). server/routes/audit.ts
// registers them with bots/index.ts registerCommand(); the runtime enforces
// `role`, and the handlers check it again. Every answer is ephemeral: audit
// results are for the auditor who asked, never for the members of the
// channel it was asked in (nor for member-facing search).
import { hasRole } from '../core/auth.ts';
import { isInputError } from '../core/errors.ts';
import { pickJosa } from '../core/korean/josa.ts';
import { addDays, localDate } from '../core/time.ts';
import type { BotCommand, CommandContext, CommandReply } from '../bots/index.ts';
import { runSearch, type SearchClient } from './search/index.ts';
import { period, topics } from './stats.ts';
import { recordAudit } from './trail.ts';

function when(ts: number, tz: string): string {
  return new Intl.DateTimeFormat('ko-KR', { timeZone: tz, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ts);
}

/** A one-line snippet around the first highlight. */
export function snippet(text: string, highlights: [number, number][], width = 40): string {
  const flat = text.replace(/\s+/g, ' ');
  if (flat.length <= width) return flat;
  const at = highlights[0]?.[0] ?? 0;
  const start = Math.max(0, Math.min(at - 10, flat.length - width));
  return (start > 0 ? '…' : '') + flat.slice(start, start + width) + (start + width < flat.length ? '…' : '');
}

/** An answer for the asking auditor's eyes only. */
function own(text: string, extra: Omit<CommandReply, 'text' | 'ephemeral'> = {}): CommandReply {
  return { text, ...extra, ephemeral: true };
}

function denied(ctx: CommandContext): string | null {
  return hasRole(ctx.caller.role, 'auditor') ? null : '이 명령은 감사 권한(auditor)이 있어야 쓸 수 있어요.';
}

/** The audit trail for a command asked in chat: written before it runs; the reply says so when it cannot be. */
async function audited(ctx: CommandContext, action: string): Promise<string | null> {
  try {
    const { id, nick, role } = ctx.caller;
    await recordAudit(ctx.db, { actor: { id, nick, role }, action, method: 'CHAT', path: `#${ctx.channel}`, detail: { command: ctx.word, args: ctx.args, question_id: ctx.question.id } });
    return null;
  } catch (err) {
    if (isInputError(err)) return err.message;
    throw err;
  }
}

export function auditBotCommands(search: SearchClient): BotCommand[] {
  const searchCommand: BotCommand = {
    name: 'audit.search',
    aliases: ['검색', 'search'],
    role: 'auditor',
    help: ['@bot 검색 <검색어> — 대화 기록 검색 (예: 검색 장애 in:#ops after:2024-08-26)'],
    async handle(ctx) {
      const no = denied(ctx);
      if (no) return own(no, { result: 'error' });
      if (!ctx.args) return own('검색어를 알려 주세요. 예: @bot 검색 장애 from:민수', { result: 'error' });
      const unrecorded = await audited(ctx, 'search');
      if (unrecorded) return own(unrecorded, { result: 'error' });
      try {
        const r = await runSearch(search, { q: ctx.args, limit: 5 }, { tz: ctx.config.tzReports });
        if (r.total === 0) return own(`"${ctx.args}" 검색 결과가 없어요.`);
        const lines = r.hits.map((h) => `• ${h.nick} (#${h.channel}, ${when(h.ts, ctx.config.tzReports)}) ${snippet(h.text, h.highlights)}`);
        return own([`"${ctx.args}" 검색 결과 ${r.total}건${r.total > 5 ? ' 중 최근 5건' : ''}:`, ...lines].join('\n'), { meta: { total: r.total } });
      } catch (err) {
        if (isInputError(err) && err.code === 'bad_query') return own(`검색어를 이해하지 못했어요: ${err.message}`, { result: 'error' });
        // the search service down (503): its message says so
        if (isInputError(err)) return own(err.message, { result: 'error' });
        throw err;
      }
    },
  };
  const stats: BotCommand = {
    name: 'audit.stats',
    aliases: ['통계', 'stats'],
    role: 'auditor',
    subcommands: ['오늘', '어제', '이번주', 'today', 'yesterday', 'week'],
    help: ['@bot 통계 [오늘|어제|이번주] — 많이 나온 주제어와 떠오르는 주제'],
    async handle(ctx) {
      const no = denied(ctx);
      if (no) return own(no, { result: 'error' });
      const tz = ctx.config.tzReports;
      const today = localDate(ctx.now(), tz);
      const arg = ctx.args.replace(/\s+/g, '').toLowerCase();
      let from = today;
      let to = today;
      let label = '오늘';
      if (arg === '어제' || arg === 'yesterday') {
        from = to = addDays(today, -1);
        label = '어제';
      } else if (arg === '이번주' || arg === 'week' || arg === 'thisweek') {
        const dow = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
        from = addDays(today, -dow);
        label = '이번 주';
      } else if (arg !== '' && arg !== '오늘' && arg !== 'today') {
        return own('통계 기간은 오늘, 어제, 이번주 중 하나예요.', { result: 'error' });
      }
      const unrecorded = await audited(ctx, 'stats.topics');
      if (unrecorded) return own(unrecorded, { result: 'error' });
      try {
        const r = await topics(ctx.db, period(from, to, tz, ctx.now()), { limit: 5 });
        if (r.keywords.length === 0) return own(`${label}${pickJosa(label, '은/는')} 아직 집계할 대화가 없어요.`);
        const top = r.keywords.map((k, i) => `${i + 1}. ${k.term} (${k.count})`).join('  ');
        const rising = r.rising.slice(0, 3).map((k) => k.term).join(', ');
        return own(`${label} 주제어 (메시지 ${r.period.messages}건): ${top}${rising ? `\n떠오르는 주제: ${rising}` : ''}`);
      } catch (err) {
        if (isInputError(err)) return own(err.message, { result: 'error' });
        throw err;
      }
    },
  };
  return [searchCommand, stats];
}
