// Topic terms of a chat message: the nouns it is about (회의록, 마이그레이션,
// 컨슈머, 서버 — never 죽었어요 or 봤는데요), English words, and — for views
// that ask for them — verb and adjective lemmas (죽다, 늦어지다, 보다).
//
// Two analysers give them, each named so counts record which one made them:
// - `kiwi-<version>` (KiwiTerms): Kiwi's morphological analysis. Each
//   space-separated word is analysed alone and cached (chat repeats its
//   words, so the model runs on a small share of them); a word that Kiwi
//   reads alone as one noun ending like a particle (노션에, 지라가 — unknown
//   loanwords) is analysed again inside its message, where the context splits
//   it (노션/NNG 에/JKB). Results depend only on the message text.
// - `rule` (ruleTerms): the rule tokenizer (core/korean/tokenize.ts), used
//   until the model is loaded, or when it cannot be (no model, KCHAT_KIWI=off).
// English words go the same way in both: lower case, stopwords out, Porter stem.
import type { Config } from '../config.ts';
import { KiwiAnalyzer, KiwiUnavailableError, type Morphology, type Morphs, type TextMorphs } from './kiwi/analyzer.ts';
import { modelDir } from './kiwi/model.ts';
import { joinSyllable, splitSyllable } from './hangul.ts';
import { stripParticle } from './particles.ts';
import { ENGLISH_STOPWORDS, KOREAN_STOPWORDS, MENTION_RE, stemEnglish, tokenize, URL_RE } from './tokenize.ts';
import { atOnce, inTurns, Turns } from '../turns.ts';
import { logger } from '../log.ts';
import { TermsThread } from './terms-thread-host.ts';

export { KiwiUnavailableError };
const log = logger('korean.terms');

export type TermKind = 'noun' | 'verb';

export interface TopicTerm {
  /** what is counted: a noun, a lemma (죽다) or an English stem */
  term: string;
  kind: TermKind;
  /** an English word (its spellings are kept for display) */
  latin: boolean;
  /** the form as written (English spelling, lower-cased by the counter) */
  surface: string;
}

export interface TermAnalyzer {
  /** recorded beside the counts it made (`rule`, `kiwi-0.23.0`) */
  readonly name: string;
  /** `signal`: the caller stops waiting (a count that yields); the analysis may then reject */
  terms(texts: readonly string[], signal?: AbortSignal): Promise<TopicTerm[][]>;
}

/** Light verbs and copulas: in every sentence, never a topic. */
export const VERB_STOPWORDS = new Set(['하다', '되다', '있다', '없다', '같다', '이다', '아니다', '않다', '싶다', '주다']);

/** The rule tokenizer's terms (nouns and English; it has no verb lemmas). */
export function ruleTermsOf(text: string): TopicTerm[] {
  return tokenize(text, { minHangul: 2 }).map((t) => ({ term: t.term, kind: 'noun', latin: t.kind === 'latin', surface: t.surface }));
}

export const ruleTerms: TermAnalyzer = {
  name: 'rule',
  terms: async (texts) => texts.map(ruleTermsOf),
};

const HANGUL_SYLLABLE = /[가-힣]/;
const hangulCount = (s: string) => {
  let n = 0;
  for (const ch of s) if (ch >= '가' && ch <= '힣') n++;
  return n;
};
// Full-width ASCII → ASCII (NFKC would also turn compatibility jamo such as ㅋ into conjoining jamo, which Kiwi reads worse).
const FULL_WIDTH = /[\uFF01-\uFF5E]/g;
const EDGE_PUNCT = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** A message as Kiwi sees it: NFC, no links or @mentions, words separated by one space. */
export function prepareText(text: string): string[] {
  const s = text
    .normalize('NFC')
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(URL_RE, ' ')
    .replace(MENTION_RE, '$1 ');
  return s
    .split(/\s+/u)
    .map(unglueLaugh)
    .filter((w) => w !== '');
}

const TRAILING_JAMO = /(?<=[가-힣])[\u3131-\u318E]+$/u;
/** Sentence-final syllables a ㅋ gets typed onto (했어욬, 그렇닼, 좋죸). */
const LAUGH_BASES = new Set(['요', '다', '여', '죠', '네', '지', '까', '야', '자', '고', '데', '게', '니', '나', '라', '도', '용', '당']);

/**
 * A laugh or sob typed onto a word (했어욬ㅋ, 끝났어요ㅠㅠ) is not part of it:
 * trailing jamo go, and a ㅋ that slid into the last syllable's final
 * consonant (욬 = 요 + ㅋ) is taken back out. Kiwi would read such a word
 * as one unknown noun.
 */
