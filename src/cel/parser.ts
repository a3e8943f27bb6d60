// CEL parser: recursive descent over the lexer's tokens (src/cel/lexer.ts) producing the AST of src/cel/ast.ts the
// way cel-go 0.26 does — operator call names, `&&`/`||` chains balanced like cel-go's balancer, negative number
// literals folded (`-9223372036854775808`), even runs of `!`/`-` elided, reserved identifiers rejected, optional
// syntax (`.?`, `[?]`, `?e` entries), message construction, and macro expansion (standard macros, two-variable
// comprehensions, optMap/optFlatMap, lists sortBy) with cel-go's accumulator `@result` and error texts. Nesting
// and left-recursive chains are bounded like cel-go's maxRecursionDepth (250) instead of overflowing the stack.
import {
  CelCompileError,
  locate,
  type Comprehension,
  type CreateStruct,
  type Expr,
  type MapEntry,
  type ParsedExpr,
  type StructField,
} from "./ast.js";
import { LexError, Tok, tokenize, type Token, type TokKind } from "./lexer.js";
import { CelUint, type Value } from "./values.js";

export interface ParseOptions {
  /** cel-go `MaxRecursionDepth` (default 250): nesting depth and length of left-recursive chains. */
  maxRecursionDepth?: number;
  /** Accept backquoted field names (`a.\`b-c\``, `Msg{\`in\`: 1}`). Default true. */
  identEscapes?: boolean;
  /** Macro names to expand (see MACRO_NAMES). Default: all. Others stay ordinary calls. */
  macros?: ReadonlySet<string>;
}

/** Every macro this parser knows (global `has`; the rest receiver-style). */
export const MACRO_NAMES: readonly string[] = [
  "has",
  "all",
  "exists",
  "exists_one",
  "existsOne",
  "map",
  "filter",
  "transformList",
  "transformMap",
  "transformMapEntry",
  "optMap",
  "optFlatMap",
  "sortBy",
];

/** Accumulator variable of macro comprehensions (cel-go HiddenAccumulatorName). */
export const ACCUMULATOR = "@result";
/** The legacy accumulator name, also refused as an iteration variable. */
const LEGACY_ACCUMULATOR = "__result__";
const UNUSED_ITER_VAR = "#unused";
const SORT_BY_INPUT = "@__sortBy_input__";
const MAX_CODE_POINTS = 100_000;

const RESERVED = new Set([
  "as",
  "break",
  "const",
  "continue",
  "else",
  "false",
  "for",
  "function",
  "if",
  "import",
  "in",
  "let",
  "loop",
  "package",
  "namespace",
  "null",
  "return",
  "true",
  "var",
  "void",
  "while",
]);

const RELATIONS = new Map<TokKind, string>([
  [Tok.LT, "_<_"],
  [Tok.LE, "_<=_"],
  [Tok.GE, "_>=_"],
  [Tok.GT, "_>_"],
  [Tok.EQ, "_==_"],
  [Tok.NE, "_!=_"],
  [Tok.IN, "@in"],
]);

const EXPECT_PRIMARY =
  "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Internal: a syntax error at an offset; converted to CelCompileError by parse(). */
class Fail {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** Parse a CEL expression. Throws CelCompileError with line/column on syntax errors. */
export function parse(source: string, opts: ParseOptions = {}): ParsedExpr {
  try {
    if (source.length > MAX_CODE_POINTS) {
      const size = [...source].length;
      if (size > MAX_CODE_POINTS) {
        throw new Fail(`expression code point size exceeds limit: size: ${size}, limit ${MAX_CODE_POINTS}`, 0);
      }
    }
    const p = new Parser(source, tokenize(source), opts);
    return { expr: p.parseTop(), source };
  } catch (e) {
    let message: string;
    let offset: number;
    if (e instanceof Fail || e instanceof LexError) {
      message = e.message;
      offset = e.offset;
    } else if (e instanceof RangeError) {
      // JS stack exhausted before our own limit tripped (very small stacks): report like cel-go.
      message = "max recursion depth exceeded";
      offset = 0;
    } else {
      throw e;
    }
    const { line, column } = locate(source, offset);
    throw new CelCompileError([{ message, offset, line, column }], source);
  }
}

class Parser {
  private p = 0;
  private nextId = 1;
  private depth = 0;
  private readonly maxDepth: number;
  private readonly escapes: boolean;
  private readonly macros: ReadonlySet<string> | undefined;

