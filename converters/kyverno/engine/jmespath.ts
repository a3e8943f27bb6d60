// JMESPath as Kyverno evaluates it: a re-implementation of the fork github.com/kyverno/go-jmespath (lexer, Pratt
// parser, tree interpreter) plus Kyverno's custom functions (kyverno/kyverno pkg/engine/jmespath/*.go).
//
// Why not the npm `jmespath` package: the fork changes the interpreter itself. A field lookup on a map that lacks
// the key raises NotFoundError ("Unknown key \"k\" in path") instead of returning null, and each node type decides
// whether that error propagates or turns into null:
//   * propagates: a bare path (`a.b.c`, `a[0]`, sub-expressions), the right operand of `&&`;
//   * null: function arguments, both comparison operands, `||` operands, `!`, pipes, `[*]`/`[]` projections and the
//     elements they visit, filter conditions, multi-select lists/hashes, `map()` elements;
//   * any error of the left side of `[]` (flatten), `[?…]` (filter) and `.*` (value projection) gives null.
// Type checks, error texts and quirks follow the fork (see the notes on each function). Numbers are float64, as
// everywhere in Kyverno's JSON context.
import { createHash } from "node:crypto";
import { parse as parseYamlText } from "yaml";
import { goPow10, parseQuantity, type Quantity } from "../../../src/cel/k8s/quantity.js";
import { compileRegex } from "../../../src/cel/stdlib/regex.js";
import { civilFromDays, daysFromCivil, parseDuration } from "../../../src/cel/stdlib/time.js";
import { translateRE2 } from "../../../src/cel/k8s/regex.js";
import { wildcardMatch } from "./wildcard.js";

// ------------------------------------------------------------------------------------------------ values and errors

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Any error raised while compiling or evaluating a JMESPath expression (Kyverno turns these into rule errors). */
export class JmesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JmesError";
  }
}

/** Lexer/parser errors: go-jmespath's SyntaxError ("SyntaxError: …") and the JSON errors of literals. */
export class JmesSyntaxError extends JmesError {
  constructor(message: string) {
    super(message);
    this.name = "JmesSyntaxError";
  }
}

/** The fork's NotFoundError: a field lookup on a map without that key. */
export class JmesNotFoundError extends JmesError {
  constructor(readonly key: string) {
    super(`Unknown key "${key}" in path`);
    this.name = "JmesNotFoundError";
  }
}

/** An expression reference (`&expr`), only ever a function argument. */
class ExpRef {
  constructor(readonly node: Node) {}
}

type Value = JsonValue | ExpRef;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof ExpRef);
const isArray = (v: unknown): v is JsonValue[] => Array.isArray(v);

/** go-jmespath isFalse: false, null, "", [] and {} are false; numbers (also 0) are true. */
export function isFalse(v: Value): boolean {
  if (v === null) return true;
  if (typeof v === "boolean") return !v;
  if (typeof v === "string") return v.length === 0;
  if (isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}

/** reflect.DeepEqual on decoded JSON. */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a instanceof ExpRef || b instanceof ExpRef) return false;
  if (isArray(a)) return isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!));
  }
  return false;
}

// ------------------------------------------------------------------------------------------------ Go formatting

const HEX = "0123456789abcdef";

function goQuoteJson(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029)
      out += "\\u" + HEX[(c >> 12) & 15]! + HEX[(c >> 8) & 15]! + HEX[(c >> 4) & 15]! + HEX[c & 15]!;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += ch + s[i + 1]!;
        i++;
      } else out += "\\ufffd";
    } else if (c >= 0xdc00 && c <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** encoding/json.Marshal of decoded JSON: map keys sorted, HTML-safe escaping, float64 numbers. */
export function goJsonMarshal(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new JmesError(`json: unsupported value: ${goFloatG(v)}`);
    return JSON.stringify(v);
  }
  if (typeof v === "string") return goQuoteJson(v);
  if (isArray(v)) return "[" + v.map(goJsonMarshal).join(",") + "]";
  const keys = Object.keys(v).sort(goStringCompare);
  return "{" + keys.map((k) => goQuoteJson(k) + ":" + goJsonMarshal(v[k]!)).join(",") + "}";
}

/** Byte-wise (UTF-8) string order, as Go's `<` on strings. */
export function goStringCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ba = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return Buffer.compare(ba, bb);
}

/** strconv.FormatFloat(f, 'g', -1, 64), which is also fmt's %v for float64 (exponent below -4 or from 6 on). */
function goFloatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, expS] = f.toExponential().split("e") as [string, string];
  const exp = Number(expS);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  return plainDecimal(f, String(f));
}

/** fmt's %v of decoded JSON (used in error texts). */
function goFmtV(v: Value | undefined): string {
  if (v === null || v === undefined) return "<nil>";
  if (v instanceof ExpRef) return "{expref}";
  if (typeof v === "number") return goFloatG(v);
  if (typeof v === "boolean" || typeof v === "string") return String(v);
  if (isArray(v)) return "[" + v.map(goFmtV).join(" ") + "]";
  const keys = Object.keys(v).sort(goStringCompare);
  return "map[" + keys.map((k) => `${k}:${goFmtV(v[k])}`).join(" ") + "]";
}

/** strconv.FormatFloat(f, 'f', -1, 32): float32 shortest digits, never an exponent (Kyverno's ifaceToString). */
function formatFloat32F(f: number): string {
  const x = Math.fround(f);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  let s = "";
  for (let p = 1; p <= 9; p++) {
    s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) break;
  }
  return plainDecimal(Number(s), s);
}

/** A decimal string without exponent for a number whose shortest digits are `repr`. */
function plainDecimal(n: number, repr: string): string {
  const neg = n < 0 || repr.startsWith("-");
  const [mant, expS] = Math.abs(Number(repr)).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expS);
  let out: string;
  if (exp >= digits.length - 1) out = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  else out = "0." + "0".repeat(-exp - 1) + digits;
  return (neg && n !== 0 ? "-" : "") + out;
}

// ------------------------------------------------------------------------------------------------ lexer

type Tok =
  | "tUnknown"
  | "tStar"
  | "tDot"
  | "tFilter"
  | "tFlatten"
  | "tLparen"
  | "tRparen"
  | "tLbracket"
  | "tRbracket"
  | "tLbrace"
  | "tRbrace"
  | "tOr"
  | "tPipe"
  | "tNumber"
  | "tUnquotedIdentifier"
  | "tQuotedIdentifier"
  | "tComma"
  | "tColon"
  | "tLT"
  | "tLTE"
  | "tGT"
  | "tGTE"
  | "tEQ"
  | "tNE"
  | "tJSONLiteral"
  | "tStringLiteral"
  | "tCurrent"
  | "tExpref"
  | "tAnd"
  | "tNot"
  | "tEOF";

interface Token {
  type: Tok;
  value: string;
}

const BASIC: Record<string, Tok> = {
  ".": "tDot",
  "*": "tStar",
  ",": "tComma",
  ":": "tColon",
  "{": "tLbrace",
  "}": "tRbrace",
  "]": "tRbracket",
  "(": "tLparen",
  ")": "tRparen",
  "@": "tCurrent",
};

const isIdentStart = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentChar = (c: string): boolean => isIdentStart(c) || (c >= "0" && c <= "9");

/** strconv.QuoteRuneToASCII. */
function quoteRuneAscii(r: string): string {
  const cp = r.codePointAt(0)!;
  if (r === "'") return "'\\''";
  if (r === "\\") return "'\\\\'";
  if (cp >= 0x20 && cp < 0x7f) return `'${r}'`;
  const esc: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };
  if (esc[cp]) return `'${esc[cp]}'`;
  if (cp < 0x10000) return `'\\u${cp.toString(16).padStart(4, "0")}'`;
  return `'\\U${cp.toString(16).padStart(8, "0")}'`;
}

