// CSV as Excel and compliance tools read it: RFC 4180 quoting, CRLF line
// ends, a UTF-8 byte-order mark first (without it Excel shows Korean as
// mojibake). Pure and browser-safe: the server's downloads, `kchat export`
// and the audit page write CSV with these.

/** Written once at the start of a CSV file. */
export const CSV_BOM = '\uFEFF';

/**
 * One field. A string that starts like a formula (`=`, `+`, `-`, `@`, a tab
 * or CR) gets a leading `'`, so a spreadsheet shows it instead of running it
 * (OWASP "CSV injection"); numbers stay numbers. Objects are written as JSON.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated. */
export function csvLine(fields: readonly unknown[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}
