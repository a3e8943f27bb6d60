// The Rego syntax tree: what the parser produces and what the engine and the converter read. Every node carries
// its file:line:col. Infix operators are calls of OPA's builtin names (`plus`, `equal`, `assign`, `eq`, …) so the
// engine and the converter have one call shape to handle; `x in xs` is `internal.member_2`.

export interface Loc {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units of the line. */
  col: number;
}

/** A Rego term. Refs: `head` is a var (or a composite/call term for `[1,2][i]`, `f(x).y`); each path element is a
 *  term — `.name` is a string term, `[x]` any term. A `_` var is kept as `_`; the engine makes each one fresh. */
export type Term =
  | { type: "null"; loc: Loc }
  | { type: "boolean"; value: boolean; loc: Loc }
  /** The number's source text (`1`, `-2.5e3`), so precision stays the engine's choice. */
  | { type: "number"; text: string; loc: Loc }
  | { type: "string"; value: string; loc: Loc }
  | { type: "var"; name: string; loc: Loc }
  | { type: "ref"; head: Term; path: Term[]; loc: Loc }
  | { type: "array"; items: Term[]; loc: Loc }
  | { type: "set"; items: Term[]; loc: Loc }
  | { type: "object"; entries: [Term, Term][]; loc: Loc }
  | { type: "arraycomp"; head: Term; body: Body; loc: Loc }
  | { type: "setcomp"; head: Term; body: Body; loc: Loc }
  | { type: "objectcomp"; key: Term; value: Term; body: Body; loc: Loc }
  /** `name` is the dotted function name: `count`, `regex.match`, `data.lib.f` (as written), or an operator's
   *  builtin name (`plus`, `minus`, `mul`, `div`, `rem`, `and` (&), `or` (|), `equal` (==), `neq`, `lt`, `lte`,
   *  `gt`, `gte`, `eq` (=), `assign` (:=), `internal.member_2`, `internal.member_3`). */
  | { type: "call"; name: string; args: Term[]; loc: Loc }
  /** `$"a {x} b"` (Rego v1 string interpolation): literal parts and expression terms alternate. Each expression
   *  part is its own scope (OPA evaluates it like a set comprehension): an undefined part prints `<undefined>`,
   *  more than one value is an error. `withs`, when present, is aligned with `parts` and holds the `with`
   *  modifiers written inside an expression part (`{a with input as {}}`); empty for the other parts. */
  | { type: "template"; parts: (string | Term)[]; withs?: With[][]; loc: Loc };

export type TermType = Term["type"];

/** `with target as value`; target is a ref (`input.x`, `data.a.b`, a function name ref). */
export interface With {
  target: Term;
  value: Term;
  loc: Loc;
}

/** One literal (expression) of a body. */
export type Expr =
  | { type: "term"; term: Term; negated: boolean; with: With[]; loc: Loc }
  /** `some x, y` — declares local vars. */
  | { type: "some"; vars: string[]; negated: false; with: With[]; loc: Loc }
  /** `some v in xs` / `some k, v in xs` (key null when absent); key/value may be patterns (terms with vars). */
  | { type: "somein"; key: Term | null; value: Term; domain: Term; negated: false; with: With[]; loc: Loc }
  /** `every v in xs { body }` / `every k, v in xs { body }`. */
  | { type: "every"; key: Term | null; value: Term; domain: Term; body: Body; negated: boolean; with: With[]; loc: Loc }
  /** `a and b` (`import future.keywords.and`): every operand body succeeds, each evaluated once (no enumeration).
   *  An operand is `{ body }` as written, a parenthesized group `( … )` (one expression), or one expression. Each
   *  operand body is a scope of its own, like a comprehension body: the vars it shares with the enclosing body
   *  are read (they must be bound first), all others stay local; nothing an operand binds escapes. Chains
   *  `a and b and c` are one node with three operands. */
  | { type: "and"; operands: Body[]; negated: false; with: With[]; loc: Loc }
  /** `a or b` (`import future.keywords.or`): the first operand body that succeeds decides; the expression succeeds
   *  at most once and the later operands are not evaluated. Operands as for `and`; `and` binds tighter than `or`,
   *  `not` tighter than both. */
  | { type: "or"; operands: Body[]; negated: false; with: With[]; loc: Loc }
  /** `not { body }`, and every `not expr` under `import future.keywords.not` (then `not x` is `not { x }`): true
   *  when the body has no solution. Unlike a negated expression, everything the body computes (nested calls, refs
   *  given as call arguments) stays inside the negation, so `not f(input.missing)` is true. */
  | { type: "notbody"; body: Body; negated: false; with: With[]; loc: Loc };

export type Body = Expr[];

export type RuleKind =
  /** `p := v`, `p = v { }`, `p { }` (value true), `p.q.r := v`. */
  | "complete"
  /** `p[x] { }` (v0), `p contains x if { }`: a multi-value set. */
  | "partialset"
  /** `p[k] = v { }`, `p[k] := v`, `p.q[k].r := v`: a ref head whose path is not ground. */
  | "partialobject"
  /** `f(x) = y { }`, `f(x) { }` (value true). */
  | "function";

export interface RuleHead {
  /** The head ref relative to the package: first element the rule name (string term), then `.name` (string
   *  terms) or `[term]` elements. For a v0 partial set `p[x]`, the ref is just `p` and `key` is `x`. */
  ref: Term[];
  /** The name (first ref element), e.g. `violation`. */
  name: string;
  /** Function arguments (patterns). */
  args?: Term[];
  /** Partial-set element. */
  key?: Term;
  /** The value; absent means `true`. */
  value?: Term;
  /** `:=` (single assignment) or `=`; none for `p { }` / `p contains x`. */
  assign?: ":=" | "=";
  loc: Loc;
}

/** One `else [= value] { body }` branch. */
export interface ElseBranch {
  value?: Term;
  body: Body;
  loc: Loc;
}

export interface Rule {
  kind: RuleKind;
  head: RuleHead;
  /** The first body; `p := 1` has an empty body (always true). Chained bodies `p { a } { b }` are split into
   *  separate rules by the parser. */
  body: Body;
  elses: ElseBranch[];
  default: boolean;
  loc: Loc;
}

export interface Import {
  /** `data.lib.x`, `input.y`, `future.keywords.in`, `rego.v1`. */
  path: Term;
  alias?: string;
  loc: Loc;
}

export interface Module {
  file: string;
  /** Path after `data`, e.g. ["lib", "helpers"]. */
  package: string[];
  packageLoc: Loc;
  imports: Import[];
  rules: Rule[];
  /** 0: `if`/`contains`/`in`/`every` only via future.keywords imports or rego.v1; 1: keywords on, `if`
   *  required before bodies. */
  regoVersion: 0 | 1;
}

/** A located parse error: `file:line:col: rego_parse_error: <message>` as `opa parse` prints it. */
export class RegoParseError extends Error {
  constructor(
    readonly detail: string,
    readonly loc: Loc,
  ) {
    super(`${loc.file}:${loc.line}:${loc.col}: rego_parse_error: ${detail}`);
    this.name = "RegoParseError";
  }
}
