// CEL lexer: turns expression text into tokens following cel-go's ANTLR lexer (parser/gen/CEL.g4) — longest
// match numbers (`1.e3` is INT `.` IDENT as in cel-go), strings in all quote forms with escape validation and
// decoding (cel-go parser/unescape.go), raw strings, bytes, backquoted identifiers, `//` comments. Lexical
// errors are thrown as LexError with cel-go style texts ("Syntax error: token recognition error at: '…'").
/** Token kinds. Numeric constants (not a TS enum) so the module stays plain ESM for any transpiler. */
export const Tok = {
  EOF: 0,
  IDENT: 1,
  ESC_IDENT: 2,
  INT: 3,
  UINT: 4,
  FLOAT: 5,
  STRING: 6,
  BYTES: 7,
  TRUE: 8,
  FALSE: 9,
  NULL: 10,
  IN: 11,
  EQ: 12, // ==
  NE: 13, // !=
  LT: 14,
  LE: 15,
  GE: 16,
  GT: 17,
  AND: 18, // &&
  OR: 19, // ||
  LBRACKET: 20,
  RBRACKET: 21,
  LBRACE: 22,
  RBRACE: 23,
  LPAREN: 24,
  RPAREN: 25,
  DOT: 26,
  COMMA: 27,
  MINUS: 28,
  NOT: 29, // !
  QUESTION: 30,
  COLON: 31,
  PLUS: 32,
  STAR: 33,
  SLASH: 34,
  PERCENT: 35,
  /** Unrecognizable input; carries the LexError, raised when the parser reaches it (cel-go lexes lazily). */
  ERROR: 36,
} as const;
export type TokKind = (typeof Tok)[keyof typeof Tok];

export interface Token {
  k: TokKind;
  /** UTF-16 offset of the first character. */
  start: number;
  /** UTF-16 offset just past the last character. */
  end: number;
  /**
   * IDENT / ESC_IDENT: the name. INT / FLOAT / UINT: the literal text without sign or `u` suffix (hex keeps
   * `0x`; range checks are the parser's). STRING: the decoded string.
   */
  text?: string;
  /** BYTES: the decoded bytes. */
  bytes?: Uint8Array;
  /** ERROR: the lexical error. */
  error?: LexError;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "LexError";
  }
}

const PUNCT: Record<string, TokKind> = {
  "[": Tok.LBRACKET,
  "]": Tok.RBRACKET,
  "{": Tok.LBRACE,
  "}": Tok.RBRACE,
  "(": Tok.LPAREN,
  ")": Tok.RPAREN,
  ",": Tok.COMMA,
  "-": Tok.MINUS,
  "?": Tok.QUESTION,
  ":": Tok.COLON,
  "+": Tok.PLUS,
  "*": Tok.STAR,
  "/": Tok.SLASH,
  "%": Tok.PERCENT,
};

const KEYWORDS: Record<string, TokKind> = { true: Tok.TRUE, false: Tok.FALSE, null: Tok.NULL, in: Tok.IN };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isIdentStart = (c: number): boolean => isLetter(c) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
/** Characters allowed inside a backquoted identifier: LETTER | DIGIT | '_' | '.' | '-' | '/' | ' '. */
const isEscIdentPart = (c: number): boolean => isIdentPart(c) || c === 46 || c === 45 || c === 47 || c === 32;

function recognitionError(src: string, start: number, failAt: number): LexError {
  const text = src.slice(start, Math.min(failAt + 1, src.length));
  return new LexError(`Syntax error: token recognition error at: '${text}'`, start);
}

