// The Rego parser: source text → the syntax tree of ast.ts, for Rego v0 and v1 as OPA 1.x parses them. It owns the
// grammar (statements, rule heads, bodies, terms, operator precedence), the keyword rules (future.keywords and
// rego.v1 imports, v1 reserved words, keywords allowed as ref heads), OPA's v1 rule checks and the error messages.
// The structure follows OPA's recursive-descent parser (v1/ast/parser.go) closely, including where it backtracks,
// so that what parses, and the first error reported, match `opa parse`. Parse failures inside are thrown as `Fail`
// and become one RegoParseError at the API boundary; nothing else escapes. Notes on the produced shapes:
// - a bare `data` / `input` is a ref with an empty path (as OPA makes it), so every document root is a ref; a
//   `with` target is always a ref too (`with count as f` targets the ref `count`);
// - a head with empty parentheses (`f() = 1`) is a plain rule `f`, not a function, as in OPA;
// - `_` stays the var `_` (the engine makes each fresh); infix operators are `call` terms with OPA's builtin names;
// - chained bodies `p { a } { b }` become separate rules, each with its own copy of the head;
// - OPA's experimental keywords (`import future.keywords.and|or|not`, each only by its own import) route literals
//   through a small logical grammar: `or` chains of `and` chains of operands, an operand being `not` + operand,
//   `{ body }`, a parenthesized group (which may carry `with`) or one expression; see the `and` / `or` /
//   `notbody` Expr variants in ast.ts. Without those imports nothing in the grammar changes.

import {
  RegoParseError,
  type Body,
  type ElseBranch,
  type Expr,
  type Import,
  type Loc,
  type Module,
  type Rule,
  type RuleHead,
  type RuleKind,
  type Term,
  type With,
} from "./ast.js";
import { decodeJsonString, lex, type Token, type TokenKind } from "./lexer.js";

export interface ParseOptions {
  /** 1: Rego v1 (keywords on, `if`/`contains` required). Default 0 (v1 rules only under `import rego.v1`). */
  regoVersion?: 0 | 1;
}

/** Nesting limit for terms and bodies (OPA's recursion limit, in nesting levels). */
export const MAX_NESTING = 1000;
const DEPTH_EXCEEDED = "max parsing recursion depth exceeded";

const CORE_KEYWORDS = new Set(["package", "import", "as", "default", "else", "not", "some", "with", "null", "true", "false"]);
const FUTURE_KEYWORDS = ["contains", "every", "if", "in"] as const;
const FUTURE_SET = new Set<string>(FUTURE_KEYWORDS);
/** OPA's experimental keywords: only an explicit `import future.keywords.<kw>` turns them on (not `import
 *  future.keywords`, rego.v1 or v1). `and` / `or` join expressions; `not` (already a keyword) makes every
 *  negation a negated body. */
const LOGIC_KEYWORDS = ["and", "not", "or"] as const;
const IMPORTABLE = new Set<string>([...FUTURE_KEYWORDS, ...LOGIC_KEYWORDS]);
/** The token kinds of the `and` / `or` keywords (`and` / `or` name the `&` / `|` operators). */
const LOGIC_KINDS: Record<string, Kind> = { and: "kw-and", or: "kw-or" };
const V0_KEYWORDS = CORE_KEYWORDS;
const V1_KEYWORDS = new Set([...CORE_KEYWORDS, ...FUTURE_KEYWORDS]);

type Kind = TokenKind | "package" | "import" | "as" | "default" | "else" | "not" | "some" | "with" | "null" | "true"
  | "false" | "contains" | "every" | "if" | "in" | "kw-and" | "kw-or";

const BINARY_PREC: Partial<Record<Kind, number>> = {
  equal: 1,
  neq: 1,
  lt: 1,
  gt: 1,
  lte: 1,
  gte: 1,
  or: 2,
  and: 3,
  plus: 4,
  minus: 4,
  mul: 5,
  div: 5,
  rem: 5,
};

/** Infix operator names (OPA builtins): a top-level `x == y` statement is "rule name conflicts with built-in". */
const OPERATOR_BUILTINS = new Set([
  ...Object.keys(BINARY_PREC),
  "eq",
  "assign",
  "internal.member_2",
  "internal.member_3",
]);

const HEAD_OPERATORS = new Set<Kind>(["plus", "minus", "mul", "div", "rem", "and", "or", "equal", "neq", "gt", "gte", "lt", "lte"]);

const IDENT_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A parse failure inside the parser (cheap to throw; converted to RegoParseError at the API boundary). */
class Fail {
  constructor(
    readonly detail: string,
    readonly loc: Loc,
  ) {}
}

interface State {
  pos: number;
  override: number;
  hints: string[];
}

type CacheEntry = { term: Term; after: State } | { fail: Fail; after: State };

/** One operand of `and` / `or` / `not` while parsing: a `{ body }` (or parenthesized group) or one expression. */
type Operand = { type: "body"; body: Body; loc: Loc } | { type: "expr"; expr: Expr };

function operandBody(o: Operand): Body {
  return o.type === "body" ? o.body : [o.expr];
}

/** `with` modifiers written after a literal: they scope everything inside, so any inner ones apply after them. */
function withAdded(expr: Expr, withs: With[]): Expr {
  return { ...expr, with: [...withs, ...expr.with] };
}

/** A rule head while parsing, in OPA's shape (ref of var + path, OPA's `Key`, generated value flag). */
interface PHead {
  ref: Term[];
  args?: Term[];
  key?: Term;
  value?: Term;
  assign: boolean;
  generatedValue: boolean;
  keywords: Set<string>;
  loc: Loc;
}

interface PRule {
  head: PHead;
  body: Body;
  generatedBody: boolean;
  isDefault: boolean;
  loc: Loc;
  else?: PRule;
}

type Statement =
  | { type: "package"; path: string[]; loc: Loc }
  | { type: "import"; imp: Import; loc: Loc }
  | { type: "rules"; rules: PRule[]; loc: Loc }
  | { type: "body"; body: Body; loc: Loc };

// ---------------------------------------------------------------------------------------------------------------
// Public API

/** Parses a module. Throws RegoParseError (only) on invalid input. */
export function parseModule(text: string, file: string, opts: ParseOptions = {}): Module {
  return guard(text, file, opts, (p) => p.module());
}

/** Parses a query (`opa eval` style): literals separated by `;` or newlines. */
export function parseQuery(text: string, file = "query", opts: ParseOptions = {}): Body {
  return guard(text, file, opts, (p) => p.query());
}

/** Parses a single term (`{"a": [1, x]}`, `data.x[y]`, `f(x) + 1`). */
export function parseTerm(text: string, file = "term", opts: ParseOptions = {}): Term {
  return guard(text, file, opts, (p) => {
    const body = p.query();
    const e = body[0];
    if (body.length !== 1 || e === undefined || e.type !== "term" || e.negated || e.with.length > 0)
      throw new Fail("expected exactly one term", e?.loc ?? { file, line: 1, col: 1 });
    return e.term;
  });
}

function guard<T>(text: string, file: string, opts: ParseOptions, run: (p: Parser) => T): T {
  const p = new Parser(text, file, opts.regoVersion ?? 0);
  try {
    return run(p);
  } catch (e) {
    if (e instanceof Fail) throw new RegoParseError(e.detail, e.loc);
    if (e instanceof RangeError) throw new RegoParseError(DEPTH_EXCEEDED, p.curLoc());
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Term helpers

function call(name: string, args: Term[], loc: Loc): Term {
  return { type: "call", name, args, loc };
}

/** OPA's ValueName: the word used in "… cannot be used for rule name" and similar messages. */
function valueName(t: Term): string {
  switch (t.type) {
    case "arraycomp":
      return "arraycomprehension";
    case "setcomp":
      return "setcomprehension";
    case "objectcomp":
      return "objectcomprehension";
    case "template":
      return "templatestring";
    default:
      return t.type;
  }
}

/** Renders a term roughly as OPA prints it (for call names of unusual refs and for messages). */
export function termToString(t: Term): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return t.text;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref":
      return refToString(t.head, t.path);
    case "array":
      return `[${t.items.map(termToString).join(", ")}]`;
    case "set":
      return t.items.length === 0 ? "set()" : `{${t.items.map(termToString).join(", ")}}`;
    case "object":
      return `{${t.entries.map(([k, v]) => `${termToString(k)}: ${termToString(v)}`).join(", ")}}`;
    case "arraycomp":
      return `[${termToString(t.head)} | …]`;
    case "setcomp":
      return `{${termToString(t.head)} | …}`;
    case "objectcomp":
      return `{${termToString(t.key)}: ${termToString(t.value)} | …}`;
    case "call":
      return `${t.name}(${t.args.map(termToString).join(", ")})`;
    case "template":
      return `$"${t.parts.map((p) => (typeof p === "string" ? p : `{${termToString(p)}}`)).join("")}"`;
  }
}

