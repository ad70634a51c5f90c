// The notebooks folder: one `<name>.md` file per notebook. Names are what
// URLs and run directories use, so they are restricted to letters, digits,
// `_` and `-` (Korean letters included).
import fs from 'node:fs';
import path from 'node:path';
import { parseNotebook, serialiseNotebook, type Notebook } from './format.ts';

export const NOTEBOOK_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,79}$/u;

export class NotebookStore {
  constructor(readonly dir: string) {}

  file(name: string): string {
    if (!NOTEBOOK_NAME.test(name)) throw new Error(`"${name}" is not a notebook name (letters, digits, _ and -)`);
    return path.join(this.dir, `${name}.md`);
  }

  list(): { name: string; title: string; schedule?: string; channel?: string; error?: string }[] {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir).filter((f) => f.endsWith('.md') && NOTEBOOK_NAME.test(f.slice(0, -3)));
    } catch {
      return [];
    }
    return files.sort().map((f) => {
      const name = f.slice(0, -3);
      try {
        const nb = parseNotebook(fs.readFileSync(path.join(this.dir, f), 'utf8'));
        return { name, title: nb.meta.title || name, ...(nb.meta.schedule ? { schedule: nb.meta.schedule } : {}), ...(nb.meta.channel ? { channel: nb.meta.channel } : {}) };
      } catch (err) {
        return { name, title: name, error: (err as Error).message };
      }
    });
  }

  exists(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  read(name: string): { text: string; notebook: Notebook } {
    const text = fs.readFileSync(this.file(name), 'utf8');
    return { text, notebook: parseNotebook(text) };
  }

  /** Write atomically (temp file + rename) so a failed save never leaves half a notebook. */
  write(name: string, nb: Notebook): string {
    const text = serialiseNotebook(nb);
    parseNotebook(text); // never write what we could not read back
    const file = this.file(name);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(file + '.tmp', text);
    fs.renameSync(file + '.tmp', file);
    return text;
  }
}