/**
 * Tokenize a whole expression. Unrecognizable input ends the stream with an ERROR token (then EOF), so that a
 * syntax error the parser meets earlier is reported first, as with cel-go's lazily driven lexer.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  try {
    lexAll(src, out);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    out.push({ k: Tok.ERROR, start: e.offset, end: e.offset, error: e });
  }
  out.push({ k: Tok.EOF, start: src.length, end: src.length });
  return out;
}

function lexAll(src: string, out: Token[]): void {
  const n = src.length;
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    // whitespace: \t \n \f \r space
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      i++;
      continue;
    }
    const start = i;
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      // comment to end of line
      i += 2;
      while (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (isIdentStart(c)) {
      // string / bytes prefixes: r"…", R'…', b"…", B'…', br"…", bR'…', Br"…", BR'…'
      const c1 = src.charCodeAt(i + 1);
      if ((c === 114 || c === 82) && (c1 === 34 || c1 === 39)) {
        const [s, end] = lexString(src, i + 1, true, false, start);
        out.push({ k: Tok.STRING, start, end, text: s as string });
        i = end;
        continue;
      }
      if (c === 98 || c === 66) {
        if (c1 === 34 || c1 === 39) {
          const [b, end] = lexString(src, i + 1, false, true, start);
          out.push({ k: Tok.BYTES, start, end, bytes: b as Uint8Array });
          i = end;
          continue;
        }
        const c2 = src.charCodeAt(i + 2);
        if ((c1 === 114 || c1 === 82) && (c2 === 34 || c2 === 39)) {
          const [b, end] = lexString(src, i + 2, true, true, start);
          out.push({ k: Tok.BYTES, start, end, bytes: b as Uint8Array });
          i = end;
          continue;
        }
      }
      i++;
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      const word = src.slice(start, i);
      const kw = KEYWORDS[word];
      out.push(kw !== undefined ? { k: kw, start, end: i } : { k: Tok.IDENT, start, end: i, text: word });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      i = lexNumber(src, i, out);
      continue;
    }
    if (c === 34 || c === 39) {
      const [s, end] = lexString(src, i, false, false, start);
      out.push({ k: Tok.STRING, start, end, text: s as string });
      i = end;
      continue;
    }
    if (c === 96) {
      // `escaped identifier`
      i++;
      while (i < n && isEscIdentPart(src.charCodeAt(i))) i++;
      if (i >= n || src.charCodeAt(i) !== 96 || i === start + 1) throw recognitionError(src, start, i);
      out.push({ k: Tok.ESC_IDENT, start, end: i + 1, text: src.slice(start + 1, i) });
      i++;
      continue;
    }
    const c1 = src.charCodeAt(i + 1);
    switch (c) {
      case 61: // =
        if (c1 === 61) {
          out.push({ k: Tok.EQ, start, end: i + 2 });
          i += 2;
          continue;
        }
        throw recognitionError(src, start, i + 1);
      case 33: // !
        if (c1 === 61) {
          out.push({ k: Tok.NE, start, end: i + 2 });
          i += 2;
        } else {
          out.push({ k: Tok.NOT, start, end: i + 1 });
          i++;
        }
        continue;
      case 60: // <
        if (c1 === 61) {
          out.push({ k: Tok.LE, start, end: i + 2 });
          i += 2;
        } else {
          out.push({ k: Tok.LT, start, end: i + 1 });
          i++;
        }
        continue;
      case 62: // >
        if (c1 === 61) {
          out.push({ k: Tok.GE, start, end: i + 2 });
          i += 2;
        } else {
          out.push({ k: Tok.GT, start, end: i + 1 });
          i++;
        }
        continue;
      case 38: // &
        if (c1 === 38) {
          out.push({ k: Tok.AND, start, end: i + 2 });
          i += 2;
          continue;
        }
        throw recognitionError(src, start, i + 1);
      case 124: // |
        if (c1 === 124) {
          out.push({ k: Tok.OR, start, end: i + 2 });
          i += 2;
          continue;
        }
        throw recognitionError(src, start, i + 1);
      case 46: // .
        out.push({ k: Tok.DOT, start, end: i + 1 });
        i++;
        continue;
    }
    const p = PUNCT[src[i]!];
    if (p !== undefined) {
      out.push({ k: p, start, end: i + 1 });
      i++;
      continue;
    }
    throw recognitionError(src, start, i);
  }
}

/** NUM_FLOAT | NUM_INT | NUM_UINT with ANTLR longest-match semantics. Returns the new offset. */
function lexNumber(src: string, i: number, out: Token[]): number {
  const start = i;
  const n = src.length;
  if (src.charCodeAt(i) === 48 && src.charCodeAt(i + 1) === 120 && isHex(src.charCodeAt(i + 2))) {
    i += 2;
    while (i < n && isHex(src.charCodeAt(i))) i++;
    const text = src.slice(start, i);
    const u = src.charCodeAt(i);
    if (u === 117 || u === 85) {
      out.push({ k: Tok.UINT, start, end: i + 1, text });
      return i + 1;
    }
    out.push({ k: Tok.INT, start, end: i, text });
    return i;
  }
  let isFloat = false;
  while (i < n && isDigit(src.charCodeAt(i))) i++;
  if (src.charCodeAt(i) === 46 && isDigit(src.charCodeAt(i + 1))) {
    isFloat = true;
    i += 2;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
  }
  // exponent: [eE][+-]?DIGIT+
  const e = src.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sgn = src.charCodeAt(j);
    if (sgn === 43 || sgn === 45) j++;
    if (isDigit(src.charCodeAt(j))) {
      while (j < n && isDigit(src.charCodeAt(j))) j++;
      isFloat = true;
      i = j;
    }
  }
  const text = src.slice(start, i);
  if (isFloat) {
    out.push({ k: Tok.FLOAT, start, end: i, text });
    return i;
  }
  const u = src.charCodeAt(i);
  if (u === 117 || u === 85) {
    out.push({ k: Tok.UINT, start, end: i + 1, text });
    return i + 1;
  }
  out.push({ k: Tok.INT, start, end: i, text });
  return i;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
  "'": 39,
  '"': 34,
  "`": 96,
  "?": 63,
};