  constructor(
    private readonly src: string,
    private readonly toks: Token[],
    opts: ParseOptions,
  ) {
    this.maxDepth = opts.maxRecursionDepth ?? 250;
    this.escapes = opts.identEscapes ?? true;
    this.macros = opts.macros;
  }

  parseTop(): Expr {
    const e = this.parseExpr();
    const t = this.tok();
    if (t.k !== Tok.EOF) this.mismatch(t, "<EOF>");
    return e;
  }

  // ---- token helpers -------------------------------------------------------------------------------------

  private tok(): Token {
    return this.toks[this.p]!;
  }
  private peek(n: number): Token {
    return this.toks[Math.min(this.p + n, this.toks.length - 1)]!;
  }
  private at(k: TokKind): boolean {
    return this.toks[this.p]!.k === k;
  }
  private advance(): Token {
    const t = this.toks[this.p]!;
    if (t.k !== Tok.EOF) this.p++;
    return t;
  }
  private expect(k: TokKind, what: string): Token {
    const t = this.tok();
    if (t.k !== k) this.mismatch(t, what);
    return this.advance();
  }
  private text(t: Token): string {
    return t.k === Tok.EOF ? "<EOF>" : this.src.slice(t.start, t.end);
  }
  private mismatch(t: Token, expecting: string): never {
    if (t.error) throw t.error;
    throw new Fail(`Syntax error: mismatched input '${this.text(t)}' expecting ${expecting}`, t.start);
  }
  private id(): number {
    return this.nextId++;
  }

  private enter(offset: number, chain: boolean): void {
    if (++this.depth >= this.maxDepth) {
      throw new Fail(
        chain ? "max recursion depth exceeded" : `expression recursion limit exceeded: ${this.maxDepth}`,
        offset,
      );
    }
  }

  // ---- node builders -------------------------------------------------------------------------------------

  private call(fn: string, pos: number, args: Expr[], target?: Expr): Expr {
    return target
      ? { k: "call", id: this.id(), pos, fn, target, args }
      : { k: "call", id: this.id(), pos, fn, args };
  }
  private ident(name: string, pos: number): Expr {
    return { k: "ident", id: this.id(), pos, name };
  }
  private lit(value: Value, pos: number): Expr {
    return { k: "lit", id: this.id(), pos, value };
  }
  private list(pos: number, elems: Expr[] = []): Expr {
    return { k: "list", id: this.id(), pos, elems, optionalIndices: [] };
  }

  // ---- grammar -------------------------------------------------------------------------------------------

  /** expr: conditionalOr ('?' conditionalOr ':' expr)? */
  private parseExpr(): Expr {
    this.enter(this.tok().start, false);
    const cond = this.parseOr();
    let result = cond;
    if (this.at(Tok.QUESTION)) {
      const op = this.advance();
      const ifTrue = this.parseOr();
      this.expect(Tok.COLON, "':'");
      const ifFalse = this.parseExpr();
      result = this.call("_?_:_", op.start, [cond, ifTrue, ifFalse]);
    }
    this.depth--;
    return result;
  }

  private parseOr(): Expr {
    const first = this.parseAnd();
    if (!this.at(Tok.OR)) return first;
    const terms = [first];
    const ops: number[] = [];
    while (this.at(Tok.OR)) {
      ops.push(this.advance().start);
      terms.push(this.parseAnd());
    }
    return this.balance("_||_", terms, ops, 0, ops.length - 1);
  }