function refToString(head: Term, path: Term[]): string {
  let s = termToString(head);
  for (const p of path) s += p.type === "string" && IDENT_RE.test(p.value) ? `.${p.value}` : `[${termToString(p)}]`;
  return s;
}

/** True when the term has no variables (OPA's IsGround). */
function isGround(t: Term): boolean {
  switch (t.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return true;
    case "array":
    case "set":
      return t.items.every(isGround);
    case "object":
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    case "template":
      return t.parts.every((p) => typeof p === "string" || isGround(p));
    default:
      return false;
  }
}

/** The first ref / var / call in a default rule's value, outside comprehensions (OPA's validateDefaultRuleValue). */
function firstNonConstant(t: Term): string | undefined {
  switch (t.type) {
    case "ref":
    case "var":
    case "call":
      return t.type;
    case "array":
    case "set":
      return firstOf(t.items);
    case "object":
      return firstOf(t.entries.flat());
    case "template":
      return firstOf(t.parts.filter((p): p is Term => typeof p !== "string"));
    default:
      return undefined;
  }
}

function firstOf(ts: Term[]): string | undefined {
  for (const t of ts) {
    const found = firstNonConstant(t);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isRoot(t: Term): boolean {
  return t.type === "var" && (t.name === "data" || t.name === "input");
}

/** A bare `data` / `input` var becomes a ref, as in OPA. */
function wrapRoot(t: Term): Term {
  return isRoot(t) ? { type: "ref", head: t, path: [], loc: t.loc } : t;
}

/** A term as a ref element list ([head, ...path]); a var is a one-element ref. */
function refElems(t: Term): Term[] | undefined {
  if (t.type === "ref") return [t.head, ...t.path];
  if (t.type === "var") return [t];
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The parser

class Parser {
  private readonly toks: Token[];
  private pos = 0;
  /** Token index forced to read as an identifier (a keyword used as a ref head: `if.x`, `not[0]`). */
  private override = -1;
  private hints: string[] = [];
  private readonly future = new Set<string>();
  /** While parsing an import path only the core keywords are keywords (OPA's "present parser"). */
  private coreOnly = false;
  /** While probing for a hint all future keywords are on (OPA's "future parser"). */
  private allFuture = false;
  private depth = 0;
  private readonly cache = new Map<number, CacheEntry>();
  /** The operator ref of each parsed call (`a.b.f` of `a.b.f(x)`), for function rule heads. */
  private readonly callRefs = new WeakMap<Term, Term[]>();
  private regoV1Import = false;

  constructor(
    text: string,
    private readonly file: string,
    private readonly version: 0 | 1,
  ) {
    this.toks = lex(text);
    if (version === 1) for (const kw of FUTURE_KEYWORDS) this.future.add(kw);
  }

  // ----- tokens -----------------------------------------------------------------------------------------------

  private tok(i = this.pos): Token {
    return this.toks[Math.min(i, this.toks.length - 1)] as Token;
  }

  private kind(i = this.pos): Kind {
    const t = this.tok(i);
    if (t.kind !== "ident" || i === this.override) return t.kind;
    const s = t.text;
    if (CORE_KEYWORDS.has(s)) return s as Kind;
    if (FUTURE_SET.has(s) && !this.coreOnly && (this.allFuture || this.future.has(s))) return s as Kind;
    const logic = LOGIC_KINDS[s];
    if (logic !== undefined && !this.coreOnly && this.future.has(s)) return logic;
    return "ident";
  }

  private locOf(t: Token): Loc {
    return { file: this.file, line: t.line, col: t.col };
  }

  curLoc(): Loc {
    return this.locOf(this.tok());
  }

  /** Moves to the next token; an illegal token is reported as soon as it becomes current. */
  private next(): void {
    if (this.pos < this.toks.length - 1) this.pos++;
    this.override = -1;
    this.checkIllegal();
  }

  private checkIllegal(): void {
    const t = this.tok();
    if (t.kind === "illegal") throw this.failAt(t.error ?? "illegal token", this.locOf(t));
  }

  /** The token after the current one directly follows it (no whitespace) and is `.` or `[`. */
  private refFollows(): boolean {
    const n = this.tok(this.pos + 1);
    return !n.ws && (n.kind === "." || n.kind === "[");
  }

  private isKeyword(k: Kind): boolean {
    return CORE_KEYWORDS.has(k) || FUTURE_SET.has(k) || k === "kw-and" || k === "kw-or";
  }

  /** OPA's scanAheadRef: a keyword directly followed by `.` or `[` reads as an identifier. */
  private scanAheadRef(): boolean {
    if (this.isKeyword(this.kind()) && this.refFollows()) {
      this.override = this.pos;
      return true;
    }
    return false;
  }

  private mark(): State {
    return { pos: this.pos, override: this.override, hints: this.hints };
  }

  private reset(s: State): void {
    this.pos = s.pos;
    this.override = s.override;
    this.hints = s.hints;
  }

  private hint(h: string): void {
    this.hints = [...this.hints, h];
  }

  // ----- errors -------------------------------------------------------------------------------------------------

  private failAt(detail: string, loc: Loc): Fail {
    let msg = detail;
    if (this.hints.length === 1) msg += ` (hint: ${this.hints[0]})`;
    else if (this.hints.length > 1) msg += ` (hints: ${this.hints.join(", ")})`;
    return new Fail(msg, loc);
  }

  private fail(detail: string, loc: Loc = this.curLoc()): never {
    throw this.failAt(detail, loc);
  }

  /** OPA's `illegal`: "unexpected <token> token|keyword[: note]" at the current token. */
  private illegal(note = ""): never {
    const t = this.tok();
    const k = this.kind();
    if (k === "illegal") this.fail(t.error ?? "illegal token");
    const what = this.isKeyword(k) ? "keyword" : "token";
    const name = k === "ident" ? "identifier" : k === "kw-and" ? "and" : k === "kw-or" ? "or" : k;
    this.fail(note ? `unexpected ${name} ${what}: ${note}` : `unexpected ${name} ${what}`);
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      this.depth--;
      this.fail(DEPTH_EXCEEDED);
    }
  }

  /** Runs `f` with a different keyword mode and no term cache (OPA's present / future parsers). */
  private withKeywordMode<T>(mode: "core" | "future", f: () => T): T {
    const [core, all] = [this.coreOnly, this.allFuture];
    const saved = new Map(this.cache);
    this.cache.clear();
    if (mode === "core") this.coreOnly = true;
    else this.allFuture = true;
    try {
      return f();
    } finally {
      this.coreOnly = core;
      this.allFuture = all;
      this.cache.clear();
      for (const [k, v] of saved) this.cache.set(k, v);
    }
  }

  // ----- statements ---------------------------------------------------------------------------------------------

  module(): Module {
    const stmts = this.statements(false);
    const first = stmts[0];
    if (first === undefined) this.fail("empty module", { file: this.file, line: 1, col: 1 });
    return new ModuleBuilder(this.file, this.version, this.regoV1Import, this.callRefs).build(stmts);
  }

  query(): Body {
    const body: Body = [];
    for (const s of this.statements(true)) if (s.type === "body") for (const e of s.body) body.push(e);
    if (body.length === 0) this.fail("empty query", { file: this.file, line: 1, col: 1 });
    return body;
  }

  private statements(queryOnly: boolean): Statement[] {
    this.checkIllegal();
    const stmts: Statement[] = [];
    while (this.kind() !== "eof") {
      this.cache.clear();
      const loc = this.curLoc();
      if (queryOnly) {
        stmts.push({ type: "body", body: this.parseQueryBody(true, "eof"), loc });
        continue;
      }
      stmts.push(this.statement(loc));
    }
    return stmts;
  }

  private statement(loc: Loc): Statement {
    const s = this.mark();
    const pkg = this.parsePackage();
    if (pkg !== undefined) return { type: "package", path: pkg, loc };
    this.reset(s);
    const imp = this.parseImport();
    if (imp !== undefined) {
      this.applyImport(imp);
      return { type: "import", imp, loc };
    }
    this.reset(s);
    const rules = this.parseRules();
    if (rules !== undefined) return { type: "rules", rules, loc };
    this.reset(s);
    return { type: "body", body: this.parseQueryBody(true, "eof"), loc };
  }

  private parsePackage(): string[] | undefined {
    if (this.kind() !== "package" || this.refFollows()) return undefined;
    this.next();
    this.identOrRefKeyword();
    const term = this.parseTerm();
    const elems = refElems(term);
    if (elems === undefined) this.illegal();
    const [head, ...path] = elems;
    if (head?.type !== "var") this.fail(`unexpected ${valueName(head as Term)} token: expecting var`, (head as Term).loc);
    const names = [head.name];
    for (const p of path) {
      if (p.type !== "string") this.fail(`unexpected ${valueName(p)} token: expecting string`, p.loc);
      names.push(p.value);
    }
    return names;
  }

  /** The current token must be an identifier, or a keyword (which then reads as one). */
  private identOrRefKeyword(): void {
    const k = this.kind();
    if (k === "ident") return;
    if (!this.isKeyword(k)) this.illegal();
    this.override = this.pos;
  }

  private parseImport(): Import | undefined {
    if (this.kind() !== "import" || this.refFollows()) return undefined;
    const loc = this.curLoc();
    this.next();
    this.identOrRefKeyword();
    const term = this.withKeywordMode("core", () => this.parseTerm());
    const elems = refElems(term);
    if (elems === undefined) this.fail("expected path");
    for (const p of elems.slice(1))
      if (p.type !== "string") this.fail(`unexpected ${valueName(p)} token: expecting string`, p.loc);
    const path: Term = term.type === "ref" ? term : { type: "ref", head: term, path: [], loc: term.loc };
    const root = termToString(elems[0] as Term);
    if (!["data", "input", "future", "rego"].includes(root)) {
      this.hint("if this is unexpected, try updating OPA");
      this.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`, path.loc);
    }
    if (this.kind() === "as") {
      this.next();
      if (this.kind() !== "ident") this.illegal("expected var");
      const alias = this.parseTerm();
      if (alias.type !== "var") this.illegal("expected var");
      return { path, alias: alias.name, loc };
    }
    this.checkImportKeyword(elems, root);
    return { path, loc };
  }

  private checkImportKeyword(elems: Term[], root: string): void {
    const keywords = this.version === 1 ? V1_KEYWORDS : V0_KEYWORDS;
    const last = elems[elems.length - 1] as Term;
    if (elems.length > 1 && root === "future") return;
    const name = last.type === "string" ? last.value : termToString(last);
    if (keywords.has(name)) this.fail(`unexpected import path, must not end with a keyword, got: ${name}`, last.loc);
  }

  private applyImport(imp: Import): void {
    if (imp.path.type !== "ref" || imp.path.head.type !== "var") return;
    const root = imp.path.head.name;
    const names = imp.path.path.map((p) => (p.type === "string" ? p.value : ""));
    if (root === "rego") this.regoImport(imp, names);
    if (root === "future") this.futureImport(imp, names);
  }

  private regoImport(imp: Import, names: string[]): void {
    if (names.length !== 1 || names[0] !== "v1")
      this.fail(`invalid import \`${termToString(imp.path)}\`, must be \`rego.v1\``, imp.path.loc);
    if (this.version === 1) return;
    if (imp.alias !== undefined) this.fail("`rego` imports cannot be aliased", imp.path.loc);
    this.regoV1Import = true;
    for (const kw of FUTURE_KEYWORDS) this.future.add(kw);
  }

  private futureImport(imp: Import, names: string[]): void {
    if (names.length === 0 || names[0] !== "keywords") this.fail("invalid import, must be `future.keywords`", imp.path.loc);
    if (imp.alias !== undefined) this.fail("`future` imports cannot be aliased", imp.path.loc);
    let kws: string[] = [...FUTURE_KEYWORDS];
    if (names.length === 2) {
      const kw = names[1] as string;
      if (!IMPORTABLE.has(kw)) this.fail(`unexpected keyword, must be one of [${[...IMPORTABLE].sort().join(" ")}]`, imp.path.loc);
      kws = [kw];
    }
    for (const kw of kws) {
      this.future.add(kw);
      if (kw === "every") this.future.add("in");
    }
  }

  // ----- rules --------------------------------------------------------------------------------------------------

  private parseRules(): PRule[] | undefined {
    const loc = this.curLoc();
    this.scanAheadRef();
    let isDefault = false;
    if (this.kind() === "default") {
      this.next();
      isDefault = true;
      this.scanAheadRef();
    }
    if (this.kind() !== "ident") return undefined;
    const parsed = this.parseHead();
    if (parsed === undefined) return undefined;
    const { head, usesContains } = parsed;
    if (usesContains) head.keywords.add("contains");
    if (isDefault) return [this.defaultRule(head, loc)];
    const hasIf = this.kind() === "if";
    this.adjustRefHead(head, hasIf, usesContains);
    const rule: PRule = { head, body: [], generatedBody: false, isDefault: false, loc };
    if (hasIf) {
      head.keywords.add("if");
      rule.body = this.ifBody();
    } else if (this.kind() === "{") {
      rule.body = this.braceBody();
    } else if (usesContains) {
      rule.generatedBody = true;
      rule.loc = head.loc;
      return [rule];
    } else return undefined;
    this.parseElseChain(rule);
    return this.chainedBodies(rule);
  }

  /** OPA's handling of two-element ref heads: `p[x] if` is single-valued, v0 `p[x] { }` multi-valued. */
  private adjustRefHead(head: PHead, hasIf: boolean, usesContains: boolean): void {
    if (usesContains || head.ref.length !== 2) return;
    const second = head.ref[1] as Term;
    if (hasIf) {
      if ((!isGround(second) || second.type === "ref") && !head.args?.length) head.key = second;
      if (head.value === undefined) this.generateValue(head);
      return;
    }
    if (head.args?.length) return;
    head.key = second;
    if (head.value === undefined) head.ref = [head.ref[0] as Term];
  }

  private generateValue(head: PHead): void {
    head.generatedValue = true;
    head.value = { type: "boolean", value: true, loc: head.loc };
  }

  /** After `if`: a single literal (not a set literal), else `{ body }`. */
  private ifBody(): Body {
    this.next();
    const s = this.mark();
    try {
      const e = this.parseLiteral();
      if (!(e.type === "term" && e.term.type === "set")) return [e];
    } catch (err) {
      if (!(err instanceof Fail)) throw err;
    }
    this.reset(s);
    return this.braceBody();
  }

  /** `{ body }` (the current token is taken as the `{`). */
  private braceBody(): Body {
    this.next();
    const body = this.parseBody("}");
    this.next();
    return body;
  }

  private defaultRule(head: PHead, loc: Loc): PRule {
    if (head.value === undefined) this.fail("illegal default rule (must have a value)", loc);
    const bad = firstNonConstant(head.value);
    if (bad !== undefined) this.fail(`illegal default rule (value cannot contain ${bad})`, loc);
    const seen = new Set<string>();
    for (const a of head.args ?? []) {
      if (a.type !== "var") this.fail(`illegal default rule (arguments cannot contain ${valueName(a)})`, loc);
      if (seen.has(a.name) && a.name !== "_") this.fail(`illegal default rule (arguments cannot be repeated ${a.name})`, loc);
      seen.add(a.name);
    }
    return { head, body: [], generatedBody: false, isDefault: true, loc };
  }

  private parseElseChain(rule: PRule): void {
    if (this.kind() !== "else" || this.scanAheadRef()) return;
    const tail = rule.head.ref.slice(1);
    if (rule.head.ref.length > 1 && !tail.every(isGround))
      this.fail("else keyword cannot be used on rules with variables in head");
    if (rule.head.key !== undefined) this.fail("else keyword cannot be used on multi-value rules");
    // iterative, so that a long else chain cannot exhaust the stack; a branch without a body ends the chain
    let last = rule;
    do {
      last.else = this.parseElse(rule.head);
      last = last.else;
    } while (!last.generatedBody && this.kind() === "else");
  }

  private parseElse(head: PHead): PRule {
    const loc = this.curLoc();
    const elseHead: PHead = { ...head, value: undefined, generatedValue: false, assign: false, keywords: new Set(), loc };
    this.next();
    const k = this.kind();
    if (k === "{" || k === "if") this.generateValue(elseHead);
    else if (k === "assign" || k === "eq") {
      elseHead.assign = k === "assign";
      this.next();
      elseHead.value = this.parseTermInfixCall();
    } else this.illegal("expected else value term or rule body");
    const rule: PRule = { head: elseHead, body: [], generatedBody: false, isDefault: false, loc };
    if (this.kind() !== "if" && this.kind() !== "{") {
      rule.generatedBody = true;
      return rule;
    }
    if (this.kind() === "if") {
      elseHead.keywords.add("if");
      this.next();
    }
    if (this.kind() === "{") rule.body = this.braceBody();
    else if (this.kind() !== "eof") rule.body = [this.parseLiteral()];
    else this.illegal("rule body expected");
    return rule;
  }

  /** `p { a } { b }`: each further body is a rule of its own with the same head. */
  private chainedBodies(rule: PRule): PRule[] {
    const rules = [rule];
    while (this.kind() === "{") {
      if (rule.else !== undefined) this.fail("expected else keyword");
      const loc = this.curLoc();
      const body = this.braceBody();
      const head: PHead = { ...structuredClone(rule.head), keywords: new Set(rule.head.keywords), loc };
      rules.push({ head, body, generatedBody: false, isDefault: false, loc });
    }
    return rules;
  }

  private parseHead(): { head: PHead; usesContains: boolean } | undefined {
    const loc = this.curLoc();
    const ref = this.parseHeadFinish(this.parseVar());
    const head = this.headFromTerm(ref, loc);
    if (head === undefined) return undefined;
    const name = termToString(ref.type === "call" ? this.callRef(ref) : ref);
    switch (this.kind()) {
      case "contains":
        if (head.args !== undefined)
          this.illegal(
            `the contains keyword can only be used with multi-value rule definitions (e.g., ${name} contains <VALUE> { ... })`,
          );
        this.next();
        head.key = this.parseTermInfixCall();
        return { head, usesContains: true };
      case "eq":
        this.next();
        head.value = this.parseTermInfixCall();
        break;
      case "assign":
        this.next();
        head.assign = true;
        head.value = this.parseTermInfixCall();
        break;
      default:
    }
    if (head.value === undefined && head.key === undefined && (head.ref.length !== 2 || (head.args?.length ?? 0) > 0))
      this.generateValue(head);
    return { head, usesContains: false };
  }

  private callRef(c: Term): Term {
    const elems = this.callRefs.get(c) ?? [c];
    const [h, ...path] = elems;
    return path.length === 0 ? (h as Term) : { type: "ref", head: h as Term, path, loc: c.loc };
  }

  private headFromTerm(ref: Term, loc: Loc): PHead | undefined {
    const base = { assign: false, generatedValue: false, keywords: new Set<string>(), loc };
    if (ref.type === "var") return { ...base, ref: [ref] };
    if (ref.type === "ref") {
      if (ref.head.type !== "var") this.fail(`rule head ref ${termToString(ref)} invalid`, ref.loc);
      return { ...base, ref: [ref.head, ...ref.path] };
    }
    if (ref.type === "call") {
      const elems = this.callRefs.get(ref);
      if (elems === undefined || elems[0]?.type !== "var") this.illegal(`rule head ref ${ref.name} invalid`);
      return { ...base, ref: elems, args: ref.args };
    }
    return undefined;
  }

  /** After a rule name: `p.q[r]`, `f(x)` may follow (whitespace allowed, unlike in terms). */
  private parseHeadFinish(head: Term): Term {
    this.next();
    const k = this.kind();
    if (!this.tok().ws && HEAD_OPERATORS.has(k)) this.illegal();
    if (k === "(" || k === "." || k === "[") return this.parseRef(head);
    return wrapRoot(head);
  }

  // ----- bodies and literals ------------------------------------------------------------------------------------

  private parseBody(end: "}" | "]"): Body {
    this.enter();
    try {
      return this.parseQueryBody(false, end);
    } finally {
      this.depth--;
    }
  }

  private parseQueryBody(requireSemi: boolean, end: "}" | "]" | "eof"): Body {
    if (this.kind() === end) this.fail("found empty body");
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.kind() === ";") {
        this.next();
        continue;
      }
      if (this.kind() === end || requireSemi) return body;
      if (!this.tok().nl) this.illegal(`expected \\n or ; or ${end}`);
    }
  }

  private parseLiteral(): Expr {
    this.enter();
    try {
      return this.parseLiteralInner();
    } finally {
      this.depth--;
    }
  }

  private parseLiteralInner(): Expr {
    const loc = this.curLoc();
    if (this.logicOn()) return this.parseLogicalLiteral(loc);
    if (this.isKeyword(this.kind()) && this.refFollows()) {
      this.override = this.pos;
      return this.parseLiteralExpr(false, loc);
    }
    let negated = false;
    if (this.kind() === "not") {
      this.next();
      negated = true;
    }
    switch (this.kind()) {
      case "some":
        if (negated) this.illegal("illegal negation of 'some'");
        return this.parseSome(loc);
      case "every":
        if (negated) this.illegal("illegal negation of 'every'");
        return this.parseEvery(loc);
      default:
        return this.parseLiteralExpr(negated, loc);
    }
  }

  // ----- and / or / not { } (experimental keywords) -------------------------------------------------------------

  /** Any of `and`, `or`, `not` imported: literals go through the logical-expression grammar. */
  private logicOn(): boolean {
    return LOGIC_KEYWORDS.some((kw) => this.future.has(kw));
  }

  /** `not` reads as a negated body (`import future.keywords.not`). */
  private notBodies(): boolean {
    return this.future.has("not");
  }

  /** A literal: `some` / `every` as always, else `or` chains of `and` chains of (negated) operands, then `with`. */
  private parseLogicalLiteral(loc: Loc): Expr {
    const k = this.kind();
    if (k === "some" && !this.refFollows()) return this.parseSome(loc);
    if (k === "every" && !this.refFollows()) return this.parseEvery(loc);
    const top = this.parseOr(true);
    let expr = top.type === "expr" ? top.expr : (top.body[0] as Expr);
    if (this.kind() === "with") expr = withAdded(expr, this.parseWith());
    return { ...expr, loc };
  }

  /** `a or b or …`: the loosest level. `first`: the operand opens the literal (see tryExplicitBody). */
  private parseOr(first: boolean): Operand {
    return this.parseChain("kw-or", "or", first, (f) => this.parseAnd(f));
  }

  private parseAnd(first: boolean): Operand {
    return this.parseChain("kw-and", "and", first, (f) => this.parseUnary(f));
  }

  private parseChain(kind: Kind, type: "and" | "or", first: boolean, operand: (first: boolean) => Operand): Operand {
    const loc = this.curLoc();
    const lhs = operand(first);
    if (this.kind() !== kind) return lhs;
    const operands = [operandBody(lhs)];
    let chained = 0;
    try {
      while (this.kind() === kind) {
        this.enter();
        chained++;
        this.next();
        operands.push(operandBody(operand(false)));
      }
    } finally {
      this.depth -= chained;
    }
    return { type: "expr", expr: { type, operands, negated: false, with: [], loc } };
  }

  /** `not x` (negated expression, or with the `not` import a negated body), `{ body }`, `( … )` or an expression. */
  private parseUnary(first: boolean): Operand {
    const loc = this.curLoc();
    if (this.kind() !== "not" || this.refFollows()) return this.parsePrimary(first);
    this.next();
    const k = this.kind();
    if (k === "some") this.illegal("illegal negation of 'some'");
    if (k === "every") this.illegal("illegal negation of 'every'");
    if (!this.notBodies()) return { type: "expr", expr: { ...this.parseSimpleExpr(loc), negated: true } };
    this.enter();
    try {
      const body = operandBody(this.parseUnary(false));
      return { type: "expr", expr: { type: "notbody", body, negated: false, with: [], loc } };
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(first: boolean): Operand {
    const k = this.kind();
    const braced = k === "{" ? this.tryExplicitBody(first) : undefined;
    if (braced !== undefined) return braced;
    const group = k === "(" ? this.tryGroup() : undefined;
    if (group !== undefined) return group;
    return { type: "expr", expr: this.parseSimpleExpr(this.curLoc()) };
  }

  /** One expression (`x`, `f(x)`, `a := b`, `x == y`), without `with`. */
  private parseSimpleExpr(loc: Loc): Extract<Expr, { type: "term" }> {
    this.scanAheadRef();
    const s = this.mark();
    const term = this.parseExpr();
    if (this.version === 0 && term.type === "var" && term.name === "every") this.everyHint(s, loc);
    return { type: "term", term, negated: false, with: [], loc };
  }

  /** `{ body }` as an operand. Opening a literal it must be followed by `and` / `or` (else it is a set or object
   *  term); after `and` / `or` / `not` it is a body unless an operator continues it as a term (`{1} == x`). */
  private tryExplicitBody(first: boolean): Operand | undefined {
    const loc = this.curLoc();
    const s = this.mark();
    try {
      this.next();
      const body = this.parseBody("}");
      this.next();
      if (first ? this.kind() === "kw-and" || this.kind() === "kw-or" : !this.continuesTerm()) return { type: "body", body, loc };
    } catch (err) {
      if (!(err instanceof Fail) || err.detail.startsWith(DEPTH_EXCEEDED)) throw err;
    }
    this.reset(s);
    return undefined;
  }

  /** The current token would continue a term or expression (an operator, `=`, `:=`, `in`, a ref suffix). */
  private continuesTerm(): boolean {
    const k = this.kind();
    if (BINARY_PREC[k] !== undefined || k === "eq" || k === "assign" || k === "in" || k === ",") return true;
    return !this.tok().ws && (k === "." || k === "[" || k === "(");
  }

  /** `( logical [with …] )`: a group when it holds more than a term (`(a or b)`, `(not x)`, `(x with …)`);
   *  anything else is left to the term parser (`(1 + 2) * 3`). */
  private tryGroup(): Operand | undefined {
    const loc = this.curLoc();
    const s = this.mark();
    try {
      this.next();
      const inner = this.parseOr(true);
      let expr = inner.type === "expr" ? inner.expr : (inner.body[0] as Expr);
      if (this.kind() === "with") expr = withAdded(expr, this.parseWith());
      const plain = expr.type === "term" && !expr.negated && expr.with.length === 0;
      if (this.kind() === ")" && !plain) {
        this.next();
        return { type: "body", body: [expr], loc };
      }
    } catch (err) {
      if (!(err instanceof Fail) || err.detail.startsWith(DEPTH_EXCEEDED)) throw err;
    }
    this.reset(s);
    return undefined;
  }

  private parseLiteralExpr(negated: boolean, loc: Loc): Expr {
    const s = this.mark();
    const term = this.parseExpr();
    const withs = this.kind() === "with" ? this.parseWith() : [];
    if (this.version === 0 && term.type === "var" && term.name === "every") this.everyHint(s, loc);
    return { type: "term", term, negated, with: withs, loc };
  }

  /** v0 without the keyword: `every x in xs { … }` parsed as a var gets OPA's import hint. */
  private everyHint(s: State, loc: Loc): void {
    const t = this.mark();
    this.reset(s);
    let ok = false;
    try {
      ok = this.withKeywordMode("future", () => this.parseEvery(loc)).type === "every";
    } catch (err) {
      if (!(err instanceof Fail)) throw err;
    }
    this.reset(t);
    if (ok) this.hint("`import future.keywords.every` for `every x in xs { ... }` expressions");
  }

  private parseExpr(): Term {
    const lhs = this.parseTermInfixCall();
    const k = this.kind();
    if (k !== "assign" && k !== "eq") return lhs;
    this.next();
    const rhs = this.parseTermInfixCall();
    return call(k, [lhs, rhs], lhs.loc);
  }

  private parseWith(): With[] {
    const withs: With[] = [];
    do {
      const loc = this.curLoc();
      this.next();
      if (this.kind() !== "ident") this.illegal("expected ident");
      const parsed = this.parseTerm();
      if (parsed.type !== "ref" && parsed.type !== "var") this.illegal("expected with target path");
      const target: Term = parsed.type === "ref" ? parsed : { type: "ref", head: parsed, path: [], loc: parsed.loc };
      if (this.kind() !== "as") this.illegal("expected as keyword");
      this.next();
      const value = this.parseTermInfixCall();
      withs.push({ target, value, loc });
    } while (this.kind() === "with");
    return withs;
  }

  private parseSome(loc: Loc): Expr {
    const s = this.mark();
    this.next();
    let term: Term | undefined;
    try {
      term = this.parseTermInfixCall();
    } catch (err) {
      if (!(err instanceof Fail)) throw err;
    }
    if (term?.type === "call") return this.someIn(term, loc);
    this.reset(s);
    if (this.version === 0) this.someInHint();
    const vars: string[] = [];
    for (;;) {
      this.next();
      if (this.kind() !== "ident") this.illegal("expected var");
      vars.push(this.tok().text);
      this.next();
      if (this.kind() !== ",") break;
    }
    return { type: "some", vars, negated: false, with: [], loc };
  }

  private someIn(c: Term, loc: Loc): Expr {
    const { key, value, domain } = this.memberParts(c, "expected `x in xs` or `x, y in xs` expression");
    const withs = this.kind() === "with" ? this.parseWith() : [];
    return { type: "somein", key, value, domain, negated: false, with: withs, loc };
  }

  /** The parts of `v in xs` / `k, v in xs` (an `internal.member_2/3` call); anything else is an error. */
  private memberParts(c: Term, notMember: string): { key: Term | null; value: Term; domain: Term } {
    if (c.type !== "call") return this.illegal(notMember);
    const [a, b, d] = c.args as [Term, Term, Term];
    if (c.name === "internal.member_2") {
      if (c.args.length !== 2) this.illegal("illegal domain");
      return { key: null, value: a, domain: b };
    }
    if (c.name === "internal.member_3") {
      if (c.args.length !== 3) this.illegal("illegal domain");
      return { key: a, value: b, domain: d };
    }
    return this.illegal(notMember);
  }

  private someInHint(): void {
    const s = this.mark();
    this.next();
    let ok = false;
    try {
      const t = this.withKeywordMode("future", () => this.parseTermInfixCall());
      ok = t.type === "call" && (t.name === "internal.member_2" || t.name === "internal.member_3");
    } catch (err) {
      if (!(err instanceof Fail)) throw err;
    }
    this.reset(s);
    if (ok) this.hint("`import future.keywords.in` for `some x in xs` expressions");
  }

  private parseEvery(loc: Loc): Expr {
    this.next();
    const { key, value, domain } = this.memberParts(this.parseTermInfixCall(), "expected `x[, y] in xs { ... }` expression");
    if (key !== null && key.type !== "var") this.illegal("expected key to be a variable");
    if (value.type !== "var") this.illegal("expected value to be a variable");
    if (this.kind() !== "{") this.illegal("missing body");
    const body = this.braceBody();
    const withs = this.kind() === "with" ? this.parseWith() : [];
    return { type: "every", key, value, domain, body, negated: false, with: withs, loc };
  }

  // ----- infix terms --------------------------------------------------------------------------------------------

  private parseTermInfixCall(): Term {
    return this.parseTermIn(true);
  }

  private parseTermInfixCallInList(): Term {
    return this.parseTermIn(false);
  }

  /** `x in xs` and (where a comma can't mean anything else) `k, v in xs`: the loosest binding operators. */
  private parseTermIn(keyVal: boolean): Term {
    let lhs = this.parseBinary(1);
    let chained = 0;
    try {
      for (;;) {
        if (keyVal && this.kind() === ",") {
          const withKey = this.tryMemberWithKey(lhs);
          if (withKey !== undefined) {
            lhs = withKey;
            if (this.kind() !== "in") return lhs;
          }
        }
        this.scanAheadRef();
        if (this.kind() !== "in") return lhs;
        this.enter();
        chained++;
        this.next();
        const rhs = this.parseBinary(1);
        lhs = call("internal.member_2", [lhs, rhs], lhs.loc);
        if (this.kind() !== "in") return lhs;
      }
    } finally {
      this.depth -= chained;
    }
  }

  private tryMemberWithKey(lhs: Term): Term | undefined {
    const s = this.mark();
    this.next();
    try {
      const mhs = this.parseBinary(1);
      if (this.kind() === "in") {
        this.next();
        const rhs = this.parseBinary(1);
        return call("internal.member_3", [lhs, mhs, rhs], lhs.loc);
      }
    } catch (err) {
      if (!(err instanceof Fail)) throw err;
    }
    this.reset(s);
    return undefined;
  }

  /** Left-associative binary operators by precedence: comparisons < `|` < `&` < `+ -` < `* / %`. */
  private parseBinary(minPrec: number): Term {
    let lhs = this.parseTerm();
    let chained = 0;
    try {
      for (;;) {
        const op = this.kind();
        const prec = BINARY_PREC[op];
        if (prec === undefined || prec < minPrec) return lhs;
        this.enter();
        chained++;
        this.next();
        const rhs = this.parseBinary(prec + 1);
        lhs = call(op, [lhs, rhs], lhs.loc);
      }
    } finally {
      this.depth -= chained;
    }
  }

  // ----- terms --------------------------------------------------------------------------------------------------

  /** One term with its ref / call suffixes; memoized per position like OPA's parsed-term cache. */
  private parseTerm(): Term {
    const start = this.pos;
    const useCache = this.override !== start;
    if (useCache) {
      const hit = this.cache.get(start);
      if (hit !== undefined) {
        this.reset(hit.after);
        if ("fail" in hit) throw hit.fail;
        return hit.term;
      }
    }
    this.enter();
    try {
      const term = this.parseTermFinish(this.parseTermHead());
      if (useCache) this.cache.set(start, { term, after: this.mark() });
      return term;
    } catch (err) {
      if (useCache && err instanceof Fail) this.cache.set(start, { fail: err, after: this.mark() });
      throw err;
    } finally {
      this.depth--;
    }
  }

  /** The term starting at the current token; leaves the position on its last token. */
  private parseTermHead(): Term {
    const loc = this.curLoc();
    switch (this.kind()) {
      case "null":
        return { type: "null", loc };
      case "true":
        return { type: "boolean", value: true, loc };
      case "false":
        return { type: "boolean", value: false, loc };
      case "minus":
      case ".":
      case "number":
        return this.parseNumber();
      case "string":
        return this.parseString();
      case "template-string-part":
      case "template-string-end":
        return this.parseTemplate();
      case "ident":
      case "contains":
        return this.parseVar();
      case "[":
        return this.parseArray();
      case "{":
        return this.parseSetOrObject();
      case "(":
        return this.parseParens();
      default:
        return this.illegal();
    }
  }

  private parseParens(): Term {
    this.next();
    const t = this.parseTermInfixCall();
    if (this.kind() !== ")") this.fail("non-terminated expression");
    return t;
  }

  /** After a term: a directly following `(`, `.` or `[` continues it as a call or ref. */
  private parseTermFinish(head: Term): Term {
    this.next();
    const k = this.kind();
    if (!this.tok().ws && (k === "(" || k === "." || k === "[")) return this.parseRef(head);
    return wrapRoot(head);
  }

  private parseVar(): Term {
    return { type: "var", name: this.tok().text, loc: this.curLoc() };
  }

  /** A ref or call continuing `head`; calls chained on calls (`f(x).g(y)`) nest, so this counts as nesting. */
  private parseRef(head: Term): Term {
    this.enter();
    try {
      return this.parseRefPath(head);
    } finally {
      this.depth--;
    }
  }

  private parseRefPath(head: Term): Term {
    const okHead = ["var", "array", "object", "set", "arraycomp", "objectcomp", "setcomp", "call"];
    if (!okHead.includes(head.type)) this.fail(`illegal ref (head cannot be ${valueName(head)})`, head.loc);
    const path: Term[] = [];
    for (let first = true; ; first = false) {
      const k = this.kind();
      if (!first && this.tok().ws) break;
      if (k === ".") path.push(this.refDotName());
      else if (k === "[") path.push(this.refBracket());
      else if (k === "(") return this.afterCall(this.parseCall(head, path));
      else break;
    }
    return path.length === 0 ? wrapRoot(head) : { type: "ref", head, path, loc: head.loc };
  }

  private refDotName(): Term {
    const dot = this.tok();
    this.next();
    const t = this.tok();
    if (t.ws) this.fail("unexpected whitespace token: expected identifier", { file: this.file, line: dot.line, col: dot.col + 1 });
    const k = this.kind();
    if (k !== "ident" && !this.isKeyword(k)) this.illegal("expected identifier");
    const name: Term = { type: "string", value: t.text, loc: this.curLoc() };
    this.next();
    return name;
  }

  private refBracket(): Term {
    this.next();
    const t = this.parseTermInfixCall();
    if (this.kind() !== "]") this.illegal("expected [");
    this.next();
    return t;
  }

  private afterCall(c: Term): Term {
    const k = this.kind();
    if (!this.tok().ws && (k === "." || k === "[")) return this.parseRef(c);
    return c;
  }

  /** `op(args)`; the position ends after the `)`. `set()` is the empty set. */
  private parseCall(head: Term, path: Term[]): Term {
    const loc = head.loc;
    const name = refToString(head, path);
    this.next();
    let args: Term[] = [];
    if (this.kind() === ")") {
      if (path.length === 0 && head.type === "var" && head.name === "set") {
        this.next();
        return { type: "set", items: [], loc };
      }
    } else args = this.parseTermList(")", []);
    this.next();
    const c = call(name, args, loc);
    this.callRefs.set(c, [head, ...path]);
    return c;
  }

  private parseTermList(end: "]" | "}" | ")", r: Term[]): Term[] {
    if (this.kind() === end) return r;
    for (;;) {
      r.push(this.parseTermInfixCallInList());
      const k = this.kind();
      if (k === end) return r;
      if (k !== ",") this.illegal(`expected "," or "${end}"`);
      this.next();
      if (this.kind() === end) return r;
    }
  }

  private parseTermPairList(r: [Term, Term][]): [Term, Term][] {
    if (this.kind() === "}") return r;
    for (;;) {
      const key = this.parseTermInfixCallInList();
      if (this.kind() !== ":") this.illegal('expected ":"');
      this.next();
      r.push([key, this.parseTermInfixCallInList()]);
      const k = this.kind();
      if (k === "}") return r;
      if (k !== ",") this.illegal('expected "," or "}"');
      this.next();
      if (this.kind() === "}") return r;
    }
  }

  private parseArray(): Term {
    const loc = this.curLoc();
    this.next();
    if (this.kind() === "]") return { type: "array", items: [], loc };
    let maybeComprehension = true;
    if (this.kind() === ",") {
      maybeComprehension = false;
      this.next();
    }
    const s = this.mark();
    const head = this.parseTerm();
    const k = this.kind();
    if (k === "]") return { type: "array", items: [head], loc };
    if (k === ",") {
      this.next();
      return { type: "array", items: this.parseTermList("]", [head]), loc };
    }
    if (k === "or" && maybeComprehension) {
      const comp = this.tryComprehensionBody("]");
      if (comp !== undefined) return { type: "arraycomp", head, body: comp, loc };
    }
    this.reset(s);
    return { type: "array", items: this.parseTermList("]", []), loc };
  }

  /** After `head |`: a comprehension body, or undefined when it fails at a `,` (then it is a list with `|`). */
  private tryComprehensionBody(end: "]" | "}"): Body | undefined {
    this.next();
    try {
      return this.parseBody(end);
    } catch (err) {
      if (err instanceof Fail && this.kind() === ",") return undefined;
      throw err;
    }
  }

  private parseSetOrObject(): Term {
    const loc = this.curLoc();
    this.next();
    if (this.kind() === "}") return { type: "object", entries: [], loc };
    let maybeComprehension = true;
    if (this.kind() === ",") {
      maybeComprehension = false;
      this.next();
    }
    const s = this.mark();
    const head = this.parseTerm();
    const k = this.kind();
    if ((k === "or" && maybeComprehension) || k === "}" || k === ",") return this.parseSet(s, head, maybeComprehension, loc);
    if (k === ":") return this.parseObject(head, maybeComprehension, loc);
    this.reset(s);
    const head2 = this.parseTermInfixCallInList();
    const k2 = this.kind();
    if (k2 === "}" || k2 === ",") return this.parseSet(s, head2, false, loc);
    if (k2 === ":") return this.parseObject(head2, maybeComprehension, loc);
    return this.illegal("non-terminated set");
  }

  private parseSet(s: State, head: Term, maybeComprehension: boolean, loc: Loc): Term {
    const k = this.kind();
    if (k === "}") return { type: "set", items: [head], loc };
    if (k === ",") {
      this.next();
      return { type: "set", items: this.parseTermList("}", [head]), loc };
    }
    if (maybeComprehension) {
      const body = this.tryComprehensionBody("}");
      if (body !== undefined) return { type: "setcomp", head, body, loc };
    }
    this.reset(s);
    return { type: "set", items: this.parseTermList("}", []), loc };
  }

  private parseObject(key: Term, maybeComprehension: boolean, loc: Loc): Term {
    this.next();
    const s = this.mark();
    const v = this.parseTerm();
    let maybeRelation = true;
    const k = this.kind();
    if (maybeComprehension && (k === "}" || k === "," || k === "or")) {
      if (k !== "or") maybeRelation = false;
      try {
        return this.parseObjectFinish(key, v, true, loc);
      } catch (err) {
        if (!(err instanceof Fail)) throw err;
      }
    }
    this.reset(s);
    if (maybeRelation) {
      const v2 = this.parseTermInfixCallInList();
      if (this.kind() === "}" || this.kind() === ",") return this.parseObjectFinish(key, v2, false, loc);
    }
    return this.illegal("non-terminated object");
  }

  private parseObjectFinish(key: Term, value: Term, maybeComprehension: boolean, loc: Loc): Term {
    const k = this.kind();
    if (k === "}") return { type: "object", entries: [[key, value]], loc };
    if (k === "or") {
      if (!maybeComprehension) this.illegal("non-terminated object");
      this.next();
      return { type: "objectcomp", key, value, body: this.parseBody("}"), loc };
    }
    this.next();
    return { type: "object", entries: this.parseTermPairList([[key, value]]), loc };
  }

  private parseNumber(): Term {
    const loc = this.curLoc();
    let prefix = "";
    if (this.kind() === "minus") {
      prefix = "-";
      this.next();
      if (this.kind() !== "number" && this.kind() !== ".") this.illegal("expected number");
    }
    if (this.kind() === ".") {
      prefix += ".";
      this.next();
      if (this.kind() !== "number") this.illegal("expected number");
    }
    const lit = this.tok().text;
    if (!prefix.endsWith(".") && lit.length > 1 && lit[0] === "0") {
      const ok = lit[1] === "." || (lit.length > 2 && (lit[1] === "e" || lit[1] === "E"));
      if (!ok) this.illegal("expected number without leading zero");
    }
    const text = prefix + lit;
    if (!/^-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(text) || exponentOverflows(text)) this.illegal("invalid float");
    if (numberTooBig(text)) this.fail("number too big");
    return { type: "number", text, loc };
  }

  private parseString(): Term {
    const t = this.tok();
    const loc = this.curLoc();
    if (t.text.startsWith("`")) return { type: "string", value: t.text.slice(1, -1), loc };
    const inner = t.text.slice(1, -1);
    if (!inner.includes("\\")) return { type: "string", value: inner, loc };
    const value = decodeJsonString(inner);
    if (value === undefined) this.fail(`illegal string literal: ${t.text}`, loc);
    return { type: "string", value, loc };
  }

  /** `$"a {x} b"` / `` $`…` ``: literal parts and expression terms; the position ends on the closing part. */
  private parseTemplate(): Term {
    const loc = this.curLoc();
    const parts: (string | Term)[] = [];
    const withs: With[][] = [];
    for (;;) {
      const t = this.tok();
      const text = t.raw || !t.text.includes("\\") ? t.text : decodeJsonString(t.text);
      if (text === undefined) this.fail(`illegal template-string part: ${t.text}`);
      if (text.length > 0) {
        parts.push(text);
        withs.push([]);
      }
      if (t.kind === "template-string-end") break;
      this.next();
      const e = this.templateExpr();
      parts.push(e.term);
      withs.push(e.with);
      if (this.kind() !== "}") this.fail("expected } to end template string expression");
      this.next();
      const k = this.kind();
      if (k !== "template-string-part" && k !== "template-string-end") this.illegal();
    }
    return withs.some((w) => w.length > 0) ? { type: "template", parts, withs, loc } : { type: "template", parts, loc };
  }

  /** One `{…}` expression of a template string: a term, with its `with` modifiers. */
  private templateExpr(): { term: Term; with: With[] } {
    const e = this.parseLiteral();
    if (e.negated || e.type === "notbody") this.fail("unexpected negation ('not') in template-string expression", e.loc);
    if (e.type === "every" || e.type === "some" || e.type === "somein")
      this.fail(`unexpected '${e.type === "every" ? "every" : "some"}' in template-string expression`, e.loc);
    if (e.type === "and" || e.type === "or") this.fail(`unexpected '${e.type}' in template-string expression`, e.loc);
    if (e.term.type === "call" && e.term.name === "eq")
      this.fail("unexpected unification ('=') in template-string expression", e.loc);
    if (e.term.type === "call" && e.term.name === "assign")
      this.fail("unexpected assignment (':=') in template-string expression", e.loc);
    return { term: e.term, with: e.with };
  }
}

/** Go's big.Float cannot even read an exponent beyond the int32 range ("invalid float"). */
function exponentOverflows(text: string): boolean {
  const m = /[eE]([+-]?\d+)$/.exec(text);
  return m !== null && Math.abs(Number(m[1])) > 2 ** 31 - 1;
}

/** OPA rejects numbers whose binary exponent exceeds ±1e5 ("number too big"). */
function numberTooBig(text: string): boolean {
  const m = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return false;
  const int = (m[1] ?? "").replace(/^0+/, "");
  const frac = m[2] ?? "";
  const exp = Number(m[3] ?? "0");
  let magnitude: number;
  if (int.length > 0) magnitude = int.length + exp;
  else {
    const lead = frac.length - frac.replace(/^0+/, "").length;
    if (lead === frac.length) return false;
    magnitude = exp - lead;
  }
  return Math.abs(magnitude) * Math.log2(10) > 1e5;
}

// ---------------------------------------------------------------------------------------------------------------
// Module assembly: statements → Module, rules from body statements, the v1 rule checks

class ModuleBuilder {
  private readonly errors: Fail[] = [];

  constructor(
    private readonly file: string,
    private readonly version: 0 | 1,
    private readonly regoV1Import: boolean,
    private readonly callRefs: WeakMap<Term, Term[]>,
  ) {}

  build(stmts: Statement[]): Module {
    const [first, ...rest] = stmts as [Statement, ...Statement[]];
    let pkg: string[] = [];
    if (first.type === "package") pkg = first.path;
    else this.errors.push(new Fail("package expected", first.loc));
    const imports: Import[] = [];
    const prules: PRule[] = [];
    for (const s of rest) this.statement(s, imports, prules);
    const v1 = this.version === 1 || this.regoV1Import;
    if (v1) for (const r of prules) for (let x: PRule | undefined = r; x; x = x.else) this.checkV1(x);
    const err = this.errors[0];
    if (err !== undefined) throw err;
    return {
      file: this.file,
      package: pkg,
      packageLoc: first.loc,
      imports,
      rules: prules.map(toRule),
      regoVersion: v1 ? 1 : 0,
    };
  }

  private statement(s: Statement, imports: Import[], rules: PRule[]): void {
    switch (s.type) {
      case "package":
        this.errors.push(new Fail("unexpected package", s.loc));
        return;
      case "import":
        imports.push(s.imp);
        return;
      case "rules":
        for (const r of s.rules) rules.push(r);
        return;
      case "body":
        try {
          rules.push(this.ruleFromBody(s.body));
        } catch (err) {
          if (!(err instanceof Fail)) throw err;
          this.errors.push(err);
        }
    }
  }

  private ruleFromBody(body: Body): PRule {
    const expr = body[0] as Expr;
    const loc = expr.loc;
    const fail = (msg: string): never => {
      throw new Fail(msg, loc);
    };
    if (body.length !== 1) fail("multiple expressions cannot be used for rule head");
    if (expr.with.length > 0) fail("expressions using with keyword cannot be used for rule head");
    if (expr.negated) fail("negated expressions cannot be used for rule head");
    if (expr.type === "some" || expr.type === "somein") fail("'some' declarations cannot be used for rule head");
    if (expr.type !== "term") return fail("expression cannot be used for rule head");
    const t = expr.term;
    if (t.type === "ref") return this.ruleFromRefTerm(t, loc);
    if (t.type !== "call") return fail(`${valueName(t)} cannot be used for rule name`);
    if (t.name === "eq" || t.name === "assign") return this.ruleFromEq(t.args[0] as Term, t.args[1] as Term, t.name, loc);
    if (OPERATOR_BUILTINS.has(t.name)) fail("rule name conflicts with built-in function");
    if (t.args.length === 0) fail("rule argument list must take at least one argument");
    const elems = this.callRefs.get(t);
    if (elems?.[0]?.type !== "var") return fail(`invalid rule head: ${t.name}`);
    const head = this.head(elems, loc, { args: t.args, value: { type: "boolean", value: true, loc } });
    return { head, body: [], generatedBody: true, isDefault: false, loc };
  }

  private head(ref: Term[], loc: Loc, extra: Partial<PHead>): PHead {
    return { ref, assign: false, generatedValue: false, keywords: new Set(), loc, ...extra };
  }

  /** `p.q.r` (a rule with value true) or `p[x]` (a partial set element). */
  private ruleFromRefTerm(t: Extract<Term, { type: "ref" }>, loc: Loc): PRule {
    const rule = (head: PHead): PRule => ({ head, body: [], generatedBody: true, isDefault: false, loc });
    const elems = [t.head, ...t.path];
    if (t.head.type !== "var") throw new Fail(`invalid rule head: ${termToString(t)}`, loc);
    if (elems.length > 2)
      return rule(this.head(elems, loc, { value: { type: "boolean", value: true, loc }, generatedValue: true }));
    if (elems.length === 1) throw new Fail("refs cannot be used for rule head", loc);
    return rule(this.head([t.head], loc, { key: t.path[0] as Term }));
  }

  /** `lhs = rhs` / `lhs := rhs` as a statement: a function, ref-headed or plain constant rule. */
  private ruleFromEq(lhs: Term, rhs: Term, op: string, loc: Loc): PRule {
    const assign = op === "assign";
    const rule = (head: PHead): PRule => ({ head, body: [], generatedBody: true, isDefault: false, loc });
    if (lhs.type === "call") {
      const elems = this.callRefs.get(lhs);
      if (elems?.[0]?.type === "var") return rule(this.head(elems, loc, { args: lhs.args, value: rhs, assign }));
    }
    if (lhs.type === "ref") {
      if (lhs.head.type !== "var") throw new Fail(`invalid rule head: ${termToString(lhs)}`, loc);
      const elems = [lhs.head, ...lhs.path];
      const key = elems.length === 2 ? elems[1] : undefined;
      return rule(this.head(elems, loc, { value: rhs, assign, ...(key ? { key } : {}) }));
    }
    if (lhs.type === "var") return rule(this.head([lhs], loc, { value: rhs, assign }));
    throw new Fail(`${valueName(lhs)} cannot be used for rule name`, loc);
  }

  /** OPA's CheckRegoV1 on one rule (or else branch). */
  private checkV1(r: PRule): void {
    const h = r.head;
    const what = h.args !== undefined && h.args.length > 0 ? "function" : "rule";
    const first = h.ref[0] as Term;
    const name = first.type === "var" ? first.name : "";
    const err = (msg: string): void => {
      this.errors.push(new Fail(msg, r.loc));
    };
    if (h.ref.length < 2 && V1_KEYWORDS.has(name)) err(`${name} keyword cannot be used for rule name`);
    if (r.generatedBody && h.generatedValue) err(`${what} must have value assignment and/or body declaration`);
    if (!r.generatedBody && !h.keywords.has("if") && !r.isDefault) err(`\`if\` keyword is required before ${what} body`);
    if (h.value === undefined && h.key !== undefined && !h.keywords.has("contains"))
      err("`contains` keyword is required for partial set rules");
  }
}

function toRule(r: PRule): Rule {
  const h = r.head;
  const first = h.ref[0] as Term;
  const name = first.type === "var" ? first.name : termToString(first);
  const ref: Term[] = [{ type: "string", value: name, loc: first.loc }, ...h.ref.slice(1)];
  const multi = h.value === undefined && h.key !== undefined;
  const head: RuleHead = { ref, name, loc: h.loc };
  if (h.args !== undefined && h.args.length > 0) head.args = h.args;
  if (multi) head.key = h.key;
  if (h.value !== undefined && !h.generatedValue) {
    head.value = h.value;
    head.assign = h.assign ? ":=" : "=";
  }
  return {
    kind: ruleKind(h, multi, ref),
    head,
    body: r.generatedBody ? [] : r.body,
    elses: elseBranches(r.else),
    default: r.isDefault,
    loc: r.loc,
  };
}

function ruleKind(h: PHead, multi: boolean, ref: Term[]): RuleKind {
  if (h.args !== undefined && h.args.length > 0) return "function";
  if (multi) return "partialset";
  return ref.slice(1).every(isGround) ? "complete" : "partialobject";
}

function elseBranches(e: PRule | undefined): ElseBranch[] {
  const out: ElseBranch[] = [];
  for (let x = e; x !== undefined; x = x.else) {
    const b: ElseBranch = { body: x.generatedBody ? [] : x.body, loc: x.loc };
    if (x.head.value !== undefined && !x.head.generatedValue) b.value = x.head.value;
    out.push(b);
  }
  return out;
}
