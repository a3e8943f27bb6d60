// The Rego lexer: turns source text into a token array the parser walks with backtracking. It owns the character
// rules of OPA's scanner (v1/ast/internal/scanner): identifiers, numbers, strings, raw strings, template strings
// (`$"…{expr}…"`, `` $`…` ``), operators, comments and the illegal characters. Keywords are not decided here: an
// identifier's keyword status depends on the imports seen so far, so the parser classifies `ident` tokens itself.
// Each token records whether whitespace or a newline preceded it, because refs (`a.b`, `a[0]`, `f(x)`) must be
// written without whitespace and body literals are separated by newlines.

/** Token kinds, named as OPA's parser names them in "unexpected … token" messages. */
export type TokenKind =
  | "eof"
  | "ident"
  | "number"
  | "string"
  | "template-string-part"
  | "template-string-end"
  | "["
  | "]"
  | "{"
  | "}"
  | "("
  | ")"
  | ","
  | ":"
  | "plus"
  | "minus"
  | "mul"
  | "div"
  | "rem"
  | "and"
  | "or"
  | "eq"
  | "equal"
  | "assign"
  | "neq"
  | "gt"
  | "lt"
  | "gte"
  | "lte"
  | "."
  | ";"
  | "illegal";

export interface Token {
  kind: TokenKind;
  /** ident: the name; number: its text; string: the literal with its quotes; template parts: the text between
   *  the delimiters with `\{` already unescaped; illegal: the offending text. */
  text: string;
  /** Template parts: true for a `` $`…` `` (raw) template. */
  raw: boolean;
  line: number;
  col: number;
  /** Whitespace or a comment separates this token from the previous one. */
  ws: boolean;
  /** A newline separates this token from the previous one. */
  nl: boolean;
  /** illegal tokens: the scanner's message (`non-terminated string`, …); absent means "illegal token". */
  error?: string;
}

interface TemplateContext {
  raw: boolean;
  /** `{` opened inside the current template expression and not yet closed. */
  depth: number;
}

const SIMPLE: Record<string, TokenKind> = {
  "[": "[",
  "]": "]",
  "{": "{",
  "}": "}",
  "(": "(",
  ")": ")",
  ",": ",",
  "+": "plus",
  "-": "minus",
  "*": "mul",
  "/": "div",
  "%": "rem",
  "&": "and",
  "|": "or",
  ";": ";",
  ".": ".",
};

const TWO_CHAR: Record<string, TokenKind> = {
  ":=": "assign",
  "==": "equal",
  "!=": "neq",
  ">=": "gte",
  "<=": "lte",
};

const ONE_CHAR_OP: Record<string, TokenKind> = { ":": ":", "=": "eq", ">": "gt", "<": "lt" };