  private parseAnd(): Expr {
    const first = this.parseRelation();
    if (!this.at(Tok.AND)) return first;
    const terms = [first];
    const ops: number[] = [];
    while (this.at(Tok.AND)) {
      ops.push(this.advance().start);
      terms.push(this.parseRelation());
    }
    return this.balance("_&&_", terms, ops, 0, ops.length - 1);
  }

  /** cel-go's balancer: a balanced binary tree over a chain of the same logical operator. */
  private balance(fn: string, terms: Expr[], ops: number[], lo: number, hi: number): Expr {
    const mid = (lo + hi + 1) >> 1;
    const left = mid === lo ? terms[mid]! : this.balance(fn, terms, ops, lo, mid - 1);
    const right = mid === hi ? terms[mid + 1]! : this.balance(fn, terms, ops, mid + 1, hi);
    return this.call(fn, ops[mid]!, [left, right]);
  }

  private parseRelation(): Expr {
    let lhs = this.parseAdd();
    let chain = 0;
    for (;;) {
      const fn = RELATIONS.get(this.tok().k);
      if (fn === undefined) break;
      const op = this.advance();
      this.enter(op.start, true);
      chain++;
      const rhs = this.parseAdd();
      lhs = this.call(fn, op.start, [lhs, rhs]);
    }
    this.depth -= chain;
    return lhs;
  }

  private parseAdd(): Expr {
    let lhs = this.parseMul();
    let chain = 0;
    for (;;) {
      const k = this.tok().k;
      if (k !== Tok.PLUS && k !== Tok.MINUS) break;
      const op = this.advance();
      this.enter(op.start, true);
      chain++;
      const rhs = this.parseMul();
      lhs = this.call(k === Tok.PLUS ? "_+_" : "_-_", op.start, [lhs, rhs]);
    }
    this.depth -= chain;
    return lhs;
  }

  private parseMul(): Expr {
    let lhs = this.parseUnary();
    let chain = 0;
    for (;;) {
      const k = this.tok().k;
      if (k !== Tok.STAR && k !== Tok.SLASH && k !== Tok.PERCENT) break;
      const op = this.advance();
      this.enter(op.start, true);
      chain++;
      const rhs = this.parseUnary();
      lhs = this.call(k === Tok.STAR ? "_*_" : k === Tok.SLASH ? "_/_" : "_%_", op.start, [lhs, rhs]);
    }
    this.depth -= chain;
    return lhs;
  }

  /** unary: member | '!'+ member | '-'+ member. A single '-' before a number is a negative literal (cel-go). */
  private parseUnary(): Expr {
    const t = this.tok();
    if (t.k === Tok.NOT || t.k === Tok.MINUS) {
      const k = t.k;
      let n = 0;
      while (this.peek(n).k === k) n++;
      const after = this.peek(n).k;
      if (k === Tok.MINUS && n === 1 && (after === Tok.INT || after === Tok.FLOAT)) return this.parseMember();
      this.p += n;
      const operand = this.parseMember();
      if (n % 2 === 0) return operand;
      return this.call(k === Tok.NOT ? "!_" : "-_", t.start, [operand]);
    }
    return this.parseMember();
  }

