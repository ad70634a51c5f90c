// GET /api/admin/export?from=&to=&channel=&format=jsonl|csv|eml (admin):
// the compliance export as one streamed download — JSON Lines, CSV (UTF-8
// with BOM) or, for EML, an mbox holding one RFC 5322 message per channel and
// day. Recorded in audit_log before it runs (requireAdmin). `kchat export`
// beside a running server asks for JSON Lines here (`order=channel` for EML)
// and writes the files itself (cli/commands/export.ts).
import type { Config } from '../../core/config.ts';
import type { Auth } from '../../core/auth.ts';
import type { Database } from '../../core/db.ts';
import { InputError } from '../../core/errors.ts';
import { exportChunks, exportRange, exportSource, mboxSeparator, newSummary, requireAdmin, type AuditEnv } from '../../audit/index.ts';
import { logger } from '../../core/log.ts';
import { router } from '../http.ts';

const log = logger('server.export');

const TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8', eml: 'application/mbox' } as const;

export function exportRoutes(deps: { config: Config; db: Database; auth: Auth }) {
  const app = router<AuditEnv>();
  app.get('/api/admin/export', requireAdmin(deps.auth, deps.db), async (c) => {
    const q = (name: string) => c.req.query(name);
    const range = exportRange({ from: q('from'), to: q('to'), channel: q('channel'), format: q('format') }, deps.config.tzReports);
    const order = q('order');
    if (order !== undefined && order !== 'channel' && order !== 'time') throw new InputError('bad_order', `order는 channel 또는 time이어야 합니다 ("${order.slice(0, 20)}")`);
    // `order` only matters for JSON Lines (kchat export reads by channel to write EML files itself)
    const source = await exportSource(deps.db, range, range.format === 'jsonl' && order ? order : undefined);
    const chunks = exportChunks(source, range, newSummary(range));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) return controller.close();
          controller.enqueue(encoder.encode(range.format === 'eml' ? mboxSeparator() + next.value.data + '\r\n' : next.value.data));
        } catch (err) {
          // the status is sent already: cut the download short (the CLI checks the count it got against X-Kchat-Export-Events)
          log.error({ err }, 'export failed while streaming');
          controller.error(err);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const name = range.format === 'eml' ? `kchat-export_${range.from}_${range.to}.mbox` : `kchat-export_${range.from}_${range.to}.${range.format}`;
    return new Response(body, {
      headers: {
        'content-type': TYPES[range.format],
        'content-disposition': `attachment; filename="${name}"`,
        'x-kchat-export-events': String(source.total),
      },
    });
  });
  return app;
}
