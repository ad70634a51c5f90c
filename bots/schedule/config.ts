// Schedules from files: the shipped defaults (bots/schedule/defaults.json)
// merged by id with the operator's file ($DATA_DIR/schedules.json or
// KCHAT_SCHEDULES_FILE). The default kanban reminder stays off until the
// operator's file says {"id":"kanban","enabled":true}.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { channelName } from '../../core/envelope.ts';
import { parseWhen } from './when.ts';

const entrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/i, 'id: letters, digits, - and _ (max 40)'),
  when: z.string().min(1).optional(),
  cron: z.string().min(1).optional(),
  channel: z.string().optional(),
  text: z.string().min(1).max(1000).optional(),
  enabled: z.boolean().optional(),
  tz: z.string().optional(),
});
const fileSchema = z.union([z.array(entrySchema), z.object({ schedules: z.array(entrySchema) })]);

export interface ConfigSchedule {
  id: string;
  cron: string;
  channel: string;
  text: string;
  enabled: boolean;
  tz: string | null;
}

export const DEFAULTS_FILE = fileURLToPath(new URL('./defaults.json', import.meta.url));

function readEntries(file: string): z.infer<typeof entrySchema>[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${file}: field '${i.path.join('.')}': ${i.message}`);
  }
  return Array.isArray(r.data) ? r.data : r.data.schedules;
}

/** Merged schedules and the problems found (a bad entry is skipped, named, and the rest still load). */
export function loadConfigSchedules(userFile: string | null): { schedules: ConfigSchedule[]; problems: string[] } {
  const problems: string[] = [];
  const merged = new Map<string, z.infer<typeof entrySchema>>();
  for (const file of [DEFAULTS_FILE, userFile]) {
    if (!file || !fs.existsSync(file)) continue;
    try {
      for (const e of readEntries(file)) merged.set(e.id, { ...(merged.get(e.id) ?? {}), ...e });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const schedules: ConfigSchedule[] = [];
  for (const e of merged.values()) {
    const channel = channelName(e.channel ?? '');
    if (!channel) {
      problems.push(`schedule ${e.id}: channel '${e.channel ?? ''}' is not a valid channel name`);
      continue;
    }
    if (!e.text) {
      problems.push(`schedule ${e.id}: text is missing`);
      continue;
    }
    let cron = e.cron;
    if (!cron && e.when) {
      const w = parseWhen(`${e.when} ${e.text}`);
      if (!w.ok) {
        problems.push(`schedule ${e.id}: when '${e.when}': ${w.error}`);
        continue;
      }
      cron = w.cron;
    }
    if (!cron) {
      problems.push(`schedule ${e.id}: needs "when" (e.g. "평일 09:30") or "cron"`);
      continue;
    }
    const w = parseWhen(`"${cron}" ${e.text}`);
    if (!w.ok) {
      problems.push(`schedule ${e.id}: cron '${cron}': ${w.error}`);
      continue;
    }
    schedules.push({ id: e.id, cron: w.cron, channel, text: e.text, enabled: e.enabled ?? true, tz: e.tz ?? null });
  }
  return { schedules, problems };
}