  /** member: primary ( '.' '?'? field | '.' IDENT '(' args ')' | '[' '?'? expr ']' )* */
  private parseMember(): Expr {
    let e = this.parsePrimary();
    let chain = 0;
    for (;;) {
      const t = this.tok();
      if (t.k === Tok.DOT) {
        this.advance();
        this.enter(t.start, true);
        chain++;
        let optional = false;
        if (this.at(Tok.QUESTION)) {
          this.advance();
          optional = true;
        }
        const f = this.tok();
        if (!optional && f.k === Tok.IDENT && this.peek(1).k === Tok.LPAREN) {
          this.advance();
          const open = this.advance();
          const args = this.parseArgs();
          e = this.receiverCallOrMacro(f.text!, open.start, e, args);
          continue;
        }
        const field = this.fieldName(optional ? "{IDENTIFIER, ESC_IDENTIFIER}" : "IDENTIFIER");
        e = { k: "select", id: this.id(), pos: t.start, operand: e, field, test: false, optional };
        continue;
      }
      if (t.k === Tok.LBRACKET) {
        this.advance();
        this.enter(t.start, true);
        chain++;
        let optional = false;
        if (this.at(Tok.QUESTION)) {
          this.advance();
          optional = true;
        }
        const index = this.parseExpr();
        this.expect(Tok.RBRACKET, "']'");
        e = this.call(optional ? "_[?_]" : "_[_]", t.start, [e, index]);
        continue;
      }
      break;
    }
    this.depth -= chain;
    return e;
  }

  /** IDENTIFIER or, when enabled, a backquoted ESC_IDENTIFIER. */
  private fieldName(expecting: string): string {
    const f = this.tok();
    if (f.k === Tok.IDENT || (f.k === Tok.ESC_IDENT && this.escapes)) {
      this.advance();
      return f.text!;
    }
    if (f.k === Tok.ESC_IDENT) throw new Fail("unsupported syntax: '`'", f.start);
    return this.mismatch(f, expecting);
  }

  /** Arguments after an opening '(' up to and including ')'. */
  private parseArgs(): Expr[] {
    const args: Expr[] = [];
    if (this.at(Tok.RPAREN)) {
      this.advance();
      return args;
    }
    args.push(this.parseExpr());
    while (this.at(Tok.COMMA)) {
      this.advance();
      args.push(this.parseExpr());
    }
    this.expect(Tok.RPAREN, "{')', ','}");
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.tok();
    switch (t.k) {
      case Tok.DOT:
      case Tok.IDENT:
        return this.parseIdentLike();
      case Tok.LPAREN: {
        this.advance();
        const e = this.parseExpr();
        this.expect(Tok.RPAREN, "')'");
        return e;
      }
      case Tok.LBRACKET:
        return this.parseList();
      case Tok.LBRACE:
        return this.parseMap();
      case Tok.MINUS: {
        const num = this.peek(1);
        if (num.k === Tok.INT || num.k === Tok.FLOAT) {
          this.advance();
          this.advance();
          return this.numberLiteral(num, t.start, true);
        }
        return this.mismatch(this.peek(1), EXPECT_PRIMARY);
      }
      case Tok.INT:
      case Tok.FLOAT:
        this.advance();
        return this.numberLiteral(t, t.start, false);
      case Tok.UINT: {
        this.advance();
        const text = t.text!;
        const v = BigInt(text);
        if (v > UINT64_MAX) throw new Fail("invalid uint literal", t.start);
        return this.lit(new CelUint(v), t.start);
      }
      case Tok.STRING:
        this.advance();
        return this.lit(t.text!, t.start);
      case Tok.BYTES:
        this.advance();
        return this.lit(t.bytes!, t.start);
      case Tok.TRUE:
        this.advance();
        return this.lit(true, t.start);
      case Tok.FALSE:
        this.advance();
        return this.lit(false, t.start);
      case Tok.NULL:
        this.advance();
        return this.lit(null, t.start);
    }
    return this.mismatch(t, EXPECT_PRIMARY);
  }

  private numberLiteral(t: Token, pos: number, negative: boolean): Expr {
    const text = t.text!;
    if (t.k === Tok.FLOAT) {
      const v = Number(text);
      if (!Number.isFinite(v)) throw new Fail("invalid double literal", pos);
      return this.lit(negative ? -v : v, pos);
    }
    let v = BigInt(text); // decimal or 0x-prefixed hex
    if (negative) v = -v;
    if (v < INT64_MIN || v > INT64_MAX) throw new Fail("invalid int literal", pos);
    return this.lit(v, pos);
  }