/** Go's encoding/json error for a literal that does not decode (close to its wording). */
function goJsonDecodeError(text: string): string {
  const t = text.trim();
  if (t === "") return "unexpected end of JSON input";
  const c = t[0]!;
  if (!/[-0-9"tfn[{]/.test(c)) return `invalid character ${quoteRuneAscii(c)} looking for beginning of value`;
  try {
    JSON.parse(text);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (/end of (JSON )?input|Unterminated/i.test(m)) return "unexpected end of JSON input";
    return `invalid JSON: ${m}`;
  }
  return "invalid JSON";
}

function parseJsonLike(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new JmesSyntaxError(goJsonDecodeError(text));
  }
}

class Lexer {
  private pos = 0;
  private lastWidth = 0;
  constructor(private readonly expr: string) {}

  private next(): string | null {
    if (this.pos >= this.expr.length) {
      this.lastWidth = 0;
      return null;
    }
    const cp = this.expr.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.lastWidth = ch.length;
    this.pos += ch.length;
    return ch;
  }
  private back(): void {
    this.pos -= this.lastWidth;
  }
  private peek(): string | null {
    const save = [this.pos, this.lastWidth] as const;
    const r = this.next();
    [this.pos, this.lastWidth] = save;
    return r;
  }

  tokenize(): Token[] {
    const tokens: Token[] = [];
    for (;;) {
      const r = this.next();
      if (r === null) break;
      if (isIdentStart(r)) {
        const start = this.pos - this.lastWidth;
        for (;;) {
          const c = this.next();
          if (c === null || !isIdentChar(c)) {
            if (c !== null) this.back();
            break;
          }
        }
        tokens.push({ type: "tUnquotedIdentifier", value: this.expr.slice(start, this.pos) });
      } else if (BASIC[r]) tokens.push({ type: BASIC[r]!, value: r });
      else if (r === "-" || (r >= "0" && r <= "9")) {
        const start = this.pos - this.lastWidth;
        for (;;) {
          const c = this.next();
          if (c === null || c < "0" || c > "9") {
            if (c !== null) this.back();
            break;
          }
        }
        tokens.push({ type: "tNumber", value: this.expr.slice(start, this.pos) });
      } else if (r === "[") {
        const n = this.next();
        if (n === "?") tokens.push({ type: "tFilter", value: "[?" });
        else if (n === "]") tokens.push({ type: "tFlatten", value: "[]" });
        else {
          if (n !== null) this.back();
          tokens.push({ type: "tLbracket", value: "[" });
        }
      } else if (r === '"') {
        const raw = this.consumeUntil('"');
        let decoded: unknown;
        try {
          decoded = JSON.parse(`"${raw}"`);
        } catch {
          throw new JmesSyntaxError(goJsonDecodeError(`"${raw}"`));
        }
        tokens.push({ type: "tQuotedIdentifier", value: decoded as string });
      } else if (r === "'") tokens.push({ type: "tStringLiteral", value: this.consumeRawString() });
      else if (r === "`") tokens.push({ type: "tJSONLiteral", value: this.consumeUntil("`").replaceAll("\\`", "`") });
      else if (r === "|") tokens.push(this.matchOrElse("|", "tOr", "tPipe", r));
      else if (r === "<") tokens.push(this.matchOrElse("=", "tLTE", "tLT", r));
      else if (r === ">") tokens.push(this.matchOrElse("=", "tGTE", "tGT", r));
      else if (r === "!") tokens.push(this.matchOrElse("=", "tNE", "tNot", r));
      else if (r === "=") tokens.push(this.matchOrElse("=", "tEQ", "tUnknown", r));
      else if (r === "&") tokens.push(this.matchOrElse("&", "tAnd", "tExpref", r));
      else if (r === " " || r === "\t" || r === "\n" || r === "\r") continue;
      else throw new JmesSyntaxError(`SyntaxError: Unknown char: ${quoteRuneAscii(r)}`);
    }
    tokens.push({ type: "tEOF", value: "" });
    return tokens;
  }

  private matchOrElse(second: string, matched: Tok, single: Tok, first: string): Token {
    const n = this.next();
    if (n === second) return { type: matched, value: first + second };
    if (n !== null) this.back();
    return { type: single, value: first };
  }

  private consumeUntil(end: string): string {
    const start = this.pos;
    let cur = this.next();
    while (cur !== end && cur !== null) {
      if (cur === "\\" && this.peek() !== null) this.next();
      cur = this.next();
    }
    if (this.lastWidth === 0) throw new JmesSyntaxError(`SyntaxError: Unclosed delimiter: ${end}`);
    return this.expr.slice(start, this.pos - this.lastWidth);
  }

  /** go-jmespath consumeRawStringLiteral, quirks included (`'abc` without its closing quote lexes as "ab"). */
  private consumeRawString(): string {
    const start = this.pos;
    let idx = start;
    let buf = "";
    let cur = this.next();
    while (cur !== "'" && this.peek() !== null) {
      if (cur === "\\" && this.peek() === "'") {
        buf += this.expr.slice(idx, this.pos - 1) + "'";
        this.next();
        idx = this.pos;
      }
      cur = this.next();
    }
    if (this.lastWidth === 0) throw new JmesSyntaxError("SyntaxError: Unclosed delimiter: '");
    if (idx < this.pos) buf += this.expr.slice(idx, this.pos - 1);
    return buf;
  }
}

// ------------------------------------------------------------------------------------------------ parser

type Node =
  | { t: "Empty" }
  | { t: "Comparator"; op: Tok; l: Node; r: Node }
  | { t: "Current" }
  | { t: "ExpRef"; e: Node }
  | { t: "Function"; name: string | null; args: Node[] }
  | { t: "Field"; name: string }
  | { t: "FilterProjection"; l: Node; r: Node; cond: Node }
  | { t: "Flatten"; e: Node }
  | { t: "Identity" }
  | { t: "Index"; i: number }
  | { t: "IndexExpression"; l: Node; r: Node }
  | { t: "KeyValPair"; key: string; e: Node }
  | { t: "Literal"; v: JsonValue }
  | { t: "MultiSelectHash"; pairs: Node[] }
  | { t: "MultiSelectList"; items: Node[] }
  | { t: "Or"; l: Node; r: Node }
  | { t: "And"; l: Node; r: Node }
  | { t: "Not"; e: Node }
  | { t: "Pipe"; l: Node; r: Node }
  | { t: "Projection"; l: Node; r: Node }
  | { t: "Subexpression"; l: Node; r: Node }
  | { t: "Slice"; parts: (number | null)[] }
  | { t: "ValueProjection"; l: Node; r: Node };

const BP: Partial<Record<Tok, number>> = {
  tPipe: 1,
  tOr: 2,
  tAnd: 3,
  tEQ: 5,
  tLT: 5,
  tLTE: 5,
  tGT: 5,
  tGTE: 5,
  tNE: 5,
  tFlatten: 9,
  tStar: 20,
  tFilter: 21,
  tDot: 40,
  tNot: 45,
  tLbrace: 50,
  tLbracket: 55,
  tLparen: 60,
};
const bp = (t: Tok): number => BP[t] ?? 0;
const IDENTITY: Node = { t: "Identity" };

/** strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new JmesSyntaxError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new JmesSyntaxError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const n = this.expression(0);
    if (this.cur() !== "tEOF") this.fail(`Unexpected token at the end of the expression: ${this.cur()}`);
    return n;
  }

  private cur(): Tok {
    return this.tokens[this.i]!.type;
  }
  private la(n: number): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)]!;
  }
  private advance(): void {
    this.i++;
  }
  private fail(msg: string): never {
    throw new JmesSyntaxError(`SyntaxError: ${msg}`);
  }
  private match(t: Tok): void {
    if (this.cur() === t) this.advance();
    else this.fail(`Expected ${t}, received: ${this.cur()}`);
  }

  private expression(power: number): Node {
    const left = this.la(0);
    this.advance();
    let node = this.nud(left);
    let t = this.cur();
    while (power < bp(t)) {
      this.advance();
      node = this.led(t, node);
      t = this.cur();
    }
    return node;
  }

  private indexExpression(): Node {
    if (this.la(0).type === "tColon" || this.la(1).type === "tColon") return this.sliceExpression();
    const i = atoi(this.la(0).value);
    this.advance();
    this.match("tRbracket");
    return { t: "Index", i };
  }

  private sliceExpression(): Node {
    const parts: (number | null)[] = [null, null, null];
    let index = 0;
    let c = this.cur();
    while (c !== "tRbracket" && index < 3) {
      if (c === "tColon") {
        index++;
        this.advance();
      } else if (c === "tNumber") {
        parts[index] = atoi(this.la(0).value);
        this.advance();
      } else this.fail(`Expected tColon or tNumber, received: ${this.cur()}`);
      c = this.cur();
    }
    this.match("tRbracket");
    return { t: "Slice", parts };
  }

  private led(t: Tok, node: Node): Node {
    switch (t) {
      case "tDot":
        if (this.cur() !== "tStar") return { t: "Subexpression", l: node, r: this.dotRHS(bp("tDot")) };
        this.advance();
        return { t: "ValueProjection", l: node, r: this.projectionRHS(bp("tDot")) };
      case "tPipe":
        return { t: "Pipe", l: node, r: this.expression(bp("tPipe")) };
      case "tOr":
        return { t: "Or", l: node, r: this.expression(bp("tOr")) };
      case "tAnd":
        return { t: "And", l: node, r: this.expression(bp("tAnd")) };
      case "tLparen": {
        // The function name is the value of the node on the left (normally a field); commas are optional.
        const name = node.t === "Field" ? node.name : node.t === "Literal" && typeof node.v === "string" ? node.v : null;
        const args: Node[] = [];
        while (this.cur() !== "tRparen") {
          args.push(this.expression(0));
          if (this.cur() === "tComma") this.match("tComma");
        }
        this.match("tRparen");
        return { t: "Function", name, args };
      }
      case "tFilter":
        return this.filter(node);
      case "tFlatten":
        return { t: "Projection", l: { t: "Flatten", e: node }, r: this.projectionRHS(bp("tFlatten")) };
      case "tEQ":
      case "tNE":
      case "tGT":
      case "tGTE":
      case "tLT":
      case "tLTE":
        return { t: "Comparator", op: t, l: node, r: this.expression(bp(t)) };
      case "tLbracket": {
        const c = this.cur();
        if (c === "tNumber" || c === "tColon") return this.projectIfSlice(node, this.indexExpression());
        this.match("tStar");
        this.match("tRbracket");
        return { t: "Projection", l: node, r: this.projectionRHS(bp("tStar")) };
      }
      default:
        return this.fail(`Unexpected token: ${t}`);
    }
  }

  private nud(tok: Token): Node {
    switch (tok.type) {
      case "tJSONLiteral":
        return { t: "Literal", v: parseJsonLike(tok.value) };
      case "tStringLiteral":
        return { t: "Literal", v: tok.value };
      case "tUnquotedIdentifier":
        return { t: "Field", name: tok.value };
      case "tQuotedIdentifier":
        if (this.cur() === "tLparen") this.fail("Can't have quoted identifier as function Name.");
        return { t: "Field", name: tok.value };
      case "tStar": {
        const r = this.cur() === "tRbracket" ? IDENTITY : this.projectionRHS(bp("tStar"));
        return { t: "ValueProjection", l: IDENTITY, r };
      }
      case "tFilter":
        return this.filter(IDENTITY);
      case "tLbrace":
        return this.multiSelectHash();
      case "tFlatten":
        return { t: "Projection", l: { t: "Flatten", e: IDENTITY }, r: this.projectionRHS(bp("tFlatten")) };
      case "tLbracket": {
        const c = this.cur();
        if (c === "tNumber" || c === "tColon") {
          let right: Node;
          try {
            right = this.indexExpression();
          } catch (e) {
            if (e instanceof JmesError) return { t: "Empty" }; // the fork drops this error (returns an empty node)
            throw e;
          }
          return this.projectIfSlice(IDENTITY, right);
        }
        if (c === "tStar" && this.la(1).type === "tRbracket") {
          this.advance();
          this.advance();
          return { t: "Projection", l: IDENTITY, r: this.projectionRHS(bp("tStar")) };
        }
        return this.multiSelectList();
      }
      case "tCurrent":
        return { t: "Current" };
      case "tExpref":
        return { t: "ExpRef", e: this.expression(bp("tExpref")) };
      case "tNot":
        return { t: "Not", e: this.expression(bp("tNot")) };
      case "tLparen": {
        const e = this.expression(0);
        this.match("tRparen");
        return e;
      }
      case "tEOF":
        return this.fail("Incomplete expression");
      default:
        return this.fail(`Invalid token: ${tok.type}`);
    }
  }

  private multiSelectList(): Node {
    const items: Node[] = [];
    for (;;) {
      items.push(this.expression(0));
      if (this.cur() === "tRbracket") break;
      this.match("tComma");
    }
    this.match("tRbracket");
    return { t: "MultiSelectList", items };
  }

  private multiSelectHash(): Node {
    const pairs: Node[] = [];
    for (;;) {
      const keyTok = this.la(0);
      if (this.cur() === "tUnquotedIdentifier" || this.cur() === "tQuotedIdentifier") this.advance();
      else this.fail("Expected tQuotedIdentifier or tUnquotedIdentifier");
      this.match("tColon");
      pairs.push({ t: "KeyValPair", key: keyTok.value, e: this.expression(0) });
      if (this.cur() === "tComma") this.match("tComma");
      else if (this.cur() === "tRbrace") {
        this.match("tRbrace");
        break;
      }
    }
    return { t: "MultiSelectHash", pairs };
  }

  private projectIfSlice(left: Node, right: Node): Node {
    const indexExpr: Node = { t: "IndexExpression", l: left, r: right };
    if (right.t === "Slice") return { t: "Projection", l: indexExpr, r: this.projectionRHS(bp("tStar")) };
    return indexExpr;
  }

  private filter(node: Node): Node {
    const cond = this.expression(0);
    this.match("tRbracket");
    const r = this.cur() === "tFlatten" ? IDENTITY : this.projectionRHS(bp("tFilter"));
    return { t: "FilterProjection", l: node, r, cond };
  }

  private dotRHS(power: number): Node {
    const c = this.cur();
    if (c === "tQuotedIdentifier" || c === "tUnquotedIdentifier" || c === "tStar") return this.expression(power);
    if (c === "tLbracket") {
      this.match("tLbracket");
      return this.multiSelectList();
    }
    if (c === "tLbrace") {
      this.match("tLbrace");
      return this.multiSelectHash();
    }
    return this.fail("Expected identifier, lbracket, or lbrace");
  }

  private projectionRHS(power: number): Node {
    const c = this.cur();
    if (bp(c) < 10) return IDENTITY;
    if (c === "tLbracket" || c === "tFilter") return this.expression(power);
    if (c === "tDot") {
      this.match("tDot");
      return this.dotRHS(power);
    }
    return this.fail("Error");
  }
}

// ------------------------------------------------------------------------------------------------ compiled queries

/** Options of one evaluation. */
export interface EvalOptions {
  /** The clock of time_now/time_now_utc/time_since (default: the real clock). */
  now?: () => Date;
}

/** A compiled expression (go-jmespath Compile): parse once, search many documents. */
export interface Query {
  readonly expression: string;
  /** Evaluate against `data`; throws JmesError (JmesNotFoundError for Kyverno's "Unknown key"). */
  search(data: JsonValue, opts?: EvalOptions): JsonValue;
  /** Names of the functions the expression calls (compile-time; an unknown name only fails when evaluated). */
  readonly functions: readonly string[];
}

const queryCache = new Map<string, Query | JmesError>();

/** Compile an expression; throws JmesSyntaxError as go-jmespath's Compile fails. */
export function compile(expression: string): Query {
  const hit = queryCache.get(expression);
  if (hit instanceof JmesError) throw hit;
  if (hit) return hit;
  let q: Query | JmesError;
  try {
    const ast = new Parser(new Lexer(expression).tokenize()).parse();
    const functions = [...new Set(collectFunctions(ast))];
    q = {
      expression,
      functions,
      search: (data, opts = {}) => toJson(exec(ast, data, { now: opts.now ?? (() => new Date()) })),
    };
  } catch (e) {
    if (!(e instanceof JmesError)) throw e;
    q = e;
  }
  if (queryCache.size > 4096) queryCache.clear();
  queryCache.set(expression, q);
  if (q instanceof JmesError) throw q;
  return q;
}

/** Compile and evaluate `expr` against `data` (go-jmespath Search with Kyverno's function caller). */
export function evaluate(expr: string, data: JsonValue, opts?: EvalOptions): JsonValue {
  return compile(expr).search(data, opts);
}

function toJson(v: Value): JsonValue {
  if (v instanceof ExpRef) throw new JmesError("an expression reference is not a value");
  return v;
}

function collectFunctions(n: Node): string[] {
  const out: string[] = [];
  const walk = (x: Node): void => {
    switch (x.t) {
      case "Function":
        out.push(x.name ?? "<nil>");
        x.args.forEach(walk);
        return;
      case "Comparator":
      case "IndexExpression":
      case "Or":
      case "And":
      case "Pipe":
      case "Projection":
      case "Subexpression":
      case "ValueProjection":
        walk(x.l);
        walk(x.r);
        return;
      case "FilterProjection":
        walk(x.l);
        walk(x.r);
        walk(x.cond);
        return;
      case "ExpRef":
      case "Flatten":
      case "Not":
      case "KeyValPair":
        walk(x.e);
        return;
      case "MultiSelectHash":
        x.pairs.forEach(walk);
        return;
      case "MultiSelectList":
        x.items.forEach(walk);
        return;
      default:
        return;
    }
  };
  walk(n);
  return out;
}

// ------------------------------------------------------------------------------------------------ interpreter

interface Env {
  now: () => Date;
}

/** Evaluate, turning NotFoundError into null (what most node types of the fork do with it). */
function tolerant(n: Node, v: Value, env: Env): Value {
  try {
    return exec(n, v, env);
  } catch (e) {
    if (e instanceof JmesNotFoundError) return null;
    throw e;
  }
}

/** Evaluate, turning any error into null (the left side of flatten, filter and value projections). */
function lenient(n: Node, v: Value, env: Env): Value {
  try {
    return exec(n, v, env);
  } catch (e) {
    if (e instanceof JmesError) return null;
    throw e;
  }
}

function exec(node: Node, value: Value, env: Env): Value {
  switch (node.t) {
    case "Comparator": {
      const l = tolerant(node.l, value, env);
      const r = tolerant(node.r, value, env);
      if (node.op === "tEQ") return deepEqual(l, r);
      if (node.op === "tNE") return !deepEqual(l, r);
      if (typeof l !== "number" || typeof r !== "number") return null;
      switch (node.op) {
        case "tGT":
          return l > r;
        case "tGTE":
          return l >= r;
        case "tLT":
          return l < r;
        case "tLTE":
          return l <= r;
        default:
          return null;
      }
    }
    case "ExpRef":
      return new ExpRef(node.e);
    case "Function": {
      const args = node.args.map((a) => tolerant(a, value, env));
      return callFunction(node.name, args, env);
    }
    case "Field":
      if (isObject(value)) {
        if (Object.hasOwn(value, node.name)) return value[node.name]!;
        throw new JmesNotFoundError(node.name);
      }
      return null;
    case "FilterProjection": {
      const left = lenient(node.l, value, env);
      if (!isArray(left)) return null;
      const out: JsonValue[] = [];
      for (const el of left) {
        if (isFalse(tolerant(node.cond, el, env))) continue;
        const cur = tolerant(node.r, el, env);
        if (cur !== null) out.push(toJson(cur));
      }
      return out;
    }
    case "Flatten": {
      const left = lenient(node.e, value, env);
      if (!isArray(left)) return null;
      const out: JsonValue[] = [];
      for (const el of left) {
        if (isArray(el)) out.push(...el);
        else out.push(el);
      }
      return out;
    }
    case "Identity":
    case "Current":
      return value;
    case "Index": {
      if (!isArray(value)) return null;
      const i = node.i < 0 ? node.i + value.length : node.i;
      return i >= 0 && i < value.length ? value[i]! : null;
    }
    case "KeyValPair":
      return exec(node.e, value, env);
    case "Literal":
      return node.v;
    case "MultiSelectHash": {
      if (value === null) return null;
      const out: JsonObject = {};
      for (const p of node.pairs) {
        if (p.t !== "KeyValPair") continue;
        out[p.key] = toJson(tolerant(p, value, env));
      }
      return out;
    }
    case "MultiSelectList":
      if (value === null) return null;
      return node.items.map((n) => toJson(tolerant(n, value, env)));
    case "Or": {
      const l = tolerant(node.l, value, env);
      return isFalse(l) ? tolerant(node.r, value, env) : l;
    }
    case "And": {
      const l = tolerant(node.l, value, env);
      return isFalse(l) ? l : exec(node.r, value, env);
    }
    case "Not":
      return isFalse(tolerant(node.e, value, env));
    case "Pipe":
      return tolerant(node.r, tolerant(node.l, value, env), env);
    case "Projection": {
      const left = tolerant(node.l, value, env);
      if (!isArray(left)) return null;
      const out: JsonValue[] = [];
      for (const el of left) {
        const cur = tolerant(node.r, el, env);
        if (cur !== null) out.push(toJson(cur));
      }
      return out;
    }
    case "Subexpression":
    case "IndexExpression":
      return exec(node.r, exec(node.l, value, env), env);
    case "Slice":
      return isArray(value) ? slice(value, node.parts) : null;
    case "ValueProjection": {
      const left = lenient(node.l, value, env);
      if (!isObject(left)) return null;
      // The fork allocates the values slice with len(map) nils and then appends: those nils are projected too.
      const vals = Object.values(left);
      const elements: JsonValue[] = [...(new Array(vals.length).fill(null) as null[]), ...vals];
      const out: JsonValue[] = [];
      for (const el of elements) {
        const cur = tolerant(node.r, el, env);
        if (cur !== null) out.push(toJson(cur));
      }
      return out;
    }
    case "Empty":
      throw new JmesError("Unknown AST node: ASTEmpty");
  }
}

function slice(arr: JsonValue[], parts: (number | null)[]): JsonValue[] {
  const [a, b, c] = parts;
  if (c === 0) throw new JmesError("Invalid slice, step cannot be 0");
  const step = c ?? 1;
  const len = arr.length;
  const cap = (n: number): number => {
    if (n < 0) {
      n += len;
      if (n < 0) n = step < 0 ? -1 : 0;
    } else if (n >= len) n = step < 0 ? len - 1 : len;
    return n;
  };
  const start = a === null || a === undefined ? (step < 0 ? len - 1 : 0) : cap(a);
  const stop = b === null || b === undefined ? (step < 0 ? -1 : len) : cap(b);
  const out: JsonValue[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(arr[i]!);
  else for (let i = start; i > stop; i += step) out.push(arr[i]!);
  return out;
}

// ------------------------------------------------------------------------------------------------ function caller

type JpType = "number" | "string" | "array" | "object" | "array[number]" | "array[string]" | "expref" | "any";

interface ArgSpec {
  types: JpType[];
  variadic?: boolean;
}

interface FnEntry {
  args: ArgSpec[];
  hasExpRef?: boolean;
  handler: (args: Value[], env: Env) => Value;
}

function typeCheck(spec: ArgSpec, arg: Value): void {
  for (const t of spec.types) {
    switch (t) {
      case "number":
        if (typeof arg === "number") return;
        break;
      case "string":
        if (typeof arg === "string") return;
        break;
      case "array":
        if (isArray(arg)) return;
        break;
      case "object":
        if (isObject(arg)) return;
        break;
      case "array[number]":
        if (isArray(arg) && arg.every((x) => typeof x === "number")) return;
        break;
      case "array[string]":
        if (isArray(arg) && arg.every((x) => typeof x === "string")) return;
        break;
      case "any":
        return;
      case "expref":
        if (arg instanceof ExpRef) return;
        break;
    }
  }
  throw new JmesError(`Invalid type for: ${goFmtV(arg)}, expected: []jmespath.JpType{${spec.types.map((t) => JSON.stringify(t)).join(", ")}}`);
}

function callFunction(name: string | null, args: Value[], env: Env): Value {
  const entry = name === null ? undefined : FUNCTIONS.get(name);
  if (!entry) throw new JmesError(`unknown function: ${name ?? "<nil>"}`);
  if (entry.args.length > 0) {
    const last = entry.args[entry.args.length - 1]!;
    if (!last.variadic) {
      if (entry.args.length !== args.length) throw new JmesError("incorrect number of args");
      entry.args.forEach((spec, i) => typeCheck(spec, args[i]!));
    } else if (args.length < entry.args.length) throw new JmesError("Invalid arity.");
  }
  return entry.handler(args, env);
}

// Kyverno's error texts (pkg/engine/jmespath/error.go).
const fnErr = (f: string, msg: string): JmesError => new JmesError(`JMESPath function '${f}': ${msg}`);
const argTypeErr = (f: string, n: number, type: string): JmesError => fnErr(f, `argument #${n} is not of type ${type}`);

/** Kyverno's validateArg for string arguments (reflect.String). */
function argString(f: string, args: Value[], i: number): string {
  if (i >= args.length) throw fnErr(f, `${i + 1} argument is out of bounds (${args.length})`);
  const v = args[i];
  if (typeof v !== "string") throw argTypeErr(f, i + 1, "string");
  return v;
}

/** Kyverno's validateArg for number arguments (reflect.Float64). */
function argNumber(f: string, args: Value[], i: number): number {
  if (i >= args.length) throw fnErr(f, `${i + 1} argument is out of bounds (${args.length})`);
  const v = args[i];
  if (typeof v !== "number") throw argTypeErr(f, i + 1, "float64");
  return v;
}

/** Kyverno's ifaceToString: strings as is, numbers with float32 precision, booleans; else an error. */
function ifaceToString(v: Value): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatFloat32F(v);
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/** Kyverno's intNumber. */
function intNumber(n: number): number {
  if (!Number.isFinite(n) || Math.trunc(n) !== n) throw new JmesError(`expected an integer number but got: ${goFloatG(n)}`);
  return n;
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  if (!Number.isFinite(x)) return x;
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

/** strconv.ParseFloat(s, 64): decimal, hex floats, inf/infinity/nan; undefined when it fails (incl. range errors). */
export function goParseFloat(s: string): number | undefined {
  const t = s.replace(/^[+-]/, "");
  const sign = s.startsWith("-") ? -1 : 1;
  if (/^(inf|infinity)$/i.test(t)) return sign * Infinity;
  if (/^nan$/i.test(t)) return NaN;
  const u = t.replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, "");
  if (/^0[xX]/.test(t)) {
    if (u !== t && !/^0[xX]/.test(u)) return undefined;
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(u);
    if (!m || (m[1]! + (m[2] ?? "")).length === 0) return undefined;
    const mant = parseInt((m[1] || "0") + (m[2] ?? ""), 16);
    const v = sign * mant * 2 ** (Number(m[3]) - 4 * (m[2] ?? "").length);
    return Number.isFinite(v) ? v : undefined;
  }
  if (t !== u) return undefined; // underscores only with a base prefix
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) return undefined;
  const v = sign * Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function compileRe(pattern: string, f: string): ReturnType<typeof compileRegex> {
  try {
    return compileRegex(pattern);
  } catch (e) {
    throw fnErr(f, e instanceof Error ? e.message : String(e));
  }
}

// --------------------------------------------- regex replacement (Go regexp.ReplaceAll): RE2 syntax → JS RegExp


/** A (valid) RE2 pattern as a global JS RegExp (src/cel/k8s/regex.ts's translation), for the replacement functions. */
function re2ToJs(pattern: string, f: string): RegExp {
  const re = translateRE2(pattern);
  if (!re) throw fnErr(f, "this regular expression construct is not supported by this engine");
  return re;
}

/** Go's Regexp.Expand of a replacement template for one match. */
function expandTemplate(tpl: string, m: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c !== "$") {
      out += c;
      continue;
    }
    const rest = tpl.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    let len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    if (braced) {
      name = braced[1];
      len = braced[0].length;
    } else if (bare) {
      name = bare[0];
      len = bare[0].length;
    }
    if (name === undefined) {
      out += "$"; // malformed: the $ is literal
      continue;
    }
    i += len;
    if (/^[0-9]+$/.test(name)) {
      const n = Number(name);
      out += n < m.length ? (m[n] ?? "") : "";
    } else out += m.groups?.[name] ?? "";
  }
  return out;
}