function unglueLaugh(word: string): string {
  const w = word.replace(TRAILING_JAMO, '');
  const last = w.length > 1 ? splitSyllable(w.slice(-1)) : null;
  if (last?.final !== 'ㅋ') return w;
  const base = joinSyllable(last.initial, last.medial);
  return base && LAUGH_BASES.has(base) ? w.slice(0, -1) + base : w; // 부엌, 새벽녘 keep their ㅋ
}

/**
 * One-syllable nouns that are grammar when glued to a noun (배포때, 장애건,
 * 회의전): dropped, never joined into a compound.
 */
const BOUND_SYLLABLES = new Set(['때', '중', '쪽', '전', '후', '간', '내', '외', '상', '용', '별', '당', '분', '건', '번', '개', '시', '일', '월', '년', '초', '말', '쯤', '뿐', '측', '들', '씩', '만', '것', '거', '수', '등']);

/**
 * A word's noun morphemes → the nouns counted. Kiwi sometimes cuts a loanword
 * it does not know into a one-syllable noun and another (핫픽스 → 핫 + 픽스,
 * 롤백 → 롤 + 백): a one-syllable piece glued to a neighbouring noun in the
 * same written word is part of that noun, so it is joined (to the next piece,
 * or the previous one at the end); other one-syllable nouns are dropped.
 * Pieces of two syllables or more stay separate nouns (서버장애 → 서버, 장애).
 */
function nounRun(run: string[]): string[] {
  const out: string[] = [];
  let prefix = '';
  for (let i = 0; i < run.length; i++) {
    const form = run[i];
    const single = hangulCount(form) < 2;
    if (single && (BOUND_SYLLABLES.has(form) || run.length === 1)) {
      prefix = '';
      continue;
    }
    if (single && i + 1 < run.length && !(hangulCount(run[i + 1]) < 2 && BOUND_SYLLABLES.has(run[i + 1]))) {
      prefix += form;
      continue;
    }
    if (single && out.length && !prefix) {
      out[out.length - 1] += form;
      continue;
    }
    out.push(prefix + form);
    prefix = '';
  }
  return out.filter((n) => hangulCount(n) >= 2 && !KOREAN_STOPWORDS.has(n));
}

/** Kiwi's kept morphemes of one word → terms. */
export function morphTerms(morphs: Morphs): TopicTerm[] {
  const out: TopicTerm[] = [];
  let run: string[] = [];
  const endRun = () => {
    for (const noun of nounRun(run)) out.push({ term: noun, kind: 'noun', latin: false, surface: noun });
    run = [];
  };
  for (let i = 0; i + 1 < morphs.length; i += 2) {
    const form = morphs[i].normalize('NFC');
    const tag = morphs[i + 1];
    if (tag === 'NNG' || tag === 'NNP') {
      // one-syllable nouns (중, 때, 거) are mostly grammar in chat; the rule tokenizer drops them too
      run.push(form);
      continue;
    }
    endRun();
    if (tag === 'SL') {
      const lower = form.toLowerCase();
      if (lower.length < 2 || ENGLISH_STOPWORDS.has(lower)) continue;
      out.push({ term: stemEnglish(lower), kind: 'noun', latin: true, surface: form });
    } else if (tag.startsWith('VV') || tag.startsWith('VA')) {
      const lemma = form + '다';
      if (VERB_STOPWORDS.has(lemma)) continue;
      out.push({ term: lemma, kind: 'verb', latin: false, surface: lemma });
    }
  }
  endRun();
  return out;
}

/**
 * Should this word be read in its message? True when Kiwi, seeing it alone,
 * made the whole word one noun that ends like a particle (노션에, 지라가):
 * typical of words it does not know, which context splits correctly.
 */
export function needsContext(core: string, morphs: Morphs): boolean {
  if (morphs.length !== 2 || (morphs[1] !== 'NNG' && morphs[1] !== 'NNP')) return false;
  return morphs[0] === core && stripParticle(core) !== core;
}

interface Entry {
  terms: TopicTerm[];
  context: boolean;
}