  /** `.`? IDENT, a global call, or a message construction `.`? IDENT ('.' IDENT)* '{' … '}'. */
  private parseIdentLike(): Expr {
    const leadingDot = this.at(Tok.DOT);
    if (leadingDot) this.advance();
    const t = this.tok();
    if (t.k !== Tok.IDENT) return this.mismatch(t, "IDENTIFIER");
    // message construction lookahead: IDENT ('.' IDENT)* '{'
    let j = 0;
    while (this.peek(j + 1).k === Tok.DOT && this.peek(j + 2).k === Tok.IDENT) j += 2;
    if (this.peek(j + 1).k === Tok.LBRACE) {
      const parts: string[] = [];
      for (let i = 0; i <= j; i += 2) parts.push(this.peek(i).text!);
      this.p += j + 1;
      const typeName = (leadingDot ? "." : "") + parts.join(".");
      return this.parseStructBody(typeName);
    }
    this.advance();
    const name = t.text!;
    if (RESERVED.has(name)) throw new Fail(`reserved identifier: ${name}`, t.start);
    const full = leadingDot ? `.${name}` : name;
    if (this.at(Tok.LPAREN)) {
      const open = this.advance();
      const args = this.parseArgs();
      return this.globalCallOrMacro(full, open.start, args);
    }
    return this.ident(full, t.start);
  }

  private parseStructBody(typeName: string): Expr {
    const open = this.expect(Tok.LBRACE, "'{'");
    const node: CreateStruct = { k: "struct", id: this.id(), pos: open.start, typeName, fields: [] };
    const fieldExpect = "{'}', ',', '?', IDENTIFIER, ESC_IDENTIFIER}";
    if (!this.at(Tok.RBRACE) && !this.at(Tok.COMMA)) {
      for (;;) {
        let optional = false;
        if (this.at(Tok.QUESTION)) {
          this.advance();
          optional = true;
        }
        const name = this.fieldName(optional ? "{IDENTIFIER, ESC_IDENTIFIER}" : fieldExpect);
        const colon = this.expect(Tok.COLON, "':'");
        const value = this.parseExpr();
        const f: StructField = { id: this.id(), pos: colon.start, name, value, optional };
        node.fields.push(f);
        if (!(this.at(Tok.COMMA) && this.peek(1).k !== Tok.RBRACE)) break;
        this.advance();
      }
    }
    if (this.at(Tok.COMMA)) this.advance();
    this.expect(Tok.RBRACE, node.fields.length ? "{',', '}'}" : fieldExpect);
    return node;
  }

  private parseList(): Expr {
    const open = this.advance();
    const elems: Expr[] = [];
    const optionalIndices: number[] = [];
    const id = this.id();
    if (!this.at(Tok.RBRACKET) && !this.at(Tok.COMMA)) {
      for (;;) {
        if (this.at(Tok.QUESTION)) {
          this.advance();
          optionalIndices.push(elems.length);
        }
        elems.push(this.parseExpr());
        if (!(this.at(Tok.COMMA) && this.peek(1).k !== Tok.RBRACKET)) break;
        this.advance();
      }
    }
    if (this.at(Tok.COMMA)) this.advance();
    this.expect(Tok.RBRACKET, elems.length ? "{',', ']'}" : "']'");
    return { k: "list", id, pos: open.start, elems, optionalIndices };
  }