/** regexp.ReplaceAll / ReplaceAllLiteral: leftmost-first matches; an empty match right after a match is skipped. */
function regexReplaceAll(re: RegExp, src: string, repl: string, literal: boolean): string {
  let out = "";
  let lastEnd = 0;
  let search = 0;
  while (search <= src.length) {
    re.lastIndex = search;
    const m = re.exec(src);
    if (!m) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += src.slice(lastEnd, a0);
    if (a1 > lastEnd || a0 === 0) out += literal ? repl : expandTemplate(repl, m);
    lastEnd = a1;
    const width = search < src.length ? String.fromCodePoint(src.codePointAt(search)!).length : 1;
    if (search + width > a1) search += width;
    else if (search + 1 > a1) search++;
    else search = a1;
  }
  return out + src.slice(lastEnd);
}

// --------------------------------------------- quantities and durations (Kyverno's arithmetic.go)

type QFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

interface Qty {
  value: bigint; // the quantity is value × 10^exp
  exp: number;
  format: QFormat;
}

function quantityFormat(s: string): QFormat {
  if (s === "0") return "DecimalSI";
  const suffix = s.replace(/^[+-]?[0-9.]*/, "");
  if (["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].includes(suffix)) return "BinarySI";
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) return "DecimalExponent";
  return "DecimalSI";
}

function parseQty(s: string): Qty | undefined {
  let q: Quantity;
  try {
    q = parseQuantity(s);
  } catch {
    return undefined;
  }
  return { value: q.value, exp: q.exp, format: quantityFormat(s) };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** apimachinery Quantity.String (CanonicalizeBytes) for value × 10^exp in `format`. */
function canonicalQuantity(q: Qty): string {
  let { value, exp } = q;
  if (value === 0n) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    const whole = exp >= 0 ? value * pow10(exp) : value / pow10(-exp);
    const exact = exp >= 0 || whole * pow10(-exp) === value;
    if (!exact || (whole > -1024n && whole < 1024n)) format = "DecimalSI";
    else {
      let n = whole < 0n ? -whole : whole;
      let k = 0;
      while (n >= 1024n && n % 1024n === 0n) {
        n /= 1024n;
        k++;
      }
      const suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
      const num = (whole < 0n ? "-" : "") + n.toString();
      return suffix === undefined ? `${num}*2^${k * 10}` : num + suffix;
    }
  }
  const neg = value < 0n;
  let m = neg ? -value : value;
  while (m >= 10n && m % 10n === 0n) {
    m /= 10n;
    exp++;
  }
  while (exp % 3 !== 0) {
    m *= 10n;
    exp--;
  }
  const num = (neg ? "-" : "") + m.toString();
  if (format === "DecimalExponent") return exp === 0 ? num : `${num}e${exp}`;
  const DEC: Record<number, string> = { [-9]: "n", [-6]: "u", [-3]: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E" };
  const suffix = DEC[exp];
  return suffix === undefined ? `${num}e${exp}` : num + suffix;
}

const NS_PER_S = 1_000_000_000n;

/** time.Duration.String. */
export function goDurationString(d: bigint): string {
  if (d === 0n) return "0s";
  const neg = d < 0n;
  let u = neg ? -d : d;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let s = "";
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      print = print || digit !== 0n;
      if (print) s = digit.toString() + s;
      v /= 10n;
    }
    return [print ? "." + s : "", v];
  };
  let out: string;
  if (u < NS_PER_S) {
    let prec: number;
    let unit: string;
    if (u < 1000n) [prec, unit] = [0, "ns"];
    else if (u < 1_000_000n) [prec, unit] = [3, "µs"];
    else [prec, unit] = [6, "ms"];
    const [f, rest] = frac(u, prec);
    out = rest.toString() + f + unit;
  } else {
    const [f, secsAll] = frac(u, 9);
    u = secsAll;
    out = (u % 60n).toString() + f + "s";
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + "m" + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + "h" + out;
    }
  }
  return (neg ? "-" : "") + out;
}

