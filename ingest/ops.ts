// Pipeline results go to channel `ops` as the system user, through Kafka like
// every other event (the system bot formats and echoes them).
import { createEnvelope } from '../core/envelope.ts';
import type { Publish } from '../core/kafka.ts';
import type { PipelineResult } from './pipeline.ts';

export const OPS_CHANNEL = 'ops';
export const SYSTEM_USER = { id: 'system', nick: 'system' } as const;

/** Korean-first one-liner for people reading #ops without the bot's formatting. */
export function pipelineText(r: PipelineResult): string {
  if (r.status === 'success') return `일일 파이프라인 ${r.date}: 성공 — ${r.rows.toLocaleString('en-US')}건, 채널 ${r.channels}개 (${r.duration_ms} ms)`;
  if (r.status === 'skipped') return `일일 파이프라인 ${r.date}: 건너뜀 — ${r.reason ?? '그날 이벤트 없음'}`;
  return `일일 파이프라인 ${r.date}: 실패 — ${r.reason ?? '알 수 없는 오류'}`;
}

export function pipelineEnvelope(r: PipelineResult) {
  return createEnvelope({
    type: 'system',
    channel: OPS_CHANNEL,
    user: { ...SYSTEM_USER },
    text: pipelineText(r),
    meta: {
      kind: 'pipeline',
      date: r.date,
      status: r.status,
      rows: r.rows,
      channels: r.channels,
      duration_ms: r.duration_ms,
      run_id: r.run_id,
      ...(r.reason ? { reason: r.reason } : {}),
    },
  });
}

/** A notify function for runPipeline that publishes the result to the events topic. */
export function opsNotifier(publish: Publish): (r: PipelineResult) => Promise<void> {
  return (r) => publish(pipelineEnvelope(r));
}