  private parseMap(): Expr {
    const open = this.advance();
    const entries: MapEntry[] = [];
    const id = this.id();
    if (!this.at(Tok.RBRACE) && !this.at(Tok.COMMA)) {
      for (;;) {
        let optional = false;
        if (this.at(Tok.QUESTION)) {
          this.advance();
          optional = true;
        }
        const key = this.parseExpr();
        const colon = this.expect(Tok.COLON, "':'");
        const value = this.parseExpr();
        entries.push({ id: this.id(), pos: colon.start, key, value, optional });
        if (!(this.at(Tok.COMMA) && this.peek(1).k !== Tok.RBRACE)) break;
        this.advance();
      }
    }
    if (this.at(Tok.COMMA)) this.advance();
    this.expect(Tok.RBRACE, entries.length ? "{',', '}'}" : "'}'");
    return { k: "map", id, pos: open.start, entries };
  }

  // ---- macros --------------------------------------------------------------------------------------------

  private macroOn(name: string): boolean {
    return this.macros === undefined || this.macros.has(name);
  }

  private globalCallOrMacro(fn: string, pos: number, args: Expr[]): Expr {
    if (fn === "has" && args.length === 1 && this.macroOn("has")) {
      const a = args[0]!;
      if (a.k !== "select" || a.optional) throw new Fail("invalid argument to has() macro", a.pos);
      return { k: "select", id: this.id(), pos, operand: a.operand, field: a.field, test: true, optional: false };
    }
    return this.call(fn, pos, args);
  }

  private receiverCallOrMacro(fn: string, pos: number, target: Expr, args: Expr[]): Expr {
    const n = args.length;
    if (this.macroOn(fn)) {
      switch (fn) {
        case "all":
        case "exists":
        case "exists_one":
        case "existsOne":
          if (n === 2) return this.quantifier(fn, pos, target, args);
          if (n === 3) return this.quantifier2(fn, pos, target, args);
          break;
        case "map":
          if (n === 2 || n === 3) return this.makeMap(pos, target, args);
          break;
        case "filter":
          if (n === 2) return this.makeFilter(pos, target, args);
          break;
        case "transformList":
        case "transformMap":
        case "transformMapEntry":
          if (n === 3 || n === 4) return this.transform(fn, pos, target, args);
          break;
        case "optMap":
        case "optFlatMap":
          if (n === 2) return this.optMap(fn, pos, target, args);
          break;
        case "sortBy":
          if (n === 2) return this.sortBy(pos, target, args);
          break;
      }
    }
    return this.call(fn, pos, args, target);
  }

  private comp(
    macro: string,
    pos: number,
    iterRange: Expr,
    iterVar: string,
    iterVar2: string,
    accuVar: string,
    accuInit: Expr,
    loopCondition: Expr,
    loopStep: Expr,
    result: Expr,
  ): Comprehension {
    return {
      k: "comp",
      id: this.id(),
      pos,
      iterVar,
      iterVar2,
      iterRange,
      accuVar,
      accuInit,
      loopCondition,
      loopStep,
      result,
      macro,
    };
  }

  private accu(pos: number): Expr {
    return this.ident(ACCUMULATOR, pos);
  }

  /** The iteration variable of a one-variable macro (cel-go messages differ between macros). */
  private iterVar(arg: Expr, notIdent: string): string {
    if (arg.k !== "ident") throw new Fail(notIdent, arg.pos);
    if (arg.name === ACCUMULATOR || arg.name === LEGACY_ACCUMULATOR) {
      throw new Fail("iteration variable overwrites accumulator variable", arg.pos);
    }
    return arg.name;
  }

  /** cel-go ext/comprehensions.go extractIterVars. */
  private iterVars(a0: Expr, a1: Expr): [string, string] {
    if (a0.k !== "ident") throw new Fail("argument must be a simple name", a0.pos);
    if (a1.k !== "ident") throw new Fail("argument must be a simple name", a1.pos);
    const v1 = a0.name;
    const v2 = a1.name;
    if (v1 === v2) throw new Fail(`duplicate variable name: ${v1}`, a1.pos);
    if (v1 === ACCUMULATOR || v1 === LEGACY_ACCUMULATOR) {
      throw new Fail("iteration variable overwrites accumulator variable", a0.pos);
    }
    if (v2 === ACCUMULATOR || v2 === LEGACY_ACCUMULATOR) {
      throw new Fail("iteration variable overwrites accumulator variable", a1.pos);
    }
    return [v1, v2];
  }

