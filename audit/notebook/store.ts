// The notebooks folder: one `<name>.md` file per notebook. Names are what
// URLs and run directories use, so they are restricted to letters, digits,
// `_` and `-` (Korean letters included).
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../core/errors.ts';
import { parseNotebook, serialiseNotebook, type Notebook } from './format.ts';

export const NOTEBOOK_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,79}$/u;

/** `name` when it is a notebook name, else an InputError (400) that says the rule. Names come from URLs: this is what keeps them out of other folders. */
export function checkNotebookName(name: unknown): string {
  if (typeof name === 'string' && NOTEBOOK_NAME.test(name)) return name;
  const shown = typeof name === 'string' ? `"${name.slice(0, 100)}"` : String(typeof name);
  throw new InputError('bad_notebook_name', `노트북 이름 ${shown}은(는) 쓸 수 없습니다: 글자·숫자·_·- 로 1–80자, 글자나 숫자로 시작 (예: 일일-리포트)`);
}

export class NotebookStore {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, `${checkNotebookName(name)}.md`);
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
