// A parser for Python literals as `repr()` writes them (the bootcamp logged
// `print(dict)` lines and read them back with eval — never again). Supports
// dicts, lists, tuples, sets, str (single/double/triple quotes, r/u/b
// prefixes, adjacent-literal concatenation, every escape incl. \xXX, \uXXXX,
// \UXXXXXXXX and lone surrogates such as '\udcf9'), int, float, complex-free
// numbers, True/False/None. Anything else is a clear error with its column.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} at column ${column}`);
    this.name = 'PyLiteralError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(message: string, at = this.i): never {
    throw new PyLiteralError(message, at + 1);
  }

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else break;
    }
  }

  parseTop(): PyValue {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after the value`);
    return v;
  }

  value(): PyValue {
    this.ws();
    if (this.i >= this.s.length) this.fail('unexpected end of input');
    const c = this.s[this.i];
    if (c === '{') return this.dictOrSet();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === "'" || c === '"') return this.strings();
    if (/[rRuUbB]/.test(c) && /['"]/.test(this.s[this.i + 1] ?? '')) return this.strings();
    if (/[rRbB]/.test(c) && /[rRbB]/.test(this.s[this.i + 1] ?? '') && /['"]/.test(this.s[this.i + 2] ?? '')) return this.strings();
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i, this.i + 32))?.[0];
    if (word === 'True') return (this.i += 4), true;
    if (word === 'False') return (this.i += 5), false;
    if (word === 'None') return (this.i += 4), null;
    if (word) this.fail(`"${word}" is not a literal (names and calls are never evaluated)`);
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  dictOrSet(): PyValue {
    const start = this.i;
    this.i++; // {
    this.ws();
    if (this.s[this.i] === '}') return (this.i++, {});
    const first = this.value();
    this.ws();
    if (this.s[this.i] !== ':') {
      // a set literal: keep its items as a list
      this.i = start;
      return this.sequence('{', '}');
    }
    const out: Record<string, PyValue> = {};
    let key: PyValue = first;
    for (;;) {
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected ":" in dict');
      this.i++;
      const v = this.value();
      if (typeof key === 'object' && key !== null) this.fail('dict key must be a string, number, bool or None');
      out[String(key === null ? 'None' : key === true ? 'True' : key === false ? 'False' : key)] = v;
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.s[this.i] === '}') return (this.i++, out);
        key = this.value();
        continue;
      }
      if (c === '}') return (this.i++, out);
      this.fail(this.i >= this.s.length ? 'unterminated dict (missing "}")' : 'expected "," or "}" in dict');
    }
  }

  sequence(open: string, close: string): PyValue[] {
    this.i++; // open
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) return (this.i++, out);
      out.push(this.value());
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === close) return (this.i++, out);
      this.fail(this.i >= this.s.length ? `unterminated ${open}…${close}` : `expected "," or "${close}"`);
    }
  }

  /** One or more adjacent string literals ('a' 'b' == 'ab'). */
  strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.i;
      this.ws();
      const c = this.s[this.i];
      if (c === "'" || c === '"' || (/[rRuUbB]/.test(c ?? '') && /['"rRbB]/.test(this.s[this.i + 1] ?? ''))) {
        try {
          out += this.string();
          continue;
        } catch {
          this.i = save;
        }
      }
      this.i = save;
      return out;
    }
  }

  string(): string {
    const start = this.i;
    let raw = false;
    let bytes = false;
    while (/[rRuUbB]/.test(this.s[this.i] ?? '')) {
      const p = this.s[this.i].toLowerCase();
      if (p === 'r') raw = true;
      if (p === 'b') bytes = true;
      this.i++;
    }
    const q = this.s[this.i];
    if (q !== "'" && q !== '"') this.fail('expected a string');
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const quote = triple ? q.repeat(3) : q;
    this.i += quote.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string', start);
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = this.s[this.i];
      if (!triple && c === '\n') this.fail('line break inside a string', start);
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.s[this.i + 1];
      if (e === undefined) this.fail('unterminated string', start);
      if (raw) {
        out += '\\' + e;
        this.i += 2;
        continue;
      }
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.i += 2;
        continue;
      }
      if (e === 'x') out += this.hexEscape(2);
      else if (!bytes && e === 'u') out += this.hexEscape(4);
      else if (!bytes && e === 'U') out += this.hexEscape(8);
      else if (e >= '0' && e <= '7') {
        const m = /^[0-7]{1,3}/.exec(this.s.slice(this.i + 1, this.i + 4))![0];
        out += String.fromCharCode(parseInt(m, 8));
        this.i += 1 + m.length;
      } else if (e === 'N') this.fail('\\N{…} named escapes are not supported');
      else {
        // Python keeps unknown escapes verbatim
        out += '\\' + e;
        this.i += 2;
      }
    }
  }

  hexEscape(n: number): string {
    const hex = this.s.slice(this.i + 2, this.i + 2 + n);
    if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`truncated \\${this.s[this.i + 1]} escape`);
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) this.fail(`\\U escape out of range`);
    this.i += 2 + n;
    // code units, not String.fromCodePoint, so '\udcf9' stays a lone surrogate (cleaned later)
    return cp > 0xffff ? String.fromCodePoint(cp) : String.fromCharCode(cp);
  }

  number(): number {
    const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 64));
    if (!m || m[0] === '' || m[0] === '-' || m[0] === '+') this.fail('invalid number');
    const text = m[0].replace(/_/g, '');
    this.i += m[0].length;
    const sign = text.startsWith('-') ? -1 : 1;
    const body = text.replace(/^[+-]/, '');
    let n: number;
    if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
    else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
    else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
    else n = Number(body);
    if (!Number.isFinite(n)) this.fail('invalid number');
    if (/[jJ]/.test(this.s[this.i] ?? '')) this.fail('complex numbers are not supported');
    return sign * n;
  }
}

/** Parse one Python literal (e.g. a `repr(dict)` log line). Throws PyLiteralError with a column. */
export function parsePyLiteral(text: string): PyValue {
  return new Parser(text).parseTop();
}
