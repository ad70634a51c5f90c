// When the notebook runs by itself and where the summary goes: a cron
// expression (in TZ_REPORTS, Seoul) with presets for the usual cases, and the
// channel. Saved with the notebook; the server checks both and says when it
// fires next.
import { formatFull } from '../../chat/format.ts';

const PRESETS: [string, string][] = [
  ['', '일정 없음'],
  ['0 9 * * *', '매일 09:00'],
  ['0 9 * * 1-5', '평일 09:00'],
  ['0 10 * * 1', '매주 월요일 10:00'],
  ['0 18 * * 5', '매주 금요일 18:00'],
  ['0 * * * *', '매시 정각'],
];

export function ScheduleEditor({
  schedule,
  channel,
  nextRun,
  onChange,
}: {
  schedule?: string;
  channel?: string;
  nextRun: { ts: number; time: string } | null;
  onChange: (schedule: string | undefined, channel: string | undefined) => void;
}) {
  const preset = PRESETS.some(([v]) => v === (schedule ?? '')) ? (schedule ?? '') : 'custom';
  const set = (s: string, c = channel) => onChange(s.trim() ? s.trim().replace(/\s+/g, ' ') : undefined, s.trim() ? (c ?? 'audit') : undefined);
  return (
    <details class="panel schedule-editor" open={Boolean(schedule)}>
      <summary>⏰ 일정 {schedule ? `— ${PRESETS.find(([v]) => v === schedule)?.[1] ?? schedule} → #${channel ?? 'audit'}` : '— 없음'}</summary>
      <div class="row">
        <label>
          <span>자주 쓰는 일정</span>
          <select name="schedule-preset" value={preset} onChange={(e) => set((e.target as HTMLSelectElement).value === 'custom' ? (schedule ?? '') : (e.target as HTMLSelectElement).value)}>
            {PRESETS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
            <option value="custom">직접 입력 (cron)</option>
          </select>
        </label>
        <label>
          <span>cron 식 (분 시 일 월 요일, 서울 시간)</span>
          <input name="schedule" value={schedule ?? ''} placeholder="0 9 * * *" onChange={(e) => set((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <span>결과를 올릴 채널</span>
          <input name="schedule-channel" value={channel ?? ''} placeholder="audit" disabled={!schedule} onChange={(e) => set(schedule ?? '', (e.target as HTMLInputElement).value.replace(/^#/, '').trim() || undefined)} />
        </label>
      </div>
      <p class="note">
        {schedule
          ? nextRun
            ? `다음 실행: ${formatFull(nextRun.ts)}`
            : '저장하면 다음 실행 시각을 알려 드립니다. 감사자만 있는 채널에만 올릴 수 있습니다.'
          : '일정을 정하면 노트북이 저절로 실행되고 요약이 채팅 채널에 올라갑니다.'}
      </p>
    </details>
  );
}