/** A map that forgets its older half when full (cheap LRU-ish). */
class WordCache {
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
  constructor(private readonly capacity: number) {}
  get(k: string): Entry | undefined {
    const y = this.young.get(k);
    if (y) return y;
    const o = this.old.get(k);
    if (o) this.set(k, o);
    return o;
  }
  set(k: string, v: Entry): void {
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(k, v);
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
}

/**
 * A batch in progress: the words of each text, the cache's entry of every
 * word it has (taken when planned: the cache may forget them while the batch
 * waits for Kiwi or for its turn), and the words Kiwi must still read.
 */
interface Plan {
  words: string[][];
  cores: string[][];
  entries: Map<string, Entry>;
  missing: string[];
}

/** Texts per step of a batch's work between two looks at the event loop (inTurns). */
const STEP_TEXTS = 32;
/** A batch this big (a count of stored messages, not a chat tick) goes to the terms thread when there is one. */
export const THREAD_MIN_TEXTS = 256;

export class KiwiTerms<K extends Morphology = KiwiAnalyzer> implements TermAnalyzer {
  readonly name: string;
  private cache: WordCache;

  /**
   * `thread`: where big batches are composed (the process's KiwiTerms: a thread at the analysis's low
   * priority, core/korean/terms-thread.ts); small ones, and every batch without it, on the caller's thread.
   */
  constructor(
    readonly kiwi: K,
    cacheWords = 200_000,
    readonly thread: TermsThread | null = null,
  ) {
    this.name = kiwi.name;
    this.cache = new WordCache(cacheWords);
  }

  cacheSize(): number {
    return this.cache.size;
  }