/** time.Duration(f) for a float64 number of nanoseconds (truncation toward zero). */
const floatToDuration = (ns: number): bigint => BigInt(Math.trunc(Number.isFinite(ns) ? ns : 0));
const durSeconds = (d: bigint): number => Number(d / NS_PER_S) + Number(d % NS_PER_S) / 1e9;

type Operand = { k: "scalar"; v: number } | { k: "quantity"; q: Qty } | { k: "duration"; d: bigint };

function operand(f: string, v: Value): Operand {
  if (typeof v === "number") return { k: "scalar", v };
  if (typeof v === "string") {
    const q = parseQty(v);
    if (q) return { k: "quantity", q };
    try {
      return { k: "duration", d: parseDuration(v).ns };
    } catch {
      // not a duration either
    }
  }
  throw fnErr(f, "invalid operand");
}

function operands(f: string, args: Value[]): [Operand, Operand] {
  return [operand(f, args[0] ?? null), operand(f, args[1] ?? null)];
}

const mismatch = (f: string): JmesError => fnErr(f, "Types mismatch");

function addSub(a: Operand, b: Operand, f: string, sign: 1n | -1n): Value {
  if (a.k === "scalar" && b.k === "scalar") return sign === 1n ? a.v + b.v : a.v - b.v;
  if (a.k === "duration" && b.k === "duration") return goDurationString(a.d + sign * b.d);
  if (a.k === "quantity" && b.k === "quantity") {
    const e = Math.min(a.q.exp, b.q.exp);
    const value = a.q.value * pow10(a.q.exp - e) + sign * b.q.value * pow10(b.q.exp - e);
    return canonicalQuantity({ value, exp: e, format: a.q.value === 0n ? b.q.format : a.q.format });
  }
  throw mismatch(f);
}

