// The command registry: built-in bots and other rooms (audit's 검색/통계)
// register commands here; the dispatcher looks words up in it.
import { isSyllable } from '../../core/korean/hangul.ts';
import type { BotAnswerer, BotCommand } from './types.ts';

const fold = (s: string) => s.normalize('NFC').toLowerCase();

export class CommandRegistry {
  private readonly list: BotCommand[] = [];
  private readonly answerers: BotAnswerer[] = [];

  register(cmd: BotCommand): void {
    const words = this.words(cmd);
    for (const other of this.list) {
      const clash = this.words(other).find((w) => words.includes(w));
      if (clash && other.name !== cmd.name) throw new Error(`bot command word "${clash}" is used by both ${other.name} and ${cmd.name}`);
    }
    const i = this.list.findIndex((c) => c.name === cmd.name);
    if (i >= 0) this.list[i] = cmd; // re-registering replaces (hot reload, tests)
    else this.list.push(cmd);
  }

  registerAnswerer(a: BotAnswerer): void {
    const i = this.answerers.findIndex((x) => x.name === a.name);
    if (i >= 0) this.answerers[i] = a;
    else this.answerers.push(a);
  }

  commands(): readonly BotCommand[] {
    return this.list;
  }

  freeText(): readonly BotAnswerer[] {
    return this.answerers;
  }

  words(cmd: BotCommand): string[] {
    return [cmd.name, ...(cmd.aliases ?? [])].map(fold);
  }

  /**
   * The command a message starts with: an exact word ("일정 추가"), or a word
   * glued to its arguments ("일정추가 …" → "일정" + "추가 …").
   */
  match(text: string): { cmd: BotCommand; word: string; args: string } | null {
    const t = text.trim();
    const first = fold(t.split(/\s+/u)[0] ?? '');
    if (!first) return null;
    let glued: { cmd: BotCommand; word: string; args: string } | null = null;
    for (const cmd of this.list) {
      for (const w of this.words(cmd)) {
        if (first === w) return { cmd, word: w, args: t.slice(first.length).trim() };
        // Only Hangul words glue ("일정추가"); "helpme" is not "help".
        if (isSyllable(w.at(-1) ?? '') && first.startsWith(w) && [...w].length >= 2 && (!glued || w.length > glued.word.length)) {
          glued = { cmd, word: w, args: t.slice(w.length).trim() };
        }
      }
    }
    return glued;
  }
}