  /**
   * The batch's own work (preparing texts, composing terms: ~0.1 ms a message) runs on the terms thread
   * for a big batch, otherwise on the caller's thread — the server's event loop —, in turns (core/turns.ts).
   */
  async terms(texts: readonly string[], signal?: AbortSignal): Promise<TopicTerm[][]> {
    if (this.thread && texts.length >= THREAD_MIN_TEXTS) {
      try {
        return await this.thread.terms(texts, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        if ((err as { kiwiUnavailable?: boolean }).kiwiUnavailable) throw new KiwiUnavailableError(this.kiwi.failureReason());
        // the thread could not start or stopped: this batch is composed here, the next one tries the thread again
        log.warn({ err: (err as Error).message }, 'the topic terms thread failed; this batch is composed on the main thread');
      }
    }
    return this.termsHere(texts, signal);
  }

  private async termsHere(texts: readonly string[], signal?: AbortSignal): Promise<TopicTerm[][]> {
    const turns = new Turns();
    const plan = emptyPlan();
    await inTurns(this.planSteps(texts, plan), turns);
    if (plan.missing.length) {
      const res = await this.kiwi.analyze(plan.missing, false, signal);
      if (!res) throw new KiwiUnavailableError(this.kiwi.failureReason());
      this.learn(plan, res);
    }
    const ctx = this.contextTexts(plan);
    let ctxRes: (TextMorphs | null)[] = [];
    if (ctx.length) {
      const res = await this.kiwi.analyze(ctx.map((i) => plan.words[i].join(' ')), true, signal);
      if (!res) throw new KiwiUnavailableError(this.kiwi.failureReason());
      ctxRes = res;
    }
    const out: TopicTerm[][] = [];
    await inTurns(this.composeSteps(plan, ctx, ctxRes, out), turns);
    return out;
  }

  /** Same terms, blocking (DuckDB scalar functions); null when the worker is not loaded. */
  termsSync(texts: readonly string[]): TopicTerm[][] | null {
    const kiwi: Morphology & Partial<Pick<KiwiAnalyzer, 'analyzeSync'>> = this.kiwi;
    if (!kiwi.analyzeSync) return null;
    const plan = emptyPlan();
    atOnce(this.planSteps(texts, plan));
    if (plan.missing.length) {
      const res = kiwi.analyzeSync(plan.missing, false) as (Morphs | null)[] | null;
      if (!res) return null;
      this.learn(plan, res);
    }
    const ctx = this.contextTexts(plan);
    let ctxRes: (TextMorphs | null)[] = [];
    if (ctx.length) {
      const res = kiwi.analyzeSync(ctx.map((i) => plan.words[i].join(' ')), true) as (TextMorphs | null)[] | null;
      if (!res) return null;
      ctxRes = res;
    }
    const out: TopicTerm[][] = [];
    atOnce(this.composeSteps(plan, ctx, ctxRes, out));
    return out;
  }

  private *planSteps(texts: readonly string[], plan: Plan): Generator<void> {
    const missing = new Set<string>();
    for (let t = 0; t < texts.length; t++) {
      const ws = prepareText(texts[t] ?? '');
      const cs = ws.map((w) => w.replace(EDGE_PUNCT, ''));
      for (const c of cs) {
        if (c === '' || plan.entries.has(c) || missing.has(c)) continue;
        let e = this.cache.get(c);
        // a word without Hangul (English, numbers, codes) is the rule tokenizer's; its terms are cached too
        if (!e && !HANGUL_SYLLABLE.test(c)) this.cache.set(c, (e = { terms: ruleTermsOf(c), context: false }));
        if (e) plan.entries.set(c, e);
        else missing.add(c);
      }
      plan.words.push(ws);
      plan.cores.push(cs);
      if (t % STEP_TEXTS === STEP_TEXTS - 1) yield;
    }
    plan.missing = [...missing];
  }

  private learn(plan: Plan, res: (Morphs | null)[]): void {
    for (let i = 0; i < plan.missing.length; i++) {
      const m = res[i];
      const word = plan.missing[i];
      // a word Kiwi could not read: the rule tokenizer's terms for it
      const e = m ? { terms: morphTerms(m), context: needsContext(word, m) } : { terms: ruleTermsOf(word), context: false };
      this.cache.set(word, e);
      plan.entries.set(word, e);
    }
  }

  private contextTexts(plan: Plan): number[] {
    const out: number[] = [];
    for (let t = 0; t < plan.cores.length; t++) {
      if (plan.cores[t].some((c) => c !== '' && plan.entries.get(c)?.context)) out.push(t);
    }
    return out;
  }

  private *composeSteps(plan: Plan, ctx: number[], ctxRes: (TextMorphs | null)[], out: TopicTerm[][]): Generator<void> {
    const byText = new Map<number, TextMorphs | null>();
    ctx.forEach((t, i) => byText.set(t, ctxRes[i] ?? null));
    for (let t = 0; t < plan.words.length; t++) {
      const terms: TopicTerm[] = [];
      const inContext = byText.get(t);
      for (let w = 0; w < plan.words[t].length; w++) {
        const core = plan.cores[t][w];
        if (core === '') continue;
        const e = plan.entries.get(core);
        const m = e?.context && inContext ? inContext[w] : null;
        // still one noun ending like a particle in its message (핫픽스를): the rule's particle cut
        if (m && needsContext(core, m)) terms.push(...morphTerms([stripParticle(core), m[1]]));
        else if (m) terms.push(...morphTerms(m));
        else if (e) terms.push(...e.terms);
        else terms.push(...ruleTermsOf(core));
      }
      out.push(terms);
      if (t % STEP_TEXTS === STEP_TEXTS - 1) yield;
    }
  }
}

const emptyPlan = (): Plan => ({ words: [], cores: [], entries: new Map(), missing: [] });

let shared: KiwiTerms | null = null;

/** The process's one Kiwi (one worker thread, loaded when needed, released when idle). */
export function kiwiTerms(config: Pick<Config, 'kiwi'>): KiwiTerms {
  if (!shared) {
    const kiwi = new KiwiAnalyzer({ modelDir: modelDir(config), idleMs: config.kiwi.idleMs, fetch: true, enabled: config.kiwi.enabled, nice: config.kiwi.nice });
    shared = new KiwiTerms(kiwi, undefined, new TermsThread(kiwi, { nice: config.kiwi.nice, idleMs: config.kiwi.idleMs }));
  }
  return shared;
}

/** Stop the process's Kiwi worker and terms thread now, if they run (a CLI command that used them ends without waiting for the idle release). */
export async function releaseKiwi(): Promise<void> {
  await shared?.thread?.release();
  await shared?.kiwi.release();
}

/**
 * The analyser to count with now: Kiwi when its worker is loaded; otherwise
 * the rule tokenizer, while the model is loaded (and fetched, the first time)
 * in the background for the next call. With `wait`, a loadable model is
 * waited for (a few seconds) instead — for background work such as recounts —
 * or, once it has loaded in this process, loaded by the first text that needs it.
 */
export async function chooseTermAnalyzer(config: Pick<Config, 'kiwi'>, options: { wait?: boolean; signal?: AbortSignal } = {}): Promise<TermAnalyzer> {
  if (!config.kiwi.enabled) return ruleTerms;
  const k = kiwiTerms(config);
  if (k.kiwi.isReady()) return k;
  if (k.kiwi.state() === 'failed') return ruleTerms;
  // Loaded before and released since (idle): it loads again when a text has a word its cache does not
  // know, not just to be chosen — a count every few seconds on a steady chat's vocabulary otherwise
  // rebuilt the ~0.6 GB model every minute (seconds of a core each time, beside the chat).
  if (options.wait && k.kiwi.info().loads > 0 && k.kiwi.modelPresent()) return k;
  if (options.wait && k.kiwi.modelPresent()) return (await k.kiwi.ready(options.signal)) ? k : ruleTerms;
  void k.kiwi.ready();
  return ruleTerms;
}