/** fmt.Sprintf("%v", f) parsed as a quantity (Kyverno turns scalars into quantities that way). */
function scalarQty(f: number): Qty {
  const q = parseQty(goFloatG(f));
  if (!q) throw new JmesError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return q;
}

function multiply(a: Operand, b: Operand): Value {
  const f = "multiply";
  if (a.k === "scalar" && b.k === "scalar") return a.v * b.v;
  if (a.k === "scalar" && b.k !== "scalar") return multiply(b, a);
  if (a.k === "quantity" && b.k === "scalar") {
    const s = scalarQty(b.v);
    return canonicalQuantity({ value: a.q.value * s.value, exp: a.q.exp + s.exp, format: a.q.format });
  }
  if (a.k === "duration" && b.k === "scalar") return goDurationString(floatToDuration(durSeconds(a.d) * b.v * 1e9));
  throw mismatch(f);
}

function divide(a: Operand, b: Operand): Value {
  const f = "divide";
  const zero = fnErr(f, "Zero divisor passed");
  if (a.k === "scalar" && b.k === "scalar") {
    if (b.v === 0) throw zero;
    return a.v / b.v;
  }
  if (a.k === "quantity" && b.k === "quantity") {
    const divisor = approxFloat(b.q);
    if (divisor === 0) throw zero;
    return approxFloat(a.q) / divisor;
  }
  if (a.k === "quantity" && b.k === "scalar") {
    if (b.v === 0) throw zero;
    const s = scalarQty(b.v);
    // inf.Dec QuoRound(a, s, max(scales), RoundDown)
    const scale = Math.max(-a.q.exp, -s.exp);
    // a.value×10^a.exp / (s.value×10^s.exp) = unscaled × 10^-scale
    const shift = scale + a.q.exp - s.exp;
    const num = shift >= 0 ? a.q.value * pow10(shift) : a.q.value;
    const den = shift >= 0 ? s.value : s.value * pow10(-shift);
    return canonicalQuantity({ value: num / den, exp: -scale, format: a.q.format });
  }
  if (a.k === "duration" && b.k === "duration") {
    if (durSeconds(b.d) === 0) throw zero;
    return durSeconds(a.d) / durSeconds(b.d);
  }
  if (a.k === "duration" && b.k === "scalar") {
    if (b.v === 0) throw zero;
    return goDurationString(floatToDuration((durSeconds(a.d) / b.v) * 1e9));
  }
  throw mismatch(f);
}

function modulo(a: Operand, b: Operand): Value {
  const f = "modulo";
  const nonInt = fnErr(f, "Non-integer argument(s) passed for modulo");
  const zero = fnErr(f, "Zero divisor passed");
  if (a.k === "scalar" && b.k === "scalar") {
    if (!Number.isInteger(a.v) || !Number.isInteger(b.v)) throw nonInt;
    if (b.v === 0) throw zero;
    return Number(BigInt(a.v) % BigInt(b.v));
  }
  if (a.k === "quantity" && b.k === "quantity") {
    const fa = approxFloat(a.q);
    const fb = approxFloat(b.q);
    if (!Number.isInteger(fa) || !Number.isInteger(fb)) throw nonInt;
    if (fb === 0) throw zero;
    return canonicalQuantity({ value: BigInt(fa) % BigInt(fb), exp: 0, format: a.q.format });
  }
  if (a.k === "duration" && b.k === "duration") {
    if (b.d === 0n) throw zero;
    return goDurationString(a.d % b.d);
  }
  throw mismatch(f);
}

/** Quantity.AsApproximateFloat64. */
const approxFloat = (q: Qty): number => (q.exp === 0 ? Number(q.value) : Number(q.value) * goPow10(q.exp));

// --------------------------------------------- time (Kyverno's time.go)

interface GoTime {
  /** Nanoseconds since the Unix epoch. */
  ns: bigint;
  /** Zone offset in seconds east of UTC (the zone the time was parsed in). */
  offset: number;
}

const RFC3339_LAYOUT = "2006-01-02T15:04:05Z07:00";

const floorDivBig = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

function localFields(t: GoTime): { y: number; mo: number; d: number; h: number; mi: number; s: number; wd: number; nanos: number } {
  const local = t.ns + BigInt(t.offset) * NS_PER_S;
  const secs = floorDivBig(local, NS_PER_S);
  const nanos = Number(local - secs * NS_PER_S);
  const days = Number(floorDivBig(secs, 86400n));
  const sod = Number(secs - BigInt(days) * 86400n);
  const { y, m, d } = civilFromDays(days);
  return { y, mo: m, d, h: Math.floor(sod / 3600), mi: Math.floor(sod / 60) % 60, s: sod % 60, wd: (((days + 4) % 7) + 7) % 7, nanos };
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, "0");