  /** Init / condition / step / result of all, exists, exists_one over `pred`. */
  private quantifierParts(fn: string, pos: number, pred: Expr): [Expr, Expr, Expr, Expr] {
    switch (fn) {
      case "all":
        return [
          this.lit(true, pos),
          this.call("@not_strictly_false", pos, [this.accu(pos)]),
          this.call("_&&_", pos, [this.accu(pos), pred]),
          this.accu(pos),
        ];
      case "exists":
        return [
          this.lit(false, pos),
          this.call("@not_strictly_false", pos, [this.call("!_", pos, [this.accu(pos)])]),
          this.call("_||_", pos, [this.accu(pos), pred]),
          this.accu(pos),
        ];
      default: // exists_one / existsOne
        return [
          this.lit(0n, pos),
          this.lit(true, pos),
          this.call("_?_:_", pos, [pred, this.call("_+_", pos, [this.accu(pos), this.lit(1n, pos)]), this.accu(pos)]),
          this.call("_==_", pos, [this.accu(pos), this.lit(1n, pos)]),
        ];
    }
  }

  private quantifier(fn: string, pos: number, target: Expr, args: Expr[]): Expr {
    const v = this.iterVar(args[0]!, "argument must be a simple name");
    const [init, cond, step, result] = this.quantifierParts(fn, pos, args[1]!);
    return this.comp(fn, pos, target, v, "", ACCUMULATOR, init, cond, step, result);
  }

  private quantifier2(fn: string, pos: number, target: Expr, args: Expr[]): Expr {
    const [v1, v2] = this.iterVars(args[0]!, args[1]!);
    const [init, cond, step, result] = this.quantifierParts(fn, pos, args[2]!);
    return this.comp(fn, pos, target, v1, v2, ACCUMULATOR, init, cond, step, result);
  }

  /** cel-go parser.MakeMap: `r.map(x, t)` / `r.map(x, p, t)`. */
  private makeMap(pos: number, target: Expr, args: Expr[], macro = "map"): Comprehension {
    const v = this.iterVar(args[0]!, "argument is not an identifier");
    const filter = args.length === 3 ? args[1]! : undefined;
    const fn = args.length === 3 ? args[2]! : args[1]!;
    let step = this.call("_+_", pos, [this.accu(pos), this.list(pos, [fn])]);
    if (filter) step = this.call("_?_:_", pos, [filter, step, this.accu(pos)]);
    return this.comp(macro, pos, target, v, "", ACCUMULATOR, this.list(pos), this.lit(true, pos), step, this.accu(pos));
  }

  /** cel-go parser.MakeFilter: `r.filter(x, p)`. */
  private makeFilter(pos: number, target: Expr, args: Expr[]): Expr {
    const v = this.iterVar(args[0]!, "argument is not an identifier");
    let step = this.call("_+_", pos, [this.accu(pos), this.list(pos, [args[0]!])]);
    step = this.call("_?_:_", pos, [args[1]!, step, this.accu(pos)]);
    return this.comp("filter", pos, target, v, "", ACCUMULATOR, this.list(pos), this.lit(true, pos), step, this.accu(pos));
  }

