// Generated benchmark data (bench/.data): written once, whole or not at all —
// a run stopped midway leaves a `.partial` file, never a short history that a
// later run would take for the real one.
import fs from 'node:fs';
import path from 'node:path';

/** Write `lines` (each without its newline) to `file` through `file.partial`, in 1 MiB writes; nothing if `file` exists. */
export function writeLinesOnce(file: string, lines: Iterable<string>): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file + '.partial', 'w');
  let buf = '';
  for (const line of lines) {
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  fs.renameSync(file + '.partial', file);
}
