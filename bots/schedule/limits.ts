// Who may make which reminder. A reminder is posted by the bot, so a member's
// reminder must not become a way to flood a channel or to post phishing links
// under the bot's name:
// - a member may own KCHAT_SCHEDULES_PER_USER (5) reminders, an auditor or
//   admin KCHAT_SCHEDULES_PER_AUDITOR (50);
// - a channel holds KCHAT_SCHEDULES_PER_CHANNEL (20) members' reminders;
// - a member's reminder fires at most every KCHAT_SCHEDULE_MIN_INTERVAL_MINUTES
//   (30); nobody's more often than once a minute;
// - a reminder made in chat says who made it ("민수님이 등록한 알림: …"), so
//   its words and links read as that person's, not the bot's.
// Counts follow the user id and, until accounts are stable, the nickname too:
// logging in again under the same nick gives no new allowance.
import { hasRole, type Role } from '../../core/auth.ts';
import { parseCron, shortestIntervalMs } from '../../core/cron.ts';
import { durationText } from '../runtime/ratelimit.ts';
import type { Caller } from '../runtime/types.ts';

export interface ScheduleLimits {
  perUser: number;
  perChannel: number;
  memberMinIntervalMs: number;
  privilegedPerUser: number;
}

/** Whoever made it, a reminder never fires more often than this. */
export const FLOOR_INTERVAL_MS = 60_000;

/** What the limits need to know about a stored schedule. */
export interface Owned {
  channel: string;
  cron: string;
  source: 'chat' | 'config';
  created_by: string | null;
  created_nick: string | null;
  created_role: string | null;
}

const foldNick = (nick: string) => nick.normalize('NFKC').toLowerCase();

/** Made by this caller: the same user id, or (until accounts are stable) the same nickname. */
export function ownedBy(s: Owned, caller: Pick<Caller, 'id' | 'nick'>): boolean {
  return s.source === 'chat' && (s.created_by === caller.id || (s.created_nick !== null && foldNick(s.created_nick) === foldNick(caller.nick)));
}

const privileged = (role: string | null): boolean => role === 'auditor' || role === 'admin';

export function minIntervalFor(role: Role, limits: ScheduleLimits): number {
  return hasRole(role, 'auditor') ? FLOOR_INTERVAL_MS : Math.max(FLOOR_INTERVAL_MS, limits.memberMinIntervalMs);
}

/** Why `caller` may not add a reminder `cron` in `channel` now (Korean, names the limit), or null. */
export function refusal(caller: Caller, cron: string, channel: string, active: readonly Owned[], limits: ScheduleLimits): string | null {
  const gap = shortestIntervalMs(parseCron(cron));
  const min = minIntervalFor(caller.role, limits);
  if (gap !== null && gap < min) {
    const who = hasRole(caller.role, 'auditor') ? '알림은' : '멤버가 만드는 알림은';
    return `${who} ${durationText(min)}에 한 번보다 자주 울릴 수 없어요 (이 일정은 ${durationText(gap)}마다 울려요).`;
  }
  const isPrivileged = hasRole(caller.role, 'auditor');
  const cap = isPrivileged ? limits.privilegedPerUser : limits.perUser;
  const mine = active.filter((s) => ownedBy(s, caller)).length;
  if (mine >= cap) return `${caller.nick}님이 만든 일정이 이미 ${mine}개예요 (한 사람당 ${cap}개까지). \`@bot 일정 목록\`에서 안 쓰는 일정을 지운 뒤 다시 추가해 주세요.`;
  if (!isPrivileged) {
    const here = active.filter((s) => s.source === 'chat' && s.channel === channel && !privileged(s.created_role)).length;
    if (here >= limits.perChannel) return `#${channel}에는 멤버가 만든 일정이 이미 ${here}개 있어요 (채널당 ${limits.perChannel}개까지).`;
  }
  return null;
}

/**
 * May a stored reminder fire? Reminders made in chat by members before these
 * limits existed (or synced from an older process) are held to them too.
 */
export function mayFire(s: Owned, limits: ScheduleLimits): boolean {
  if (s.source === 'config') return true;
  const gap = shortestIntervalMs(parseCron(s.cron));
  const min = privileged(s.created_role) ? FLOOR_INTERVAL_MS : Math.max(FLOOR_INTERVAL_MS, limits.memberMinIntervalMs);
  return gap === null || gap >= min;
}

/** "민수님이 등록한 알림" for a reminder made in chat; null for the operator's file. */
export function attribution(s: Owned): string | null {
  return s.source === 'chat' ? `${s.created_nick ?? '누군가'}님이 등록한 알림` : null;
}