/** t.Format(time.RFC3339). */
function formatRFC3339(t: GoTime): string {
  const f = localFields(t);
  let zone = "Z";
  if (t.offset !== 0) {
    const o = Math.abs(t.offset);
    zone = `${t.offset < 0 ? "-" : "+"}${pad(Math.floor(o / 3600), 2)}:${pad(Math.floor(o / 60) % 60, 2)}`;
  }
  return `${f.y < 0 ? "-" : ""}${pad(f.y, 4)}-${pad(f.mo, 2)}-${pad(f.d, 2)}T${pad(f.h, 2)}:${pad(f.mi, 2)}:${pad(f.s, 2)}${zone}`;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const STD_TOKENS = [
  "January",
  "Jan",
  "Monday",
  "Mon",
  "MST",
  "2006",
  "002",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "15",
  "_2",
  "1",
  "2",
  "3",
  "4",
  "5",
  "PM",
  "pm",
  "Z07:00:00",
  "Z070000",
  "Z07:00",
  "Z0700",
  "Z07",
  "-07:00:00",
  "-070000",
  "-07:00",
  "-0700",
  "-07",
];

/** time.Parse(layout, value) for the common Go layout elements (numeric dates, month/day names, zones). */
function parseGoTime(layout: string, value: string): GoTime {
  let elem = "";
  const q = JSON.stringify;
  const bad = (what: string): JmesError => new JmesError(`parsing time ${q(value)} as ${q(layout)}: cannot parse ${q(what)} as ${q(elem)}`);
  let y = 1;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset = 0;
  let v = value;
  let l = layout;
  const num = (min: number, max: number): number => {
    const m = new RegExp(`^[0-9]{${min},${max}}`).exec(v);
    if (!m) throw bad(v);
    v = v.slice(m[0].length);
    return Number(m[0]);
  };
  const fraction = (): void => {
    const m = /^[.,]([0-9]+)/.exec(v);
    if (m) {
      nanos = Number((m[1]! + "000000000").slice(0, 9));
      v = v.slice(m[0].length);
    }
  };
  while (l.length > 0) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(l);
    if (frac) {
      l = l.slice(frac[0].length);
      elem = frac[0];
      if (frac[1]![0] === "0") {
        const m = new RegExp(`^[.,]([0-9]{${frac[1]!.length}})`).exec(v);
        if (!m) throw bad(v);
        nanos = Number((m[1]! + "000000000").slice(0, 9));
        v = v.slice(m[0].length);
      } else fraction();
      continue;
    }
    const tok = STD_TOKENS.find((t) => l.startsWith(t) && !(t === "1" && l.startsWith("15")) && !(t === "2" && l.startsWith("2006")));
    if (!tok) {
      elem = l.slice(0, l.search(/[0-9A-Za-z_.,+-]|$/) || 1);
      if (v[0] !== l[0]) throw bad(v);
      v = v.slice(1);
      l = l.slice(1);
      continue;
    }
    l = l.slice(tok.length);
    elem = tok;
    switch (tok) {
      case "2006":
        y = num(4, 4);
        break;
      case "06":
        y = num(2, 2);
        y += y >= 69 ? 1900 : 2000;
        break;
      case "01":
        mo = num(2, 2);
        break;
      case "1":
        mo = num(1, 2);
        break;
      case "02":
        d = num(2, 2);
        break;
      case "2":
        d = num(1, 2);
        break;
      case "_2":
        if (v[0] === " ") v = v.slice(1);
        d = num(1, 2);
        break;
      case "002":
        num(3, 3);
        break;
      case "15":
        h = num(1, 2);
        break;
      case "03":
        h = num(2, 2);
        break;
      case "3":
        h = num(1, 2);
        break;
      case "04":
        mi = num(2, 2);
        break;
      case "4":
        mi = num(1, 2);
        break;
      case "05":
      case "5":
        s = num(tok === "05" ? 2 : 1, 2);
        if (!/^[.,](0+|9+)(?![0-9])/.test(l)) fraction();
        break;
      case "PM":
      case "pm": {
        const m = /^(AM|PM|am|pm)/.exec(v);
        if (!m) throw bad(v);
        pm = m[1]!.toUpperCase() === "PM";
        v = v.slice(2);
        break;
      }
      case "January":
      case "Jan": {
        const i = MONTHS.findIndex((n) => v.toLowerCase().startsWith((tok === "Jan" ? n.slice(0, 3) : n).toLowerCase()));
        if (i < 0) throw bad(v);
        mo = i + 1;
        v = v.slice(tok === "Jan" ? 3 : MONTHS[i]!.length);
        break;
      }
      case "Monday":
      case "Mon": {
        const i = DAYS.findIndex((n) => v.toLowerCase().startsWith((tok === "Mon" ? n.slice(0, 3) : n).toLowerCase()));
        if (i < 0) throw bad(v);
        v = v.slice(tok === "Mon" ? 3 : DAYS[i]!.length);
        break;
      }
      case "MST": {
        const m = /^[A-Z]{3,5}/.exec(v);
        if (!m) throw bad(v);
        v = v.slice(m[0].length);
        break;
      }
      default: {
        // zone offsets; a Z... layout also accepts "Z"
        if (tok.startsWith("Z") && v[0] === "Z") {
          v = v.slice(1);
          offset = 0;
          break;
        }
        const colon = tok.includes(":");
        const withSec = tok.endsWith("0000") || tok.endsWith(":00:00");
        const hoursOnly = tok.endsWith("07");
        const sep = colon ? ":" : "";
        const re = new RegExp(`^([+-])([0-9]{2})${hoursOnly ? "" : `${sep}([0-9]{2})`}${withSec ? `${sep}([0-9]{2})` : ""}`);
        const m = re.exec(v);
        if (!m) throw bad(v);
        offset = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
        v = v.slice(m[0].length);
      }
    }
  }
  if (v.length > 0) throw new JmesError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`);
  if (pm !== undefined) {
    if (h > 12) throw new JmesError(`parsing time ${JSON.stringify(value)}: hour out of range`);
    if (pm && h < 12) h += 12;
    else if (!pm && h === 12) h = 0;
  }
  const dim = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12) throw new JmesError(`parsing time ${JSON.stringify(value)}: month out of range`);
  if (d < 1 || d > dim[mo - 1]!) throw new JmesError(`parsing time ${JSON.stringify(value)}: day out of range`);
  if (h > 23) throw new JmesError(`parsing time ${JSON.stringify(value)}: hour out of range`);
  if (mi > 59) throw new JmesError(`parsing time ${JSON.stringify(value)}: minute out of range`);
  if (s > 59) throw new JmesError(`parsing time ${JSON.stringify(value)}: second out of range`);
  const secs = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offset);
  return { ns: secs * NS_PER_S + BigInt(nanos), offset };
}

const nowTime = (env: Env): GoTime => ({ ns: BigInt(env.now().getTime()) * 1_000_000n, offset: 0 });

function timeArg(f: string, args: Value[], i: number): GoTime {
  return parseGoTime(RFC3339_LAYOUT, argString(f, args, i));
}

function durationArg(f: string, args: Value[], i: number): bigint {
  const s = argString(f, args, i);
  try {
    return parseDuration(s).ns;
  } catch (e) {
    throw new JmesError(e instanceof Error ? e.message : String(e));
  }
}

/** Go's time.Truncate: round down to a multiple of d since the zero time (January 1, year 1, UTC). */
function truncateTime(t: GoTime, d: bigint): GoTime {
  if (d <= 0n) return t;
  const ZERO_OFFSET = 62135596800n * NS_PER_S; // Unix epoch − year 1, in ns
  const abs = t.ns + ZERO_OFFSET;
  const r = ((abs % d) + d) % d;
  return { ns: t.ns - r, offset: t.offset };
}

// --------------------------------------------- base64, paths, images

const B64 = /^[A-Za-z0-9+/]*$/;

/** base64.StdEncoding.DecodeString (CR and LF ignored, padding required). */
function base64DecodeStd(s: string): string {
  const clean = s.replace(/[\r\n]/g, "");
  const body = clean.replace(/={1,2}$/, "");
  for (let i = 0; i < body.length; i++) if (!B64.test(body[i]!)) throw new JmesError(`illegal base64 data at input byte ${i}`);
  if (clean.length % 4 !== 0 || body.length % 4 === 1)
    throw new JmesError(`illegal base64 data at input byte ${Math.max(0, body.length - (body.length % 4))}`);
  return new TextDecoder("utf-8").decode(Buffer.from(body, "base64"));
}

/** path.Clean (filepath.Join of one element on Linux). */
function goCleanPath(p: string): string {
  if (p === "") return "";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** Kyverno's image information (pkg/utils/image ImageInfo), as its JSON form. */
export interface ImageInfo {
  registry?: string;
  name: string;
  path: string;
  tag?: string;
  digest?: string;
  reference?: string;
  referenceWithTag?: string;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const NAME = `(?:${DOMAIN}/)?${REMOTE_NAME}`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${DOMAIN})/)?(${REMOTE_NAME})$`);
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** distribution/reference.Parse + Kyverno's GetImageInfo (default registry docker.io, registry mutation on). */
export function parseImageInfo(image: string): ImageInfo {
  const i = image.indexOf("/");
  const first = i < 0 ? "" : image.slice(0, i);
  const full = i === -1 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first) ? `docker.io/${image}` : image;
  const bad = (why: string): JmesError =>
    new JmesError(`bad image: ${full}, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: ${why}`);
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (full === "") throw bad("repository name must have at least one component");
    if (REFERENCE_RE.test(full.toLowerCase())) throw bad("invalid reference format: repository name must be lowercase");
    throw bad("invalid reference format");
  }
  if (m[1]!.length > 255) throw bad("repository name must not be more than 255 characters");
  const nm = ANCHORED_NAME_RE.exec(m[1]!);
  const registry = nm ? (nm[1] ?? "") : "";
  const path = nm ? nm[2]! : m[1]!;
  let tag = m[2] ?? "";
  const digest = m[3] ?? "";
  if (digest) {
    const [alg, hex] = digest.split(":") as [string, string];
    const want = DIGEST_LENGTHS[alg];
    if (want === undefined) throw bad("unsupported digest algorithm");
    if (hex.length !== want || /[A-F]/.test(hex)) throw bad("invalid checksum digest format");
  }
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (!digest && !tag) tag = "latest";
  const referenceWithTag = registry ? `${registry}/${path}:${tag}` : `${path}:${tag}`;
  const base = registry ? `${registry}/${path}` : path;
  const reference = digest ? `${base}@${digest}` : `${base}:${tag}`;
  const info: ImageInfo = { name, path };
  let reg = registry;
  let p = path;
  const parts = path.split("/");
  if (parts.length > 1 && reg === "" && parts[0]!.includes("_")) {
    reg = parts[0]!;
    p = parts.slice(1).join("/");
  }
  if (reg) info.registry = reg;
  info.path = p;
  if (tag) info.tag = tag;
  if (digest) info.digest = digest;
  info.reference = reference;
  info.referenceWithTag = referenceWithTag;
  return info;
}

// --------------------------------------------- the function table

const str = (args: Value[], i: number): string => args[i] as string;
const num = (args: Value[], i: number): number => args[i] as number;

/** Order of two numbers, or of two strings (byte-wise). */
const orderedCmp = (a: Value, b: Value, numeric: boolean): number =>
  numeric ? Math.sign((a as number) - (b as number)) : goStringCompare(a as string, b as string);

function maxMin(arg: Value, pickGreater: boolean): Value {
  const arr = arg as JsonValue[];
  if (arr.length === 0) return null;
  let best: JsonValue = arr[0]!;
  const numeric = arr.every((x) => typeof x === "number");
  for (const x of arr.slice(1)) {
    if (orderedCmp(x, best, numeric) * (pickGreater ? 1 : -1) > 0) best = x;
  }
  return best;
}

function byExpr(args: Value[], env: Env, pickGreater: boolean): Value {
  const arr = args[0] as JsonValue[];
  const ref = args[1] as ExpRef;
  if (arr.length === 0) return null;
  if (arr.length === 1) return arr[0]!;
  const start = tolerant(ref.node, arr[0]!, env);
  const kind = typeof start;
  if (kind !== "number" && kind !== "string") throw new JmesError("invalid type, must be number of string");
  let bestVal = start as number | string;
  let bestItem: JsonValue = arr[0]!;
  for (const item of arr.slice(1)) {
    const cur = tolerant(ref.node, item, env);
    if (typeof cur !== kind) throw new JmesError(`invalid type, must be ${kind}`);
    if (orderedCmp(cur, bestVal, kind === "number") * (pickGreater ? 1 : -1) > 0) {
      bestVal = cur as number | string;
      bestItem = item;
    }
  }
  return bestItem;
}

function unsupported(name: string): FnEntry["handler"] {
  return () => {
    throw fnErr(name, "not supported by this engine");
  };
}