  /** transformList / transformMap / transformMapEntry (cel-go ext/comprehensions.go). */
  private transform(fn: string, pos: number, target: Expr, args: Expr[]): Expr {
    const [v1, v2] = this.iterVars(args[0]!, args[1]!);
    const filter = args.length === 4 ? args[2]! : undefined;
    const t = args.length === 4 ? args[3]! : args[2]!;
    let step: Expr;
    let init: Expr;
    if (fn === "transformList") {
      step = this.call("_+_", pos, [this.accu(pos), this.list(pos, [t])]);
      init = this.list(pos);
    } else if (fn === "transformMap") {
      step = this.call("cel.@mapInsert", pos, [this.accu(pos), this.ident(v1, pos), t]);
      init = { k: "map", id: this.id(), pos, entries: [] };
    } else {
      step = this.call("cel.@mapInsert", pos, [this.accu(pos), t]);
      init = { k: "map", id: this.id(), pos, entries: [] };
    }
    if (filter) step = this.call("_?_:_", pos, [filter, step, this.accu(pos)]);
    return this.comp(fn, pos, target, v1, v2, ACCUMULATOR, init, this.lit(true, pos), step, this.accu(pos));
  }

  /**
   * cel-go optional library: `o.optMap(v, e)` →
   * `o.hasValue() ? optional.of(<bind v = o.value() in e>) : optional.none()`; optFlatMap without optional.of.
   * The bind is a comprehension over `[]` with accumulator `v`, as cel.bind expands.
   */
  private optMap(fn: string, pos: number, target: Expr, args: Expr[]): Expr {
    const a0 = args[0]!;
    if (a0.k !== "ident") throw new Fail(`${fn}() variable name must be a simple identifier`, a0.pos);
    const v = a0.name;
    const hasValue = this.call("hasValue", pos, [], target);
    const value = this.call("value", pos, [], this.clone(target));
    const bind = this.comp(fn, pos, this.list(pos), UNUSED_ITER_VAR, "", v, value, this.lit(false, pos), this.ident(v, pos), args[1]!);
    const some = fn === "optMap" ? this.call("optional.of", pos, [bind]) : bind;
    return this.call("_?_:_", pos, [hasValue, some, this.call("optional.none", pos, [])]);
  }

  /** cel-go ext/lists.go sortByMacro. */
  private sortBy(pos: number, target: Expr, args: Expr[]): Expr {
    if (target.k !== "list" && target.k !== "select" && target.k !== "ident" && target.k !== "comp" && target.k !== "call") {
      throw new Fail(
        "sortBy can only be applied to a list, identifier, comprehension, call or select expression",
        target.pos,
      );
    }
    const mapped = this.makeMap(pos, this.ident(SORT_BY_INPUT, pos), args);
    const sorted = this.call("@sortByAssociatedKeys", pos, [mapped], this.ident(SORT_BY_INPUT, pos));
    return this.comp("sortBy", pos, this.list(pos), UNUSED_ITER_VAR, "", SORT_BY_INPUT, target, this.lit(false, pos), this.ident(SORT_BY_INPUT, pos), sorted);
  }

  /** Deep copy with fresh ids (a macro that uses an argument twice must not duplicate node ids). */
  private clone(e: Expr): Expr {
    const c = (x: Expr): Expr => this.clone(x);
    switch (e.k) {
      case "lit":
      case "ident":
        return { ...e, id: this.id() };
      case "select":
        return { ...e, id: this.id(), operand: c(e.operand) };
      case "call":
        return e.target
          ? { ...e, id: this.id(), target: c(e.target), args: e.args.map(c) }
          : { ...e, id: this.id(), args: e.args.map(c) };
      case "list":
        return { ...e, id: this.id(), elems: e.elems.map(c), optionalIndices: [...e.optionalIndices] };
      case "map":
        return { ...e, id: this.id(), entries: e.entries.map((m) => ({ ...m, id: this.id(), key: c(m.key), value: c(m.value) })) };
      case "struct":
        return { ...e, id: this.id(), fields: e.fields.map((f) => ({ ...f, id: this.id(), value: c(f.value) })) };
      case "comp":
        return {
          ...e,
          id: this.id(),
          iterRange: c(e.iterRange),
          accuInit: c(e.accuInit),
          loopCondition: c(e.loopCondition),
          loopStep: c(e.loopStep),
          result: c(e.result),
        };
    }
  }
}
