// The CEL abstract syntax tree produced by our parser (src/cel/parser.ts), consumed by the checker and the
// interpreter. Macros are already expanded: `has(a.b)` is a Select with `test: true`; `all/exists/exists_one/map/
// filter` and the two-variable forms become Comprehension nodes exactly as cel-go expands them (accumulator
// `@result`, `@not_strictly_false` loop conditions). Optional syntax is kept explicit (Select.optional,
// Index via call `_[?_]`, list/map/struct entry flags) so both checker and interpreter see it.
import type { Value } from "./values.js";

/** Every node has an id (unique within one parse) and the source offset (UTF-16 index into the expression). */
interface NodeBase {
  id: number;
  /** Offset into the source text where the node starts; used for error columns. */
  pos: number;
}

export interface Literal extends NodeBase {
  k: "lit";
  value: Value; // bool, int (bigint), uint (CelUint), double (number), string, bytes (Uint8Array), null
}

export interface Ident extends NodeBase {
  k: "ident";
  /** May be a dotted qualified name only when the parser saw a leading `.` (e.g. `.x.y`); otherwise a simple name. */
  name: string;
}

export interface Select extends NodeBase {
  k: "select";
  operand: Expr;
  field: string;
  /** `has(operand.field)` presence test. */
  test: boolean;
  /** `operand.?field` optional selection. */
  optional: boolean;
}

/**
 * Function or operator call. Operators use cel-go's internal names:
 * `_+_ _-_ _*_ _/_ _%_ -_ !_ _==_ _!=_ _<_ _<=_ _>_ _>=_ _&&_ _||_ _?_:_ _[_] _[?_] @in @not_strictly_false`.
 * Member calls (`a.f(x)`) have `target`; global calls (`f(x)`, `optional.of(x)`) have none and `fn` may be a
 * dotted name such as `optional.of`, `sets.contains`, `strings.quote`, `lists.range`, `format.dns1123Label`.
 */
export interface Call extends NodeBase {
  k: "call";
  fn: string;
  target?: Expr;
  args: Expr[];
}

export interface CreateList extends NodeBase {
  k: "list";
  elems: Expr[];
  /** Indices of elements written `?e` (optional elements: included only when the optional has a value). */
  optionalIndices: number[];
}

export interface MapEntry {
  id: number;
  pos: number;
  key: Expr;
  value: Expr;
  /** `{?k: v}` */
  optional: boolean;
}

export interface CreateMap extends NodeBase {
  k: "map";
  entries: MapEntry[];
}

export interface StructField {
  id: number;
  pos: number;
  name: string;
  value: Expr;
  optional: boolean;
}

/** Message construction `T{f: v}` (used for MutatingAdmissionPolicy `Object{…}` / `JSONPatch{…}`). */
export interface CreateStruct extends NodeBase {
  k: "struct";
  typeName: string;
  fields: StructField[];
}

export interface Comprehension extends NodeBase {
  k: "comp";
  iterVar: string;
  /** Second iteration variable of two-variable comprehensions (index/key), "" when absent. With iterVar2 set,
   *  iterVar is the index (lists) or key (maps) and iterVar2 the value, as in cel-go. */
  iterVar2: string;
  iterRange: Expr;
  accuVar: string;
  accuInit: Expr;
  loopCondition: Expr;
  loopStep: Expr;
  result: Expr;
  /** The macro it came from (`all`, `exists`, `exists_one`, `map`, `filter`, `existsOne`, `transformList`, `transformMap`, `transformMapEntry`), for error messages and cost. */
  macro: string;
}

export type Expr = Literal | Ident | Select | Call | CreateList | CreateMap | CreateStruct | Comprehension;

export interface ParsedExpr {
  expr: Expr;
  source: string;
}

/** A parse or check error with its position in the expression. line/column are 1-based (column counts code points as cel-go does). */
export interface CelIssue {
  message: string;
  offset: number;
  line: number;
  column: number;
}

export class CelCompileError extends Error {
  constructor(
    readonly issues: CelIssue[],
    readonly source: string,
  ) {
    super(issues.map((i) => `ERROR: <input>:${i.line}:${i.column}: ${i.message}`).join("\n"));
    this.name = "CelCompileError";
  }
}

/** 1-based line and column (in code points) of a UTF-16 offset. */
export function locate(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  const column = [...source.slice(lineStart, offset)].length + 1;
  return { line, column };
}