const S: ArgSpec = { types: ["string"] };
const N: ArgSpec = { types: ["number"] };
const A: ArgSpec = { types: ["any"] };
const SN: ArgSpec = { types: ["string", "number"] };

const FUNCTIONS = new Map<string, FnEntry>([
  // ---- go-jmespath built-ins
  [
    "length",
    {
      args: [{ types: ["string", "array", "object"] }],
      handler: ([a]) => (typeof a === "string" ? [...a].length : isArray(a) ? a.length : Object.keys(a as JsonObject).length),
    },
  ],
  ["starts_with", { args: [S, S], handler: (a) => str(a, 0).startsWith(str(a, 1)) }],
  ["ends_with", { args: [S, S], handler: (a) => str(a, 0).endsWith(str(a, 1)) }],
  ["abs", { args: [N], handler: (a) => Math.abs(num(a, 0)) }],
  ["avg", { args: [{ types: ["array[number]"] }], handler: ([a]) => (a as number[]).reduce((x, y) => x + y, 0) / (a as number[]).length }],
  ["ceil", { args: [N], handler: (a) => Math.ceil(num(a, 0)) }],
  ["floor", { args: [N], handler: (a) => Math.floor(num(a, 0)) }],
  [
    "contains",
    {
      args: [{ types: ["array", "string"] }, A],
      handler: ([search, el]) => {
        if (typeof search === "string") return typeof el === "string" ? search.includes(el) : false;
        for (const item of search as JsonValue[]) {
          // Go's interface ==: equal dynamic type and value; maps/slices of the same kind panic
          if ((isArray(item) && isArray(el)) || (isObject(item) && isObject(el)))
            throw new JmesError(`runtime error: comparing uncomparable type ${isArray(el) ? "[]interface {}" : "map[string]interface {}"}`);
          if (item === el) return true;
        }
        return false;
      },
    },
  ],
  [
    "map",
    {
      args: [{ types: ["expref"] }, { types: ["array"] }],
      hasExpRef: true,
      handler: ([ref, arr], env) => (arr as JsonValue[]).map((v) => toJson(tolerant((ref as ExpRef).node, v, env))),
    },
  ],
  ["max", { args: [{ types: ["array[number]", "array[string]"] }], handler: ([a]) => maxMin(a!, true) }],
  ["min", { args: [{ types: ["array[number]", "array[string]"] }], handler: ([a]) => maxMin(a!, false) }],
  ["max_by", { args: [{ types: ["array"] }, { types: ["expref"] }], hasExpRef: true, handler: (a, env) => byExpr(a, env, true) }],
  ["min_by", { args: [{ types: ["array"] }, { types: ["expref"] }], hasExpRef: true, handler: (a, env) => byExpr(a, env, false) }],
  [
    "merge",
    {
      args: [{ types: ["object"], variadic: true }],
      handler: (args) => {
        const out: JsonObject = {};
        for (const m of args) {
          if (!isObject(m)) throw new JmesError(`interface conversion: interface {} is not map[string]interface {}`);
          Object.assign(out, m);
        }
        return out;
      },
    },
  ],
  [
    "type",
    {
      args: [A],
      handler: ([a]) => {
        if (a === null) return "null";
        if (typeof a === "number" || typeof a === "string" || typeof a === "boolean") return typeof a;
        return isArray(a) ? "array" : "object";
      },
    },
  ],
  ["keys", { args: [{ types: ["object"] }], handler: ([a]) => Object.keys(a as JsonObject) }],
  ["values", { args: [{ types: ["object"] }], handler: ([a]) => Object.values(a as JsonObject) }],
  [
    "sort",
    {
      args: [{ types: ["array[string]", "array[number]"] }],
      handler: ([a]) => {
        const arr = [...(a as JsonValue[])];
        if (arr.every((x) => typeof x === "number")) return (arr as number[]).sort((x, y) => x - y);
        return (arr as string[]).sort(goStringCompare);
      },
    },
  ],
  [
    "sort_by",
    {
      args: [{ types: ["array"] }, { types: ["expref"] }],
      hasExpRef: true,
      handler: ([arr, ref], env) => {
        const items = arr as JsonValue[];
        if (items.length <= 1) return items;
        const node = (ref as ExpRef).node;
        const start = tolerant(node, items[0]!, env);
        const kind = typeof start;
        if (kind !== "number" && kind !== "string") throw new JmesError("invalid type, must be number of string");
        const keyed = items.map((item) => ({ item, key: tolerant(node, item, env) }));
        if (keyed.some((k) => typeof k.key !== kind)) throw new JmesError("error in sort_by comparison");
        keyed.sort((x, y) => (kind === "number" ? (x.key as number) - (y.key as number) : goStringCompare(x.key as string, y.key as string)));
        return keyed.map((k) => k.item);
      },
    },
  ],
  ["join", { args: [S, { types: ["array[string]"] }], handler: ([sep, arr]) => (arr as string[]).join(sep as string) }],
  [
    "reverse",
    {
      args: [{ types: ["array", "string"] }],
      handler: ([a]) => (typeof a === "string" ? [...a].reverse().join("") : [...(a as JsonValue[])].reverse()),
    },
  ],
  ["to_array", { args: [A], handler: ([a]) => (isArray(a) ? a : [toJson(a!)]) }],
  ["to_string", { args: [A], handler: ([a]) => (typeof a === "string" ? a : goJsonMarshal(toJson(a!))) }],
  [
    "to_number",
    {
      args: [A],
      handler: ([a]) => {
        if (typeof a === "number") return a;
        if (typeof a === "string") return goParseFloat(a) ?? null;
        return null;
      },
    },
  ],
  ["not_null", { args: [{ types: ["any"], variadic: true }], handler: (args) => args.find((a) => a !== null) ?? null }],

  // ---- Kyverno's functions (pkg/engine/jmespath/functions.go, arithmetic.go, time.go)
  [
    "compare",
    {
      args: [S, S],
      handler: (a) => goStringCompare(argString("compare", a, 0), argString("compare", a, 1)),
    },
  ],
  ["equal_fold", { args: [S, S], handler: (a) => argString("equal_fold", a, 0).toLowerCase() === argString("equal_fold", a, 1).toLowerCase() }],
  [
    "replace",
    {
      args: [S, S, S, N],
      handler: (a) => {
        const f = "replace";
        const [s, from, to, n] = [argString(f, a, 0), argString(f, a, 1), argString(f, a, 2), Math.trunc(argNumber(f, a, 3))];
        return goStringsReplace(s, from, to, n);
      },
    },
  ],
  [
    "replace_all",
    {
      args: [S, S, S],
      handler: (a) => goStringsReplace(argString("replace_all", a, 0), argString("replace_all", a, 1), argString("replace_all", a, 2), -1),
    },
  ],
  ["to_upper", { args: [S], handler: (a) => argString("to_upper", a, 0).toUpperCase() }],
  ["to_lower", { args: [S], handler: (a) => argString("to_lower", a, 0).toLowerCase() }],
  [
    "trim",
    {
      args: [S, S],
      handler: (a) => {
        const s = [...argString("trim", a, 0)];
        const cut = new Set([...argString("trim", a, 1)]);
        let i = 0;
        let j = s.length;
        while (i < j && cut.has(s[i]!)) i++;
        while (j > i && cut.has(s[j - 1]!)) j--;
        return s.slice(i, j).join("");
      },
    },
  ],
  [
    "trim_prefix",
    {
      args: [S, S],
      handler: (a) => {
        const s = argString("trim_prefix", a, 0);
        const p = argString("trim_prefix", a, 1);
        return s.startsWith(p) ? s.slice(p.length) : s;
      },
    },
  ],
  [
    "split",
    {
      args: [S, S],
      handler: (a) => {
        const s = argString("split", a, 0);
        const sep = argString("split", a, 1);
        return sep === "" ? [...s] : s.split(sep);
      },
    },
  ],
  ["regex_replace_all", { args: [S, SN, SN], handler: (a) => regexReplaceFn("regex_replace_all", a, false) }],
  ["regex_replace_all_literal", { args: [S, SN, SN], handler: (a) => regexReplaceFn("regex_replace_all_literal", a, true) }],
  [
    "regex_match",
    {
      args: [S, SN],
      handler: (a) => {
        const f = "regex_match";
        const re = argString(f, a, 0);
        const src = ifaceToString(a[1]!);
        if (src === undefined) throw argTypeErr(f, 2, "String or Real");
        return compileRe(re, f).test(src);
      },
    },
  ],
  [
    "pattern_match",
    {
      args: [S, SN],
      handler: (a) => {
        const f = "pattern_match";
        const p = argString(f, a, 0);
        const src = ifaceToString(a[1]!);
        if (src === undefined) throw argTypeErr(f, 2, "String or Real");
        return wildcardMatch(p, src);
      },
    },
  ],
  [
    "label_match",
    {
      args: [{ types: ["object"] }, { types: ["object"] }],
      handler: ([labels, match]) => {
        const l = labels as JsonObject;
        const m = match as JsonObject;
        return Object.keys(l).every((k) => Object.hasOwn(m, k) && deepEqual(m[k]!, l[k]!));
      },
    },
  ],
  [
    "to_boolean",
    {
      args: [S],
      handler: (a) => {
        const s = argString("to_boolean", a, 0);
        const low = s.toLowerCase();
        if (low === "true") return true;
        if (low === "false") return false;
        throw fnErr("to_boolean", `lowercase argument must be 'true' or 'false' (provided: '${s}')`);
      },
    },
  ],
  ["add", { args: [A, A], handler: (a) => addSub(...operands("add", a), "add", 1n) }],
  ["subtract", { args: [A, A], handler: (a) => addSub(...operands("subtract", a), "subtract", -1n) }],
  ["multiply", { args: [A, A], handler: (a) => multiply(...operands("multiply", a)) }],
  ["divide", { args: [A, A], handler: (a) => divide(...operands("divide", a)) }],
  ["modulo", { args: [A, A], handler: (a) => modulo(...operands("modulo", a)) }],
  [
    "sum",
    {
      args: [{ types: ["array"] }],
      handler: ([arr]) => {
        const items = arr as JsonValue[];
        if (items.length === 0) throw fnErr("sum", "at least one element in the array is required");
        let acc: Value = items[0]!;
        for (const item of items.slice(1)) acc = addSub(operand("sum", acc), operand("sum", item), "sum", 1n);
        return acc;
      },
    },
  ],
  [
    "round",
    {
      args: [N, N],
      handler: (a) => {
        const f = "round";
        const x = argNumber(f, a, 0);
        let n: number;
        try {
          n = intNumber(argNumber(f, a, 1));
        } catch {
          throw fnErr(f, "Non-integer argument(s) passed for round off");
        }
        // Kyverno formats argOutOfBoundsError without its two numbers
        if (n < 0) throw fnErr(f, "%!d(MISSING) argument is out of bounds (%!d(MISSING))");
        const shift = 10 ** n;
        return goRound(x * shift) / shift;
      },
    },
  ],
  ["base64_decode", { args: [S], handler: (a) => base64DecodeStd(argString("base64_decode", a, 0)) }],
  ["base64_encode", { args: [S], handler: (a) => Buffer.from(argString("base64_encode", a, 0), "utf8").toString("base64") }],
  [
    "time_since",
    {
      args: [S, S, S],
      handler: (a, env) => {
        const f = "time_since";
        const layout = argString(f, a, 0) || RFC3339_LAYOUT;
        const t1 = parseGoTime(layout, argString(f, a, 1));
        const s2 = argString(f, a, 2);
        const t2 = s2 === "" ? nowTime(env) : parseGoTime(layout, s2);
        return goDurationString(t2.ns - t1.ns);
      },
    },
  ],
  ["time_now", { args: [], handler: (_a, env) => formatRFC3339(nowTime(env)) }],
  ["time_now_utc", { args: [], handler: (_a, env) => formatRFC3339(nowTime(env)) }],
  [
    "time_to_cron",
    {
      args: [S],
      handler: (a) => {
        const t = localFields(timeArg("time_to_cron", a, 0));
        return `${t.mi} ${t.h} ${t.d} ${t.mo} ${t.wd}`;
      },
    },
  ],
  [
    "time_add",
    {
      args: [S, S],
      handler: (a) => {
        const t = timeArg("time_to_cron", a, 0);
        return formatRFC3339({ ns: t.ns + durationArg("time_to_cron", a, 1), offset: t.offset });
      },
    },
  ],
  [
    "time_parse",
    {
      args: [S, S],
      handler: (a) => {
        const f = "time_parse";
        const layout = argString(f, a, 0);
        const ts = argString(f, a, 1);
        if (/^[+-]?[0-9]+$/.test(layout)) {
          if (!/^[+-]?[0-9]+$/.test(ts)) throw new JmesError(`strconv.ParseInt: parsing ${JSON.stringify(ts)}: invalid syntax`);
          return formatRFC3339({ ns: BigInt(ts) * NS_PER_S, offset: 0 });
        }
        return formatRFC3339(parseGoTime(layout, ts));
      },
    },
  ],
  ["time_utc", { args: [S], handler: (a) => formatRFC3339({ ns: timeArg("time_utc", a, 0).ns, offset: 0 }) }],
  ["time_diff", { args: [S, S], handler: (a) => goDurationString(timeArg("time_diff", a, 1).ns - timeArg("time_diff", a, 0).ns) }],
  ["time_before", { args: [S, S], handler: (a) => timeArg("time_before", a, 0).ns < timeArg("time_before", a, 1).ns }],
  ["time_after", { args: [S, S], handler: (a) => timeArg("time_after", a, 0).ns > timeArg("time_after", a, 1).ns }],
  [
    "time_between",
    {
      args: [S, S, S],
      handler: (a) => {
        const t = timeArg("time_between", a, 0).ns;
        return t > timeArg("time_between", a, 1).ns && t < timeArg("time_between", a, 2).ns;
      },
    },
  ],
  [
    "time_truncate",
    {
      args: [S, S],
      handler: (a) => formatRFC3339(truncateTime(timeArg("time_truncate", a, 0), durationArg("time_truncate", a, 1))),
    },
  ],
  ["path_canonicalize", { args: [S], handler: (a) => goCleanPath(argString("path_canonicalize", a, 0)) }],
  [
    "truncate",
    {
      args: [S, N],
      handler: (a) => {
        const s = argString("truncate", a, 0);
        const n = Math.trunc(Math.max(0, argNumber("truncate", a, 1)));
        const cps = [...s];
        return cps.length > n ? cps.slice(0, n).join("") : s;
      },
    },
  ],
  [
    "parse_json",
    {
      args: [S],
      handler: (a) => {
        const s = argString("parse_json", a, 0);
        try {
          return JSON.parse(s) as JsonValue;
        } catch {
          throw new JmesError(goJsonDecodeError(s));
        }
      },
    },
  ],
  [
    "parse_yaml",
    {
      args: [S],
      handler: (a) => {
        try {
          // YAML 1.1 as go-yaml v2; timestamps stay strings
          const doc: unknown = parseYamlText(argString("parse_yaml", a, 0), {
            version: "1.1",
            customTags: (tags) => tags.filter((t) => typeof t === "string" || t.tag !== "tag:yaml.org,2002:timestamp"),
          });
          return toPlainJson(doc);
        } catch (e) {
          if (e instanceof JmesError) throw e;
          throw new JmesError(`error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    },
  ],
  [
    "lookup",
    {
      args: [{ types: ["object", "array"] }, SN],
      handler: ([input, key]) => {
        const f = "lookup";
        if (isObject(input)) {
          if (typeof key !== "string") throw argTypeErr(f, 2, "String");
          return Object.hasOwn(input, key) ? input[key]! : null;
        }
        if (typeof key !== "number") throw argTypeErr(f, 2, "Number");
        let k: number;
        try {
          k = intNumber(key);
        } catch (e) {
          throw new JmesError(`JMESPath function '${f}': argument #2: ${(e as Error).message}`);
        }
        const arr = input as JsonValue[];
        return k < 0 || k > arr.length - 1 ? null : arr[k]!;
      },
    },
  ],
  [
    "items",
    {
      args: [{ types: ["object", "array"] }, S, S],
      handler: ([input, k, v]) => {
        const [kn, vn] = [k as string, v as string];
        if (isObject(input))
          return Object.keys(input)
            .sort(goStringCompare)
            .map((key) => ({ [kn]: key, [vn]: input[key]! }));
        return (input as JsonValue[]).map((value, i) => ({ [kn]: i, [vn]: value }));
      },
    },
  ],
  [
    "object_from_lists",
    {
      args: [{ types: ["array"] }, { types: ["array"] }],
      handler: ([keys, values]) => {
        const out: JsonObject = {};
        const vals = values as JsonValue[];
        (keys as JsonValue[]).forEach((k, i) => {
          const key = ifaceToString(k);
          if (key === undefined) throw argTypeErr("object_from_lists", 1, "StringArray");
          out[key] = i < vals.length ? vals[i]! : null;
        });
        return out;
      },
    },
  ],
  [
    "image_normalize",
    {
      args: [S],
      handler: (a) => {
        const info = parseImageInfo(argString("image_normalize", a, 0));
        const base = info.registry ? `${info.registry}/${info.path}` : info.path;
        return info.digest ? `${base}@${info.digest}` : `${base}:${info.tag ?? ""}`;
      },
    },
  ],
  ["sha256", { args: [S], handler: (a) => createHash("sha256").update(argString("sha256", a, 0), "utf8").digest("hex") }],
  ["sha1", { args: [S], handler: (a) => createHash("sha1").update(argString("sha1", a, 0), "utf8").digest("hex") }],
  ["md5", { args: [S], handler: (a) => createHash("md5").update(argString("md5", a, 0), "utf8").digest("hex") }],
  // Known to Kyverno, deliberately not reproduced here (non-deterministic, network or X.509/semver machinery).
  ["semver_compare", { args: [S, S], handler: unsupported("semver_compare") }],
  ["random", { args: [S], handler: unsupported("random") }],
  ["x509_decode", { args: [S], handler: unsupported("x509_decode") }],
  ["is_external_url", { args: [S], handler: unsupported("is_external_url") }],
]);

/** Functions Kyverno registers that this engine reports as unsupported when called. */
export const UNSUPPORTED_FUNCTIONS: readonly string[] = ["semver_compare", "random", "x509_decode", "is_external_url"];

/** Every function name Kyverno's JMESPath knows (go-jmespath built-ins plus Kyverno's). */
export const FUNCTION_NAMES: readonly string[] = [...FUNCTIONS.keys()].sort();

function goStringsReplace(s: string, from: string, to: string, n: number): string {
  if (from === to || n === 0) return s;
  if (from === "") {
    // strings.Replace with an empty old string inserts `to` around every rune
    const cps = [...s];
    let out = "";
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (n < 0 || done < n) {
        out += to;
        done++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (n < 0) return s.split(from).join(to);
  let out = "";
  let rest = s;
  for (let k = 0; k < n; k++) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
  }
  return out + rest;
}

function regexReplaceFn(f: string, a: Value[], literal: boolean): string {
  const pattern = argString(f, a, 0);
  const src = ifaceToString(a[1]!);
  if (src === undefined) throw argTypeErr(f, 2, "String or Real");
  const repl = ifaceToString(a[2]!);
  if (repl === undefined) throw argTypeErr(f, 3, "String or Real");
  compileRe(pattern, f); // RE2 validity and its error text
  return regexReplaceAll(re2ToJs(pattern, f), src, repl, literal);
}

function toPlainJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString().replace(".000Z", "Z");
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (v instanceof Map) {
    const out: JsonObject = {};
    for (const [k, x] of v) out[String(k)] = toPlainJson(x);
    return out;
  }
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toPlainJson(x);
    return out;
  }
  throw new JmesError(`unsupported YAML value of type ${typeof v}`);
}