const UNICODE_DIGIT = /^\p{Nd}$/u;

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isDecimal(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Tokenizes `src`. Never throws: problems become `illegal` tokens that the parser reports when it reaches them. */
export function lex(src: string): Token[] {
  return new Lexer(src).run();
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly toks: Token[] = [];
  private readonly templates: TemplateContext[] = [];
  private ws = false;
  private nl = false;
  /** First scanner error met while scanning the current token. */
  private err: string | undefined;

  constructor(private readonly src: string) {}

  run(): Token[] {
    if (this.src.charCodeAt(0) === 0xfeff) this.i = 1;
    for (;;) {
      this.skipSpace();
      if (this.i >= this.src.length) {
        this.push("eof", "", this.line, this.col(this.i));
        return this.toks;
      }
      this.scanToken();
    }
  }

  private col(at: number): number {
    return at - this.lineStart + 1;
  }

  private push(kind: TokenKind, text: string, line: number, col: number, raw = false): void {
    const tok: Token = { kind, text, raw, line, col, ws: this.ws, nl: this.nl };
    if (this.err !== undefined) {
      tok.kind = "illegal";
      tok.error = this.err;
      this.err = undefined;
    }
    this.toks.push(tok);
    this.ws = false;
    this.nl = false;
  }

  /** Checks the character at `at` for what OPA's scanner rejects anywhere (NUL, a BOM after the start, broken
   *  UTF-16). Records the first problem for the token being scanned. */
  private checkChar(at: number): void {
    const c = this.src.charCodeAt(at);
    let msg: string | undefined;
    if (c === 0) msg = "illegal null character";
    else if (c === 0xfeff && at > 0) msg = "illegal byte-order mark";
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pairStart = c <= 0xdbff && isLow(this.src.charCodeAt(at + 1));
      const pairEnd = c >= 0xdc00 && isHigh(this.src.charCodeAt(at - 1));
      if (!pairStart && !pairEnd) msg = "illegal utf-8 character";
    }
    if (msg !== undefined && this.err === undefined) this.err = msg;
  }

  /** Moves past one code unit, keeping line bookkeeping. */
  private step(): void {
    if (this.i >= this.src.length) return;
    this.checkChar(this.i);
    if (this.src.charCodeAt(this.i) === 10) {
      this.line++;
      this.lineStart = this.i + 1;
    }
    this.i++;
  }

  private skipSpace(): void {
    while (this.i < this.src.length) {
      const c = this.src.charCodeAt(this.i);
      if (isWhitespace(c)) {
        this.ws = true;
        if (c === 10) this.nl = true;
        this.step();
      } else if (c === 35 /* # */) {
        if (!this.skipComment()) return;
      } else return;
    }
  }

  /** Skips a comment; a comment holding an illegal character becomes an illegal token (returns false then). */
  private skipComment(): boolean {
    const start = this.i;
    const line = this.line;
    const col = this.col(start);
    while (this.i < this.src.length && this.src.charCodeAt(this.i) !== 10) this.step();
    if (this.err === undefined) {
      this.ws = true;
      return true;
    }
    this.push("illegal", this.src.slice(start, this.i), line, col);
    return false;
  }

  private scanToken(): void {
    const start = this.i;
    const line = this.line;
    const col = this.col(start);
    const c = this.src.charCodeAt(start);
    if (isLetter(c)) return this.push("ident", this.scanIdent(), line, col);
    if (isDecimal(c)) return this.push("number", this.scanNumber(), line, col);
    if (c === 34 /* " */) return this.push("string", this.scanString(), line, col);
    if (c === 96 /* ` */) return this.push("string", this.scanRawString(), line, col);
    if (c === 36 /* $ */) return this.scanDollar(line, col);
    const two = this.src.slice(start, start + 2);
    const twoKind = TWO_CHAR[two];
    if (twoKind !== undefined) {
      this.step();
      this.step();
      return this.push(twoKind, two, line, col);
    }
    const ch = this.src[start] as string;
    this.step();
    if (ch === "{" || ch === "}") return this.scanBrace(ch, line, col);
    const kind = SIMPLE[ch] ?? ONE_CHAR_OP[ch];
    if (kind !== undefined) return this.push(kind, ch, line, col);
    if (ch === "!") this.err ??= "illegal ! character";
    this.skipRestOfSurrogatePair(c);
    this.push("illegal", this.src.slice(start, this.i), line, col);
  }

  private skipRestOfSurrogatePair(c: number): void {
    if (isHigh(c) && isLow(this.src.charCodeAt(this.i))) this.step();
  }

  /** `{` and `}`: inside a template expression they are counted, and the `}` that closes the expression resumes
   *  the template string. */
  private scanBrace(ch: "{" | "}", line: number, col: number): void {
    this.push(ch, ch, line, col);
    const top = this.templates[this.templates.length - 1];
    if (top === undefined) return;
    if (ch === "{") {
      top.depth++;
      return;
    }
    if (top.depth > 0) {
      top.depth--;
      return;
    }
    this.templates.pop();
    this.scanTemplatePart(top.raw, this.line, this.col(this.i));
  }

  private scanDollar(line: number, col: number): void {
    this.step();
    const c = this.src.charCodeAt(this.i);
    if (c === 34 || c === 96) {
      this.step();
      return this.scanTemplatePart(c === 96, line, col);
    }
    this.err ??= "illegal $ character";
    this.push("illegal", "$", line, col);
  }

  private scanIdent(): string {
    const start = this.i;
    this.step();
    for (;;) {
      const c = this.src.charCodeAt(this.i);
      if (isLetter(c) || isDecimal(c)) {
        this.step();
        continue;
      }
      if (c < 0x80 || Number.isNaN(c)) break;
      const cp = this.src.codePointAt(this.i) as number;
      if (!UNICODE_DIGIT.test(String.fromCodePoint(cp))) break;
      this.step();
      if (cp > 0xffff) this.step();
    }
    return this.src.slice(start, this.i);
  }

  private digits(): boolean {
    let found = false;
    while (isDecimal(this.src.charCodeAt(this.i))) {
      this.step();
      found = true;
    }
    return found;
  }

  private scanNumber(): string {
    const start = this.i;
    this.digits();
    if (this.src[this.i] === ".") {
      this.step();
      if (!this.digits()) this.err ??= "expected fraction";
    }
    const e = this.src[this.i];
    if (e === "e" || e === "E") {
      this.step();
      if (this.src[this.i] === "+" || this.src[this.i] === "-") this.step();
      if (!this.digits()) this.err ??= "expected exponent";
    }
    if (isLetter(this.src.charCodeAt(this.i))) {
      this.err ??= "illegal number format";
      while (isLetter(this.src.charCodeAt(this.i)) || isDecimal(this.src.charCodeAt(this.i))) this.step();
    }
    return this.src.slice(start, this.i);
  }

  /** After a backslash inside a `"…"` string or template: consumes the escape as OPA's scanner does. */
  private scanEscape(): void {
    const c = this.src[this.i];
    if (c !== undefined && '\\"/bfnrt'.includes(c)) this.step();
    else if (c === "u") for (let k = 0; k < 4; k++) this.step();
    else this.err ??= "illegal escape sequence";
  }

  private scanString(): string {
    const start = this.i;
    this.step();
    for (;;) {
      const c = this.src.charCodeAt(this.i);
      if (c === 10 || this.i >= this.src.length) {
        this.err ??= "non-terminated string";
        break;
      }
      this.step();
      if (c === 34) break;
      if (c === 92) this.scanEscape();
    }
    return this.src.slice(start, this.i);
  }

  private scanRawString(): string {
    const start = this.i;
    this.step();
    for (;;) {
      if (this.i >= this.src.length) {
        this.err ??= "non-terminated string";
        break;
      }
      const c = this.src.charCodeAt(this.i);
      this.step();
      if (c === 96) break;
    }
    return this.src.slice(start, this.i);
  }

  /** Scans template text up to and including the next `{` (a part) or the closing delimiter (the end). The
   *  scanner sits just after the opening delimiter or the `}` that closed the previous expression. */
  private scanTemplatePart(raw: boolean, line: number, col: number): void {
    let text = "";
    let from = this.i;
    let end = false;
    const close = raw ? 96 : 34;
    for (;;) {
      const c = this.src.charCodeAt(this.i);
      if (this.i >= this.src.length || (!raw && c === 10)) {
        this.err ??= "non-terminated string";
        text += this.src.slice(from, this.i);
        end = true;
        break;
      }
      const at = this.i;
      this.step();
      if (c === close || c === 123 /* { */) {
        text += this.src.slice(from, at);
        end = c === close;
        break;
      }
      if (c !== 92) continue;
      if (raw) {
        if (this.src.charCodeAt(this.i) === 123) {
          text += this.src.slice(from, at);
          from = this.i;
          this.step();
        }
      } else if (this.src.charCodeAt(this.i) === 123) {
        text += this.src.slice(from, at);
        from = this.i;
        this.step();
      } else this.scanEscape();
    }
    const failed = this.err !== undefined;
    this.push(end ? "template-string-end" : "template-string-part", text, line, col, raw);
    if (!end && !failed) this.templates.push({ raw, depth: 0 });
  }
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function hex4(s: string, at: number): number {
  const h = s.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
}

/** Decodes the inside of a `"…"` literal as Go's encoding/json does (OPA unquotes strings that way): JSON escapes,
 *  `\uXXXX` with surrogate pairs (a lone surrogate becomes U+FFFD), no raw control characters or quotes. Returns
 *  undefined when the text is not a valid JSON string body. */
export function decodeJsonString(inner: string): string | undefined {
  let out = "";
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c < 0x20 || c === 34) return undefined;
    if (c !== 92) continue;
    out += inner.slice(from, i);
    const e = inner[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (e === "u") {
      const [text, used] = decodeUnicodeEscape(inner, i);
      if (used === 0) return undefined;
      out += text;
      i += used - 1;
    } else return undefined;
    from = i + 1;
  }
  return out + inner.slice(from);
}

/** `\uXXXX` at `at` (possibly followed by a low-surrogate escape): the text and the code units consumed. */
function decodeUnicodeEscape(s: string, at: number): [string, number] {
  const cu = hex4(s, at + 2);
  if (cu < 0) return ["", 0];
  if (cu < 0xd800 || cu > 0xdfff) return [String.fromCharCode(cu), 6];
  if (cu <= 0xdbff && s[at + 6] === "\\" && s[at + 7] === "u") {
    const lo = hex4(s, at + 8);
    if (lo >= 0xdc00 && lo <= 0xdfff) return [String.fromCharCode(cu, lo), 12];
  }
  return ["\ufffd", 6];
}