/**
 * Lex and decode a quoted literal whose opening quote is at `q`. `tokStart` is where the token (incl. prefixes)
 * begins. Returns the decoded value (string, or Uint8Array when `isBytes`) and the end offset.
 */
function lexString(
  src: string,
  q: number,
  raw: boolean,
  isBytes: boolean,
  tokStart: number,
): [string | Uint8Array, number] {
  const n = src.length;
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  let i = triple ? q + 3 : q + 1;
  // pieces: for strings we collect code points; for bytes, byte values
  const bytes: number[] = [];
  let str = "";
  const pushCodePoint = (cp: number): void => {
    if (isBytes) utf8Encode(cp, bytes);
    else str += String.fromCodePoint(cp);
  };
  for (;;) {
    if (i >= n) throw recognitionError(src, tokStart, n - 1);
    const c = src.charCodeAt(i);
    if (c === quote && (!triple || (src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote))) break;
    if (!triple && (c === 10 || c === 13)) throw recognitionError(src, tokStart, i);
    if (c === 92 && !raw) {
      i = decodeEscape(src, i, isBytes, tokStart, pushCodePoint, bytes);
      continue;
    }
    // cel-go normalizes \r\n and \r to \n in literals
    if (c === 13) {
      pushCodePoint(10);
      i += src.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    const cp = src.codePointAt(i)!;
    if (!isBytes && cp <= 0xffff) str += src[i]!;
    else pushCodePoint(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  const end = triple ? i + 3 : i + 1;
  return [isBytes ? Uint8Array.from(bytes) : str, end];
}

/** Decode one escape at `i` (a backslash). Returns the offset after it. Errors follow cel-go's unescape. */
function decodeEscape(
  src: string,
  i: number,
  isBytes: boolean,
  tokStart: number,
  pushCodePoint: (cp: number) => void,
  bytes: number[],
): number {
  const e = src[i + 1];
  if (e === undefined) throw recognitionError(src, tokStart, i);
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) {
    pushCodePoint(simple);
    return i + 2;
  }
  if (e === "x" || e === "X" || e === "u" || e === "U") {
    const len = e === "x" || e === "X" ? 2 : e === "u" ? 4 : 8;
    let v = 0;
    for (let j = 0; j < len; j++) {
      const h = src.charCodeAt(i + 2 + j);
      if (!isHex(h)) throw recognitionError(src, tokStart, i + 2 + j);
      v = v * 16 + parseInt(src[i + 2 + j]!, 16);
    }
    if (len === 2) {
      if (isBytes) bytes.push(v);
      else pushCodePoint(v);
    } else {
      if (isBytes) throw new LexError("unable to unescape string", tokStart);
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new LexError("invalid unicode code point", tokStart);
      pushCodePoint(v);
    }
    return i + 2 + len;
  }
  const o0 = src.charCodeAt(i + 1);
  if (o0 >= 48 && o0 <= 51) {
    // \[0-3][0-7][0-7]
    let v = o0 - 48;
    for (let j = 2; j <= 3; j++) {
      const d = src.charCodeAt(i + j);
      if (!(d >= 48 && d <= 55)) throw recognitionError(src, tokStart, i + j);
      v = v * 8 + (d - 48);
    }
    if (isBytes) bytes.push(v);
    else pushCodePoint(v);
    return i + 4;
  }
  throw recognitionError(src, tokStart, i + 1);
}

function utf8Encode(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}
