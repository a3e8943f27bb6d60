// Kyverno conditions ({key, operator, value}; {any, all}) → rule-model predicates with Kyverno's operator semantics
// (pkg/engine/variables/operator/*.go, pkg/engine/variables/evaluate.go):
//   Equals / NotEquals   type-dispatched on the key: bool/number/string/map/list; strings compare as Go durations
//                        when both parse (≠ "0"), else as quantities when the key parses (a value that does not →
//                        false), else by wildcard with the VALUE as the glob; numbers against numeric strings;
//                        maps/lists deeply (a merge() result key by key: mergedEquals); a null key is false for
//                        both.
//   In / NotIn           (deprecated) scalar key in a list (wildcards both ways) or in a string value (glob, else a
//                        JSON array of strings compared exactly); list key ⊆ value; a value that is neither → false.
//   AnyIn / AllIn / AnyNotIn / AllNotIn   keys and values as sets of fmt.Sprint strings, wildcards both ways, a
//                        string value may be a range `A-B` (quantities / durations) or a JSON array; a computed value
//                        of unknown kind against a literal string key dispatches on its runtime kind (a JSON array
//                        text is recognised by an exact RE2 of its grammar); a computed string value against a
//                        string key (AnyIn/AnyNotIn) is classified by RE2 over its JSON text (stringValueSet); a
//                        null value → false for every operator.
//   GreaterThan[OrEquals] / LessThan[OrEquals]   durations, quantities, numbers (numeric strings), semver.
//   Duration*            (legacy) both sides as durations (numbers = seconds).
// Every substituted key/value whose evaluation can fail (Kyverno's "Unknown key", a function's type error, a failing
// context entry — also deep inside a function argument or a projection: any value holding the error marker) is
// evaluated up front, so a CEL `&&`/`||` can never swallow an error Kyverno would report; `any`/`all` blocks are
// chained in Kyverno's order (first error wins, `any` stops at the first true, `all` at the first false).
import type { Json, Path, Pred, Val } from "../../../src/ir/model.js";
import type { Condition, Conditions, JsonValue } from "../model.js";
import {
  ANY,
  ERROR_VAL,
  hasErrorMarker,
  hasVariables,
  JmesCtx,
  K,
  lenient,
  listVal,
  isNullDefault,
  isNullVal,
  LowerGap,
  lowerMergedVariable,
  lowerTemplate,
  may,
  noWild,
  notNull,
  only,
  quantify,
  T,
  tyOfJson,
  type JList,
  type JmesScope,
  type JV,
  type JVal,
  type MergedMap,
  type Ty,
} from "./jmespath.js";

export { LowerGap, JmesCtx };

// ---------------------------------------------------------------------------------------------------------------
// Small predicate algebra with constant folding

const TRUE: Pred = { k: "const", value: true };
const FALSE: Pred = { k: "const", value: false };
const lit = (value: Json): Val => ({ k: "lit", value });
const isC = (p: Pred, v: boolean): boolean => p.k === "const" && p.value === v;

function and(...ps: Pred[]): Pred {
  const of = ps.filter((p) => !isC(p, true));
  if (of.some((p) => isC(p, false))) return FALSE;
  return of.length === 0 ? TRUE : of.length === 1 ? of[0]! : { k: "and", of };
}
function or(...ps: Pred[]): Pred {
  const of = ps.filter((p) => !isC(p, false));
  if (of.some((p) => isC(p, true))) return TRUE;
  return of.length === 0 ? FALSE : of.length === 1 ? of[0]! : { k: "or", of };
}
function not(p: Pred): Pred {
  if (p.k === "const") return { k: "const", value: !p.value };
  if (p.k === "not") return p.of;
  return { k: "not", of: p };
}
const bool = (b: boolean): Pred => (b ? TRUE : FALSE);
/** `c ? a : b` where c is a constant or a predicate. */
const ite = (c: Pred, a: Pred, b: Pred): Pred => (isC(c, true) ? a : isC(c, false) ? b : or(and(c, a), and(not(c), b)));

const cmp = (lhs: Val, op: "==" | "!=" | "<" | "<=" | ">" | ">=", rhs: Val, as?: "number" | "string" | "quantity" | "duration"): Pred => ({ k: "cmp", lhs, op, rhs, ifAbsent: "error", ...(as ? { as } : {}) });
const call = (fn: "string" | "double" | "int" | "isQuantity" | "replace" | "matches" | "contains" | "size", ...args: Val[]): Val => ({ k: "call", fn, args });
const truthyV = (v: Val): Pred => ({ k: "truthy", value: v, ifAbsent: "error" });
const regex = (v: Val, re: string): Pred => ({ k: "match", value: v, pattern: { k: "regex", re }, ifAbsent: "error" });

// ---------------------------------------------------------------------------------------------------------------
// Go value syntax (literals are checked here, computed values by the same grammar in CEL)

/** time.ParseDuration syntax (`0` included); Kyverno's operators exclude the exact string "0" themselves. */
const DUR_RE = "^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";
const durRe = new RegExp(DUR_RE, "u");
/** resource.ParseQuantity syntax (apimachinery quantity.go parseQuantityString: the digits may be empty, "P" = 0P). */
const QTY_RE = /^[+-]?[0-9]*(\.[0-9]*)?([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
/** strconv.ParseFloat syntax (decimal, exponent, inf/infinity/nan; no hexadecimal floats). */
const FLOAT_RE_SRC = "^[+-]?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$";
const floatRe = new RegExp(FLOAT_RE_SRC);

const isDurLit = (s: string): boolean => durRe.test(s);
const isQtyLit = (s: string): boolean => s !== "" && QTY_RE.test(s);
const isFloatLit = (s: string): boolean => floatRe.test(s);
/** Kyverno's parseDuration(): a duration string other than "0". */
const kDurLit = (s: string): boolean => s !== "0" && isDurLit(s);

const DUR_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
function durSeconds(s: string): number {
  let sign = 1;
  let r = s;
  if (r[0] === "-" || r[0] === "+") {
    sign = r[0] === "-" ? -1 : 1;
    r = r.slice(1);
  }
  if (r === "0") return 0;
  let total = 0;
  for (const m of r.matchAll(/([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/gu)) total += Number(m[1]) * DUR_UNITS[m[2]!]!;
  return sign * total;
}
const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
function qtyNumber(s: string): number {
  const m = QTY_RE.exec(s)!;
  const suf = m[2] ?? "";
  const digits = s.slice(0, s.length - suf.length).replace(/^([+-]?)\.?$/, "$10").replace(/\.$/, "");
  const num = Number(digits === "" || digits === "+" || digits === "-" ? 0 : digits.replace(/^([+-]?)\./, "$10."));
  if (/^[eE]/.test(suf)) return num * 10 ** Number(suf.slice(1));
  return num * (SUFFIX[suf] ?? 1);
}
const SEMVER_RE = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Go fmt.Sprint of a JSON scalar literal (float64 numbers with %v = strconv 'g', shortest). */
function sprintLit(v: Json): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return goG(v);
  return undefined;
}
/** strconv.FormatFloat(x, 'g', -1, 64) (= fmt %v of a float64 = CEL string(double)). */
export function goG(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
  const [m, e] = x.toExponential().split("e") as [string, string];
  const exp = Number(e);
  // shortest digits; %e when the exponent is < -4 or >= 6 (the shortest form decides with precision 6)
  if (exp < -4 || exp >= 6) return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(x);
}

// ---------------------------------------------------------------------------------------------------------------
// Strings that are literal or computed

/** A string: literal, or computed (`plain`: it never holds `*` or `?`, so as a glob it is itself — validated.ts). */
type Str = { lit: string } | { v: Val; plain?: boolean; oneOf?: readonly string[] };
const sv = (s: Str): Val => ("lit" in s ? lit(s.lit) : s.v);
/** A string operand: literal when the value is a string literal (its tests are then decided here); `t`: its type. */
function strOf(v: Val, t?: Ty): Str {
  if (v.k === "lit" && typeof v.value === "string") return { lit: v.value };
  return { v, ...(t && noWild(t) ? { plain: true } : {}), ...(t?.oneOf ? { oneOf: t.oneOf } : {}) };
}
/** A syntax test of a string decided at conversion: a literal, or an enum whose values all agree. */
function decided(s: Str, f: (x: string) => boolean): boolean | undefined {
  if ("lit" in s) return f(s.lit);
  if (!s.oneOf?.length) return undefined;
  const r = s.oneOf.map(f);
  return r.every((x) => x === r[0]) ? r[0] : undefined;
}

/** Kyverno's parseDuration side test (a duration other than "0"). */
function kIsDur(s: Str): Pred {
  const d = decided(s, kDurLit);
  if (d !== undefined || "lit" in s) return bool(d!);
  return and(cmp(s.v, "!=", lit("0")), regex(s.v, DUR_RE));
}
/** time.ParseDuration succeeds ("0" included). */
function isDur0(s: Str): Pred {
  const d = decided(s, isDurLit);
  return d !== undefined || "lit" in s ? bool(d!) : regex(s.v, DUR_RE);
}
function isQty(s: Str): Pred {
  const d = decided(s, isQtyLit);
  return d !== undefined || "lit" in s ? bool(d!) : truthyV(call("isQuantity", s.v));
}
function isFloat(s: Str): Pred {
  const d = decided(s, isFloatLit);
  return d !== undefined || "lit" in s ? bool(d!) : regex(s.v, FLOAT_RE_SRC);
}

/** Anchored RE2 for a literal glob (go-wildcard v1.0.3: `*` any runes, `?` one rune; `(?s)`: newlines too). */
function globRe(g: string): string {
  let re = "(?s)^";
  for (const ch of g) re += ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\.+*?()|[\]{}^$]/g, (m) => `\\${m}`);
  return `${re}$`;
}
function globLit(pattern: string, name: string): boolean {
  if (pattern === "") return name === "";
  if (pattern === "*") return true;
  return new RegExp(globRe(pattern).replace("(?s)", ""), "su").test(name);
}

/** wildcard.Match(pattern, name) with either side literal or computed. */
function glob(pattern: Str, name: Str): Pred {
  if ("lit" in pattern && "lit" in name) return bool(globLit(pattern.lit, name.lit));
  if ("lit" in pattern) {
    const p = pattern.lit;
    const n = (name as { v: Val }).v;
    if (!/[*?]/.test(p)) return cmp(n, "==", lit(p));
    if (p === "*") return { k: "match", value: n, pattern: { k: "prefix", prefix: "" }, ifAbsent: "error" };
    const stars = p.split("*").length - 1;
    if (!p.includes("?") && stars === 1 && p.endsWith("*")) return { k: "match", value: n, pattern: { k: "prefix", prefix: p.slice(0, -1) }, ifAbsent: "error" };
    if (!p.includes("?") && stars === 1 && p.startsWith("*")) return { k: "match", value: n, pattern: { k: "suffix", suffix: p.slice(1) }, ifAbsent: "error" };
    return regex(n, globRe(p));
  }
  // a computed pattern: equal, or (when it holds a wildcard) its glob compiled at run time
  const p = pattern.v;
  if (pattern.plain) return cmp(p, "==", sv(name));
  return or(cmp(p, "==", sv(name)), and(hasWild(p), truthyV(call("matches", sv(name), globReOf(p)))));
}

/** Some literal, as a glob, matches k: the plain literals (three or more) as one `k in [...]`. */
function litPatterns(k: Str, items: string[]): Pred {
  const plain = items.filter((x) => !/[*?]/.test(x));
  if ("lit" in k || plain.length < 3) return or(...items.map((x) => glob({ lit: x }, k)));
  const inPlain: Pred = { k: "in", value: k.v, list: lit([...new Set(plain)]), ifAbsent: "error" };
  return or(inPlain, ...items.filter((x) => /[*?]/.test(x)).map((x) => glob({ lit: x }, k)));
}

/** The computed string holds a wildcard character. */
const hasWild = (p: Val): Pred => or(truthyV(call("contains", p, lit("*"))), truthyV(call("contains", p, lit("?"))));

/** The anchored RE2 of a computed glob, built at run time (metacharacters escaped, `*` → `.*`, `?` → `.`). */
const globReOf = (p: Val): Val => ({ k: "call", fn: "globRegex", args: [p] });

/**
 * A computed key against literal strings, wildcards both ways: some literal, as a glob, matches the key (decided
 * per literal at conversion), or the key, as a glob, matches some literal — its RE2 built once, tested against the
 * list (`key == x` needs no test of its own: a glob matches itself, so the first part holds then).
 */
function keyAgainstLits(k: Str, items: string[], ctx: JmesCtx): Pred {
  const asPatterns = litPatterns(k, items);
  if ("lit" in k || k.plain || !items.length) return asPatterns;
  const x = ctx.fresh("x");
  const re = globReOf(k.v);
  const keyMatches: Pred = items.length === 1 ? truthyV(call("matches", lit(items[0]!), re)) : { k: "quant", q: "any", over: lit(items), v: x, ifAbsent: "error", body: truthyV(call("matches", { k: "path", path: { root: { k: "var", name: x }, segs: [] } }, re)) };
  return or(asPatterns, and(hasWild(k.v), keyMatches));
}

/** wildcard both ways (the In-family's match). */
/** wildcard.Match(a, b) || wildcard.Match(b, a). A plain computed side as a glob is itself (a == b), which the other
 *  direction implies (every glob matches its own text: `*` and `?` match themselves too): one direction. */
const globBoth = (a: Str, b: Str): Pred => {
  if (!("lit" in a) && a.plain) return glob(b, a);
  if (!("lit" in b) && b.plain) return glob(a, b);
  return or(glob(a, b), glob(b, a));
};

// ---------------------------------------------------------------------------------------------------------------
// Operands

/** A substituted key or value: a literal JSON document, or a lowered value / stream. */
type Side = { k: "lit"; value: Json } | { k: "dyn"; j: JV };
/** A condition operand: a side, or a merge() of maps (compared by Equals / NotEquals only). */
type Operand = Side | { k: "merged"; m: MergedMap };

function kindOf(s: Side): Ty {
  return s.k === "lit" ? tyOfJson(s.value) : s.j.k === "list" ? { m: K.list | (s.j.nullIf ? K.null : 0), elem: s.j.elem.ty } : s.j.ty;
}

/** Lower a condition key/value document: `{{ }}` in strings (also inside lists), everything else literal. */
function lowerOperand(doc: JsonValue | undefined, ctx: JmesCtx): Operand {
  if (typeof doc === "string" && hasVariables(doc)) {
    const merged = lowerMergedVariable(doc, ctx);
    if (merged) return { k: "merged", m: merged };
  }
  return lowerSide(doc, ctx);
}

function lowerSide(doc: JsonValue | undefined, ctx: JmesCtx): Side {
  if (doc === undefined) return { k: "lit", value: null };
  if (typeof doc === "string") {
    if (!hasVariables(doc)) return { k: "lit", value: doc.replace(/\\\{\{/g, "{{") };
    return { k: "dyn", j: lowerTemplate(doc, ctx) };
  }
  if (Array.isArray(doc) && doc.some((x) => typeof x === "string" && hasVariables(x))) {
    const items = doc.map((x) => lowerSide(x, ctx));
    if (items.some((x) => x.k === "dyn" && (x.j.k === "list" || x.j.err))) throw new LowerGap("kyverno.condition.list-variables", "a list of variables that are lists or can fail");
    const vals = items.map((x): JVal => (x.k === "lit" ? { k: "val", v: lit(x.value), ty: tyOfJson(x.value), err: false } : (x.j as JVal)));
    const elem = vals.map((x) => x.ty).reduce((a, b) => ({ m: a.m | b.m }));
    return { k: "dyn", j: { k: "val", v: { k: "list", items: vals.map((x) => x.v) }, ty: T.list(elem), err: false } };
  }
  if (doc !== null && typeof doc === "object" && JSON.stringify(doc).includes("{{")) throw new LowerGap("kyverno.condition.map-variables", "variables inside a map condition operand");
  return { k: "lit", value: doc as Json };
}

/** A scalar side as the string fmt.Sprint gives (numbers: %v of float64 = CEL string(double)). */
function sprint(j: JVal): Str {
  const m = j.ty.m & ~K.null;
  // the text of a number or bool has no wildcard characters (digits, sign, `.`, `e`, Inf, NaN, true, false)
  if (m === K.number) return { v: call("string", call("double", j.v)), plain: true };
  if (m === K.bool) return { v: call("string", j.v), plain: true };
  if (m === K.string) return strOf(j.v, j.ty);
  // unknown kinds: CEL string() formats strings, bools and integers as fmt.Sprint does (integers from 1e6 on
  // print in exponent form in Go: not reachable for the string/port/name fields this is used on)
  if (may(j.ty, K.string)) return { v: call("string", j.v), ...(noWild(j.ty) ? { plain: true } : {}) };
  if (only(j.ty, K.number)) return { v: call("string", call("double", j.v)), plain: true };
  if (only(j.ty, K.bool)) return { v: call("string", j.v), plain: true };
  throw new LowerGap("kyverno.condition.sprint", `fmt.Sprint of a value that may be ${kinds(j.ty)}`);
}
const kinds = (t: Ty): string => Object.entries(K).filter(([, b]) => t.m & b).map(([n]) => n).join("/");

// ---------------------------------------------------------------------------------------------------------------
// Operators

export type Operator =
  | "Equals" | "NotEquals" | "In" | "NotIn" | "AnyIn" | "AllIn" | "AnyNotIn" | "AllNotIn"
  | "GreaterThan" | "GreaterThanOrEquals" | "LessThan" | "LessThanOrEquals"
  | "DurationGreaterThan" | "DurationGreaterThanOrEquals" | "DurationLessThan" | "DurationLessThanOrEquals";

const OPERATORS: Record<string, Operator> = Object.fromEntries(
  (["Equals", "NotEquals", "In", "NotIn", "AnyIn", "AllIn", "AnyNotIn", "AllNotIn", "GreaterThan", "GreaterThanOrEquals", "LessThan", "LessThanOrEquals",
    "DurationGreaterThan", "DurationGreaterThanOrEquals", "DurationLessThan", "DurationLessThanOrEquals"] as Operator[]).map((o) => [o.toLowerCase(), o]),
);
OPERATORS["equal"] = "Equals";
OPERATORS["notequal"] = "NotEquals";

/** Kyverno's operator name (case-insensitive, `Equal`/`NotEqual` aliases), or undefined. */
export function operatorOf(name: string): Operator | undefined {
  return OPERATORS[name.toLowerCase()];
}

type Rel = ">" | ">=" | "<" | "<=";
const REL: Record<string, Rel> = { GreaterThan: ">", GreaterThanOrEquals: ">=", LessThan: "<", LessThanOrEquals: "<=" };
const relLit = (a: number, op: Rel, b: number): boolean => (op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b);

/** Equals(key, value) for a key known to be (or assumed) of one kind. */
function equals(key: JVal, value: Side): Pred {
  const t = key.ty;
  const vt = kindOf(value);
  const vlit = value.k === "lit" ? value.value : undefined;
  const kk = t.m & ~K.null;
  // key kind: known, or assumed from the value (schema-typed fields)
  const kind = kk === K.bool || kk === K.number || kk === K.string || kk === K.map || kk === K.list ? kk : kindGuess(vt);
  if (kind === K.bool) return value.k === "lit" ? (typeof vlit === "boolean" ? cmp(key.v, "==", lit(vlit)) : FALSE) : only(vt, K.bool) ? cmp(key.v, "==", dynVal(value)) : gapDyn("Equals", vt);
  if (kind === K.map || kind === K.list) {
    if (value.k === "lit") return (kind === K.map ? isMap(vlit) : Array.isArray(vlit)) ? cmp(key.v, "==", lit(vlit!)) : FALSE;
    if (only(vt, kind)) return cmp(key.v, "==", dynVal(value));
    return gapDyn("Equals", vt);
  }
  if (kind === K.number) {
    if (value.k === "lit") {
      if (typeof vlit === "number") return cmp(key.v, "==", lit(vlit), "number");
      if (typeof vlit === "string") return isFloatLit(vlit) ? cmp(key.v, "==", lit(Number(vlit)), "number") : FALSE;
      return FALSE;
    }
    if (only(vt, K.number)) return cmp(key.v, "==", dynVal(value), "number");
    return gapDyn("Equals", vt);
  }
  // string key
  const k: Str = strOf(key.v, key.ty);
  if (value.k === "lit") {
    if (typeof vlit === "string") return stringEquals(k, { lit: vlit });
    if (typeof vlit === "number") {
      // parseDuration(key string, value number): a duration key against whole seconds
      return and(kIsDur(k), cmp(key.v, "==", lit(`${Math.trunc(vlit)}s`), "duration"));
    }
    return FALSE;
  }
  if (only(vt, K.string)) return stringEquals(k, strOf(dynVal(value), vt));
  return gapDyn("Equals", vt);
}

const isMap = (v: Json | undefined): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && !("double" in v && Object.keys(v).length === 1);

function kindGuess(vt: Ty): number {
  const m = vt.m & ~K.null;
  if (m === K.bool || m === K.number || m === K.string || m === K.map || m === K.list) return m;
  return K.string;
}

function dynVal(s: Side): Val {
  if (s.k === "lit") return lit(s.value);
  return lenient(listVal(s.j, "operand")).v;
}

function gapDyn(op: string, vt: Ty): never {
  throw new LowerGap(`kyverno.condition.${op}.value-type`, `${op}: a computed value that may be ${kinds(vt)}`);
}

/** EqualHandler.validateValueWithStringPattern(key, value string). */
function stringEquals(k: Str, v: Str): Pred {
  const bothDur = and(kIsDur(k), kIsDur(v));
  const durEq = cmp(sv(k), "==", sv(v), "duration");
  const qk = isQty(k);
  const qtyEq = and(isQty(v), cmp(sv(k), "==", sv(v), "quantity"));
  return ite(bothDur, durEq, ite(qk, qtyEq, glob(v, k)));
}

/** NumericOperatorHandler: key/value as numbers, durations, quantities, numeric strings or semver. */
function numeric(key: JVal, op: Rel, value: Side): Pred {
  if (value.k !== "lit") {
    const vt = kindOf(value);
    if (only(vt, K.number) && only(key.ty, K.number)) return cmp(key.v, op, dynVal(value), "number");
    throw new LowerGap("kyverno.condition.numeric.dynamic-value", `${op}: a computed value (only numbers against numbers are modelled)`);
  }
  const v = value.value;
  const kk = key.ty.m & ~K.null;
  const kind = kk === K.number || kk === K.string ? kk : kk === (ANY & ~K.null) ? (typeof v === "number" ? K.number : K.string) : kk;
  if (kind === K.number) return numberKey(key.v, op, v);
  if (kind !== K.string) return FALSE;
  const k: Str = strOf(key.v, key.ty);
  if (typeof v === "number") {
    // duration key vs seconds; else a numeric key string
    const secs = Math.trunc(v);
    return ite(kIsDur(k), cmp(key.v, op, lit(`${secs}s`), "duration"), and(isFloat(k), cmp(call("double", key.v), op, lit({ double: v }), "number")));
  }
  if (typeof v !== "string") return FALSE;
  const dv = kDurLit(v);
  const qv = isQtyLit(v);
  // 1. both durations; 2. both quantities; 3. numeric key string → the number-key rules; 4. semver
  if (SEMVER_RE.test(v) && !qv && !dv) throw new LowerGap("kyverno.condition.numeric.semver", `${op} "${v}": semantic-version comparison is not modelled`);
  const fk = numberKeyOnString(k, op, v);
  return ite(and(kIsDur(k), bool(dv)), cmp(key.v, op, lit(v), "duration"), ite(and(isQty(k), bool(qv)), cmp(key.v, op, lit(v), "quantity"), and(isFloat(k), fk)));
}

/** validateValueWithFloatPattern(number key, value) for a number key read as a value. */
function numberKey(kv: Val, op: Rel, v: Json): Pred {
  if (typeof v === "number") return cmp(kv, op, lit(v), "number");
  if (typeof v !== "string") return FALSE;
  // parseDuration(float key, value string): a duration value compares against the key as whole seconds
  if (kDurLit(v)) return cmp(call("int", kv), op, lit({ double: durSeconds(v) }), "number");
  if (isFloatLit(v)) return cmp(kv, op, lit({ double: Number(v) }), "number");
  return FALSE;
}

/** A numeric key string (ParseFloat succeeded) against a string value. */
function numberKeyOnString(k: Str, op: Rel, v: string): Pred {
  const kv = call("double", sv(k));
  if (kDurLit(v)) return cmp(call("int", kv), op, lit({ double: durSeconds(v) }), "number");
  if (isFloatLit(v)) return cmp(kv, op, lit({ double: Number(v) }), "number");
  return FALSE;
}

/** DurationOperatorHandler (deprecated Duration* operators). */
function durationOp(key: JVal, op: Rel, value: Side): Pred {
  if (value.k !== "lit") throw new LowerGap("kyverno.condition.duration.dynamic-value", "Duration operators with a computed value");
  const v = value.value;
  let vs: string;
  if (typeof v === "number") vs = `${Math.trunc(v)}s`;
  else if (typeof v === "string" && isDurLit(v)) vs = v;
  else return FALSE;
  const kk = key.ty.m & ~K.null;
  if (kk === K.number) return cmp(call("int", key.v), op, lit({ double: durSeconds(vs) }), "number");
  return and(isDur0(strOf(key.v, key.ty)), cmp(key.v, op, lit(vs), "duration"));
}

// ------------------------------------------------------------------------------------------------------------
// The In family

type Family = "In" | "NotIn" | "AnyIn" | "AllIn" | "AnyNotIn" | "AllNotIn";

/** A range `A-B` (operator.InRangeRegex). */
const RANGE_RE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

function isRange(v: string): boolean {
  if (v.length < 2 || /^(>=|<=|>|<|!)/.test(v)) return false;
  if (/^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/.test(v)) return false;
  return RANGE_RE.test(v);
}

/** pattern.validateString(value k, bound, op) for a computed string k and a literal bound. */
function boundCmp(k: Str, op: Rel, bound: string): Pred {
  const viaDur = and(isDur0(k), cmp(sv(k), op, lit(bound), "duration"));
  const viaQty = and(isQty(k), cmp(sv(k), op, lit(bound), "quantity"));
  if (isDurLit(bound)) return ite(isDur0(k), cmp(sv(k), op, lit(bound), "duration"), isQtyLit(bound) ? viaQty : FALSE);
  void viaDur;
  return isQtyLit(bound) ? viaQty : FALSE;
}

/** handleRange(k, "A-B") / "A!-B": pattern.Validate of a string key against a range pattern. */
function inRange(k: Str, v: string, negated: boolean): Pred {
  const m = RANGE_RE.exec(v)!;
  const [a, b] = [m[1]!, m[2]!];
  const pattern = negated ? v.replace("-", "!-") : v;
  const eq = "lit" in k ? bool(k.lit === pattern) : cmp(sv(k), "==", lit(pattern));
  const body = negated ? or(boundCmp(k, "<", a), boundCmp(k, ">", b)) : and(boundCmp(k, ">=", a), boundCmp(k, "<=", b));
  return or(eq, body);
}

/** The one-element test of a number key against a range: compare as numbers (Sprint of a number is a quantity). */
function inRangeNumber(n: Val, v: string, negated: boolean): Pred | undefined {
  const m = RANGE_RE.exec(v)!;
  const [a, b] = [m[1]!, m[2]!];
  if ((isDurLit(a) && a !== "0") || (isDurLit(b) && b !== "0") || !isQtyLit(a) || !isQtyLit(b)) return undefined;
  const [x, y] = [qtyNumber(a), qtyNumber(b)];
  return negated ? or(cmp(n, "<", lit({ double: x }), "number"), cmp(n, ">", lit({ double: y }), "number")) : and(cmp(n, ">=", lit({ double: x }), "number"), cmp(n, "<=", lit({ double: y }), "number"));
}

/** A string value that is a JSON array of strings, or undefined; `invalid` when json.Valid but not []string. */
function jsonStrings(v: string): { valid: boolean; arr?: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return { valid: false };
  }
  if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return { valid: true, arr: parsed as string[] };
  if (parsed === null) return { valid: true, arr: [] };
  return { valid: true };
}

/** A key element or scalar key, as a Sprint string, with its number value when it is a number. */
interface KeyElem {
  s: Str;
  num?: Val;
  /** The key when it is a bool (its text is `true` or `false`: every literal match is decided at conversion). */
  bool?: Val;
}

function keyElem(j: JVal): KeyElem {
  if (only(j.ty, K.number)) return j.v.k === "lit" && typeof j.v.value === "number" ? { s: { lit: goG(j.v.value) } } : { s: sprint(j), num: j.v };
  if ((j.ty.m & ~K.null) === K.bool && j.v.k !== "lit") return { s: sprint(j), bool: j.v };
  return { s: sprint(j) };
}

/** A bool key (non-null) against literals, wildcards both ways: which of `true`/`false` some literal matches. */
function boolAgainstLits(b: Val, items: string[]): Pred {
  const hits = (t: string): boolean => items.some((x) => globLit(x, t) || x === t);
  const [t, f] = [hits("true"), hits("false")];
  return t && f ? TRUE : t ? boolIs(b, true) : f ? boolIs(b, false) : FALSE;
}

/** `b == want` for a bool-or-null value: a conditional with a null or literal branch is decided branch by branch
 *  (`(has(x) ? p : null) == true` is `has(x) && p`; null equals neither bool). */
function boolIs(b: Val, want: boolean): Pred {
  if (b.k === "cond") {
    const branch = (v: Val): Pred | undefined => (isNullVal(v) ? FALSE : v.k === "lit" && typeof v.value === "boolean" ? bool(v.value === want) : undefined);
    const [a, e] = [branch(b.then), branch(b.else)];
    if (a && e) return ite(b.test, a, e);
    if (a && isC(a, false)) return and(not(b.test), boolIs(b.else, want));
    if (e && isC(e, false)) return and(b.test, boolIs(b.then, want));
  }
  return cmp(b, "==", lit(want));
}

/** Elements of the value side for set semantics: a literal list, a computed list or stream. */
type ValueSet = { k: "lits"; items: string[] } | { k: "dyn"; j: JV };

function matchAny(e: KeyElem, vs: ValueSet, ctx: JmesCtx): Pred {
  if (vs.k === "lits") return e.num ? or(...vs.items.map((x) => matchOne(e, x))) : e.bool ? boolAgainstLits(e.bool, vs.items) : keyAgainstLits(e.s, vs.items, ctx);
  return quantify(vs.j, "any", (ve) => globBoth(sprint(ve), e.s), ctx);
}

function matchOne(e: KeyElem, x: string): Pred {
  if (e.num) return /[*?]/.test(x) ? glob({ lit: x }, e.s) : cmp(sv(e.s), "==", lit(x));
  return globBoth({ lit: x }, e.s);
}

/** The In family with a computed value that may be null: every operator is false then (Kyverno: invalid type). */
function family(op: Family, key: Side, value: Side, ctx: JmesCtx): Pred {
  if (value.k !== "dyn") return familyBody(op, key, value, ctx);
  const j = value.j;
  if (j.k === "list" && j.nullIf) return and(not(j.nullIf), familyBody(op, key, { k: "dyn", j: { ...j, nullIf: undefined } as JList }, ctx));
  if (j.k === "val" && may(j.ty, K.null)) {
    if (j.ty.m === K.null) return FALSE;
    return and(notNull(j.v), familyBody(op, key, value, ctx));
  }
  return familyBody(op, key, value, ctx);
}

function familyBody(op: Family, key: Side, value: Side, ctx: JmesCtx): Pred {
  const kt = kindOf(key);
  const keyIsList = key.k === "lit" ? Array.isArray(key.value) : key.j.k === "list" || (kt.m & ~K.null) === K.list;
  const negated = op === "NotIn" || op === "AnyNotIn" || op === "AllNotIn";
  const deprecated = op === "In" || op === "NotIn";
  if (key.k === "lit" && (key.value === null || isMap(key.value))) return FALSE;

  // value side
  const v = value.k === "lit" ? value.value : undefined;
  const vt = kindOf(value);
  if (value.k === "dyn" && value.j.k === "val" && (vt.m & ~K.null) !== K.list && key.k === "lit" && typeof key.value === "string" && op === "AnyIn") {
    const dispatched = anyInComputed(op, key.value, value.j, ctx);
    if (dispatched) return dispatched;
  }
  if (value.k === "dyn" && value.j.k === "val" && (vt.m & ~K.null) === K.string && !keyIsList && (op === "AnyIn" || op === "AnyNotIn")) {
    const s = scalarKeyString(key);
    if (s) return stringValueSet(op, s, value.j.v);
  }
  if (value.k === "dyn" && (vt.m & ~K.null) !== K.list)
    throw new LowerGap(`kyverno.condition.${op}.dynamic-value`, `${op}: a computed value that may be ${kinds(vt)} (a string value may be a glob, a range or a JSON array at run time)`);

  if (!keyIsList) {
    // scalar key: Sprint(key)
    const kj: JVal = key.k === "lit" ? { k: "val", v: lit(key.value), ty: tyOfJson(key.value), err: false } : (key.j as JVal);
    if (key.k === "lit" && typeof key.value !== "string" && typeof key.value !== "number" && typeof key.value !== "boolean") return FALSE;
    const e: KeyElem = key.k === "lit" ? { s: { lit: sprintLit(key.value)! } } : keyElem(kj);
    let exists: Pred = FALSE;
    let invalid = false;
    if (value.k === "dyn") exists = matchAny(e, { k: "dyn", j: value.j }, ctx);
    else if (Array.isArray(v)) exists = matchAny(e, { k: "lits", items: v.map((x) => sprintAny(x)) }, ctx);
    else if (typeof v === "string") {
      const g = e.num ? (/[*?]/.test(v) ? glob({ lit: v }, e.s) : cmp(sv(e.s), "==", lit(v))) : glob({ lit: v }, e.s);
      if (deprecated) {
        const js = jsonStrings(v);
        if (!js.arr) return negated ? and(not(g), FALSE) : g; // unmarshal failure: invalid → false (unless the glob matched)
        exists = or(g, ...js.arr.map((x) => cmp(sv(e.s), "==", lit(x))));
        if (negated) return and(not(g), not(exists));
      } else if (isRange(v)) {
        const r = e.num ? inRangeNumber(e.num, v, false) : undefined;
        exists = or(g, r ?? inRange(e.s, v, false));
      } else {
        const js = jsonStrings(v);
        if (js.valid && !js.arr) {
          // json.Valid but not a []string: invalid type → false, unless the glob matched first
          return negated ? FALSE : g;
        }
        exists = or(g, ...(js.arr ?? [v]).map((x) => cmp(sv(e.s), "==", lit(x))));
      }
    } else invalid = true;
    if (invalid) return FALSE;
    return negated ? not(exists) : exists;
  }

  // list key
  if (deprecated) return deprecatedSet(op as "In" | "NotIn", key, value, ctx);
  const any = op === "AnyIn" || op === "AnyNotIn";
  const keysJ: JV = key.k === "lit" ? { k: "val", v: lit(key.value), ty: tyOfJson(key.value), err: false } : key.j;
  const nullKey = keysJ.k === "list" ? keysJ.nullIf : may(keysJ.ty, K.null) ? { k: "not", of: notNull(keysJ.v) } as Pred : undefined;
  const keysNN: JV = keysJ.k === "val" && may(keysJ.ty, K.null) ? { ...keysJ, v: nonNull(keysJ.v), ty: { ...keysJ.ty, m: K.list } } : keysJ.k === "list" ? { ...keysJ, nullIf: undefined } as JList : keysJ;
  let vs: ValueSet | undefined;
  let rangeV: string | undefined;
  let special: string | undefined;
  if (value.k === "dyn") vs = { k: "dyn", j: value.j };
  else if (Array.isArray(v)) vs = { k: "lits", items: v.map((x) => sprintAny(x)) };
  else if (typeof v === "number" || typeof v === "boolean") {
    if (!any) return FALSE; // allSetExistsInArray: invalid type
    vs = { k: "lits", items: [sprintLit(v)!] };
  } else if (typeof v === "string") {
    special = v;
    if (isRange(v)) rangeV = v;
    else {
      const js = jsonStrings(v);
      if (js.valid && !js.arr) return FALSE;
      vs = { k: "lits", items: js.arr ?? [v] };
      if (!js.valid) special = undefined; // keys == [v] is subsumed by the glob match of v
    }
  } else return FALSE;

  const perKey = (ke: KeyElem): Pred => {
    if (rangeV !== undefined) {
      const r = ke.num ? inRangeNumber(ke.num, rangeV, op === "AnyNotIn") : undefined;
      const inR = r ?? inRange(ke.s, rangeV, op === "AnyNotIn");
      // AnyNotIn tests the negated range; AllNotIn negates the plain one
      return op === "AllNotIn" ? not(inR) : inR;
    }
    const m = matchAny(ke, vs!, ctx);
    return op === "AnyIn" || op === "AllIn" ? m : not(m);
  };
  const q: "any" | "all" = any ? "any" : "all";
  let body = quantify(keysNN, q, (e) => perKey(keyElem(e)), ctx);
  if (special !== undefined && rangeV === undefined) {
    // len(keys) == 1 && keys[0] == value (a JSON-array text equal to the value)
    const l = listVal(keysNN, op);
    const one = and(cmp(call("size", l.v), "==", lit(1)), quantify(l, "any", (e) => cmp(e.v, "==", lit(special!)), ctx));
    body = or(and(one, bool(op === "AnyIn" || op === "AllIn")), and(not(one), body));
  }
  // a declared list field that is absent: the loops see `[]` and an existential body is false, as Kyverno's null key
  const guardless = q === "any" && special === undefined && keysJ.k === "list" && keysJ.nullOnlyAbsent === true;
  return nullKey && !guardless ? and(not(nullKey), body) : body;
}

/**
 * AnyIn of a literal string key K against a computed value of unknown kind (anyin.go anyKeyExistsInArray),
 * dispatched on its runtime kind: a list → the list semantics; a string V → K matches the glob V, or V is a range
 * `A-B` (false for a K that is no quantity or duration: such keys only), or V is JSON: a `[]string` holding K (other
 * JSON: invalid type, false), else V == K (implied by the glob); anything else → invalid type: false. Undefined when
 * K parses as a quantity or duration (ranges would count). (AnyNotIn would need json.Valid of any JSON text, which no
 * regular expression decides: a gap.)
 */
function anyInComputed(op: "AnyIn", k: string, value: JVal, ctx: JmesCtx): Pred | undefined {
  if (isQtyLit(k) || isDurLit(k)) return undefined;
  const asString: Pred = or(glob(strOf(value.v, value.ty), { lit: k }), regex(value.v, jsonStringsHolding(k)));
  const t = value.ty;
  const parts: [Pred, Pred][] = [];
  if (may(t, K.string)) parts.push([kindTest(value.v, "string"), asString]);
  if (may(t, K.list)) {
    const listSide: Side = { k: "dyn", j: { ...value, ty: { m: K.list, ...(t.elem ? { elem: t.elem } : {}) }, err: false } };
    parts.push([kindTest(value.v, "list"), familyBody(op, { k: "lit", value: k }, listSide, ctx)]);
  }
  return parts.reduceRight<Pred>((rest, [test, then]) => or(and(test, then), and(not(test), rest)), FALSE);
}

const kindTest = (v: Val, kind: "string" | "list"): Pred => ({ k: "kind", value: v, kind, ifAbsent: "error" });

/** A scalar key that is a string (literal or computed), or undefined (numbers and bools: their Sprint text). */
function scalarKeyString(key: Side): Str | undefined {
  if (key.k === "lit") return typeof key.value === "string" ? { lit: key.value } : undefined;
  if (key.j.k !== "val" || (key.j.ty.m & ~K.null) !== K.string) return undefined;
  return strOf(key.j.v, key.j.ty);
}

// JSON texts (RFC 8259) as RE2: whitespace, strings, scalars; what json.Valid accepts, for these shapes exactly
const JWS = "[ \\t\\n\\r]*";
const JSTR = String.raw`"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`;
/** A JSON array of strings (null elements unmarshal into ""). */
const JSON_STRING_ARRAY_RE = `^${JWS}\\[${JWS}(?:(?:${JSTR}|null)${JWS}(?:,${JWS}(?:${JSTR}|null)${JWS})*)?\\]${JWS}$`;
const JSON_SCALAR_RE = `^${JWS}(?:true|false|-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|${JSTR})${JWS}$`;
const JSON_NULL_RE = `^${JWS}null${JWS}$`;
/** Starts like an array or an object: valid JSON or not, only a parser tells. */
const JSON_CONTAINER_START_RE = `^${JWS}[\\[{]`;
/** operator.InRange (GetOperatorFromStringPattern) as RE2. */
const IN_RANGE_RE = "^[-|+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*-[-|+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*$";
const RE2_META = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"];

/** The RE2 matching exactly the key's text (metacharacters escaped: at run time for a computed key). */
function quotedRe(k: Str): Val {
  if ("lit" in k) return lit(k.lit.replace(/[\\.+*?()|[\]{}^$]/g, (m) => `\\${m}`));
  return RE2_META.reduce<Val>((re, ch) => call("replace", re, lit(ch), lit(`\\${ch}`)), k.v);
}

/**
 * AnyIn / AnyNotIn of a string key against a string value known only at run time (anyin.go anyKeyExistsInArray):
 * the value as a glob matches the key → found; a range `A-B` → pattern.Validate (not modelled: an evaluation error
 * here); valid JSON → unmarshalled into []string (another JSON value: invalid type, both operators false; `null`:
 * no elements) and the key is found among its elements; invalid JSON → the value itself is the one element. Decided
 * by RE2 over the text: a JSON array of strings without escapes is searched for the key. Not modelled (an evaluation
 * error here, stricter): ranges, escaped strings, and — for AnyNotIn — texts starting like an array or object that
 * are not arrays of strings (valid JSON: invalid type, false; invalid: the text itself, true; only a parser tells).
 */
function stringValueSet(op: "AnyIn" | "AnyNotIn", k: Str, w: Val): Pred {
  const any = op === "AnyIn";
  const is = (re: string): Pred => regex(w, re);
  const yes = (found: Pred): Val => truthyVal(any ? found : not(found));
  // the key among the elements (strings without escapes, or null standing for "")
  const elem = `(?:"[^"\\\\]*"|null)`;
  const orNull: Val = "lit" in k ? lit(k.lit === "" ? "|null" : "") : { k: "cond", test: cmp(k.v, "==", lit("")), then: lit("|null"), else: lit("") };
  const member = and("lit" in k ? bool(!k.lit.includes('"')) : not(truthyV(call("contains", k.v, lit('"')))), truthyV(call("matches", w, {
    k: "strcat",
    parts: [lit(`^${JWS}\\[(?:${JWS}${elem}${JWS},)*${JWS}(?:"`), quotedRe(k), lit('"'), orNull, lit(`)${JWS}(?:,${JWS}${elem}${JWS})*\\]${JWS}$`)],
  })));
  const noEscape = not(truthyV(call("contains", w, lit("\\"))));
  const chain: [Pred, Val][] = [
    [glob({ v: w }, k), lit(any)],
    [is(IN_RANGE_RE), ERROR_VAL],
    [is(JSON_STRING_ARRAY_RE), { k: "cond", test: noEscape, then: yes(member), else: ERROR_VAL }],
    [is(JSON_NULL_RE), lit(!any)],
    [is(JSON_SCALAR_RE), lit(false)],
    // another array or an object (valid: invalid type) or invalid JSON (the text itself, not the key): AnyIn is
    // false either way; AnyNotIn tells them apart
    [is(JSON_CONTAINER_START_RE), any ? lit(false) : ERROR_VAL],
  ];
  return truthyV(chain.reduceRight<Val>((rest, [test, then]) => ({ k: "cond", test, then, else: rest }), lit(!any)));
}

/**
 * RE2 matching exactly the JSON texts (json.Valid) of an array of strings, one of which decodes to `k`: JSON
 * whitespace anywhere between tokens; each character of k written as itself or as a `\u` escape (any hex case),
 * `"`, `\`, `/` and control characters as their short escapes too.
 */
function jsonStringsHolding(k: string): string {
  const ws = String.raw`[ \t\n\r]*`;
  const anyStr = String.raw`"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`;
  const hex = (n: number): string => [...n.toString(16).padStart(4, "0")].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join("");
  const SHORT: Record<string, string> = { '"': String.raw`\\"`, "\\": String.raw`\\\\`, "/": String.raw`\\/`, "\b": String.raw`\\b`, "\f": String.raw`\\f`, "\n": String.raw`\\n`, "\r": String.raw`\\r`, "\t": String.raw`\\t` };
  const charRe = (c: string): string => {
    const cp = c.codePointAt(0)!;
    const u = String.raw`\\u`;
    const esc = cp > 0xffff ? `${u}${hex(0xd800 + ((cp - 0x10000) >> 10))}${u}${hex(0xdc00 + ((cp - 0x10000) & 0x3ff))}` : `${u}${hex(cp)}`;
    const plain = c !== '"' && c !== "\\" && cp >= 0x20 ? [c.replace(/[\\.+*?()|[\]{}^$]/g, (m) => `\\${m}`)] : [];
    return `(?:${[esc, ...(SHORT[c] ? [SHORT[c]!] : []), ...plain].join("|")})`;
  };
  // a null element unmarshals into "" (encoding/json: null leaves a string's zero value)
  const target = k === "" ? `(?:""|null)` : `"${[...k].map(charRe).join("")}"`;
  const item = `${ws}(?:${anyStr}|null)${ws}`;
  return `^${ws}\\[(?:${item},)*${ws}${target}${ws}(?:,${item})*\\]${ws}$`;
}

function nonNull(v: Val): Val {
  if (isNullDefault(v)) return { ...v, fallback: lit([]) };
  return v;
}

/** fmt.Sprint of a literal value element (maps/lists/null: Go's %v text, not modelled). */
function sprintAny(x: Json): string {
  const s = sprintLit(x);
  if (s === undefined) throw new LowerGap("kyverno.condition.sprint", `fmt.Sprint of ${JSON.stringify(x)} (Go %v of a map/list/nil)`);
  return s;
}

/** In / NotIn with a list key: keys ⊆ value (exact equality of strings). */
function deprecatedSet(op: "In" | "NotIn", key: Side, value: Side, ctx: JmesCtx): Pred {
  const keysJ: JV = key.k === "lit" ? { k: "val", v: lit(key.value), ty: tyOfJson(key.value), err: false } : key.j;
  const et = keysJ.k === "list" ? keysJ.elem.ty : keysJ.ty.elem ?? T.any;
  if (!only(et, K.string) && et.m !== ANY) throw new LowerGap("kyverno.condition.in.non-string-keys", `${op}: list keys must be strings (Kyverno panics otherwise)`);
  if (value.k !== "lit") throw new LowerGap(`kyverno.condition.${op}.dynamic-value`, `${op} with a list key and a computed value`);
  const v = value.value;
  let arr: string[];
  let one: string | undefined;
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === "string")) return FALSE;
    arr = v as string[];
  } else if (typeof v === "string") {
    const js = jsonStrings(v);
    one = v;
    if (!js.arr) {
      const l = listVal(keysJ, op);
      return and(notNull(l.v), cmp(call("size", l.v), "==", lit(1)), quantify(l, "any", (e) => cmp(e.v, "==", lit(v)), ctx));
    }
    arr = js.arr;
  } else return FALSE;
  const inArr = (e: JVal): Pred => or(...arr.map((x) => cmp(e.v, "==", lit(x))));
  const body = op === "In" ? quantify(keysJ, "all", inArr, ctx) : quantify(keysJ, "any", (e) => not(inArr(e)), ctx);
  if (one === undefined) return body;
  const l = listVal(keysJ, op);
  const single = and(cmp(call("size", l.v), "==", lit(1)), quantify(l, "any", (e) => cmp(e.v, "==", lit(one!)), ctx));
  return or(single, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Maps built by merge()

/** A map side of Equals: a base map with static keys laid over it (none for a plain map); `isMap` when the side is a
 *  map only at run time. */
interface MapSide {
  base: Val;
  over: Map<string, Val>;
  isMap?: Pred;
}

function mapSide(s: Operand): MapSide | undefined {
  if (s.k === "merged") return { base: s.m.base.v, over: new Map(s.m.over.map(([k, v]) => [k, v.v])) };
  if (s.k === "lit") return isMap(s.value) ? { base: lit(s.value), over: new Map() } : undefined;
  const j = lenient(listVal(s.j, "operand"));
  if (!may(j.ty, K.map)) return undefined;
  return { base: j.v, over: new Map(), ...(only(j.ty, K.map) ? {} : { isMap: { k: "kind", value: j.v, kind: "map", ifAbsent: "error" } as Pred }) };
}

/**
 * Equals of maps, one side (at least) a merge() result (EqualHandler: a map key against a map value, DeepEqual; any
 * other value → false). The keys laid over either side are compared one by one (present on both with equal values,
 * or absent from both); every other key of either base must be in the other with an equal value.
 */
function mergedEquals(a: Operand, b: Operand, ctx: JmesCtx): Pred {
  const [x, y] = [mapSide(a), mapSide(b)];
  if (!x || !y) return FALSE;
  const over = [...new Set([...x.over.keys(), ...y.over.keys()])];
  const at = (m: MapSide, k: string): { present: Pred; v: Val } => {
    const o = m.over.get(k);
    if (o) return { present: TRUE, v: o };
    const t = ctx.fresh("m");
    return { present: { k: "in", value: lit(k), list: m.base, ifAbsent: "error" }, v: { k: "let", name: t, value: m.base, body: { k: "path", path: { root: { k: "var", name: t }, segs: [{ k: "key", key: k }] } } } };
  };
  const overKeys = over.map((k) => {
    const [p, q] = [at(x, k), at(y, k)];
    const same = cmp(p.v, "==", q.v);
    return or(and(p.present, q.present, same), and(not(p.present), not(q.present)));
  });
  const rest = (m: MapSide, other: MapSide, values: boolean): Pred => {
    const k = ctx.fresh("k");
    const key: Val = { k: "path", path: { root: { k: "var", name: k }, segs: [] } };
    const read = (base: Val): Val => {
      const t = ctx.fresh("m");
      return { k: "let", name: t, value: base, body: { k: "path", path: { root: { k: "var", name: t }, segs: [{ k: "index", at: key }] } } };
    };
    const inOther: Pred = { k: "in", value: key, list: other.base, ifAbsent: "error" };
    const kept = values ? and(inOther, cmp(read(other.base), "==", read(m.base))) : inOther;
    const skip: Pred = over.length ? { k: "in", value: key, list: lit(over), ifAbsent: "error" } : FALSE;
    return { k: "quant", q: "all", over: m.base, v: k, body: or(skip, kept), ifAbsent: "error" };
  };
  const body = over.length ? and(...overKeys, rest(x, y, true), rest(y, x, false)) : cmp(x.base, "==", y.base);
  return and(...[x.isMap, y.isMap].filter((p): p is Pred => p !== undefined), body);
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions

export interface LowerConditionsOptions extends JmesScope {}

/** Counts for reports: operators and JMESPath functions seen while lowering. */
export interface LowerStats {
  operators: Record<string, number>;
  functions: Record<string, number>;
}

/** Lowered condition: the predicate and the values whose failure must surface first (Kyverno errors). */
interface Lowered {
  pred: Pred;
  /** Substituted values that can fail: evaluated before the operator so no `&&`/`||` swallows their error. */
  touch: Val[];
}

function lowerOne(c: Condition, ctx: JmesCtx): Lowered {
  const op = operatorOf(c.operator);
  if (!op) throw new LowerGap("kyverno.condition.operator", `unknown operator ${c.operator} (Kyverno: the condition fails to evaluate)`, "stricter");
  const keyO = lowerOperand(c.key, ctx);
  const valueO = lowerOperand(c.value, ctx);
  const touch: Val[] = [];
  for (const s of [keyO, valueO]) if (s.k === "dyn") touch.push(...fallible(s.j));
  for (const s of [keyO, valueO]) if (s.k === "merged") touch.push(...[s.m.base, ...s.m.over.map(([, v]) => v)].flatMap(fallible));
  if (keyO.k === "merged" || valueO.k === "merged") {
    if (op !== "Equals" && op !== "NotEquals") throw new LowerGap("kyverno.condition.merged-map", `${op} of a merge() result (only Equals/NotEquals of maps are modelled)`);
    // NotEquals is !Equals for a map key (a non-map key: another handler, false for null)
    const mapKey = keyO.k === "merged" || (keyO.k === "lit" ? isMap(keyO.value) : only(kindOf(keyO), K.map));
    if (op === "NotEquals" && !mapKey) throw new LowerGap("kyverno.condition.merged-map", "NotEquals of a key that may not be a map against a merge() result");
    const e = mergedEquals(keyO, valueO, ctx);
    return { pred: op === "Equals" ? e : not(e), touch };
  }
  const [key, value] = [keyO, valueO];
  // after the touch, reads are plain again (the values are known to evaluate)
  const keyJ: JVal | undefined = key.k === "dyn" && key.j.k === "val" ? key.j : key.k === "lit" ? { k: "val", v: lit(key.value), ty: tyOfJson(key.value), err: false } : undefined;
  let pred: Pred;
  switch (op) {
    case "Equals":
    case "NotEquals": {
      const kj = keyJ ?? listVal((key as { j: JV }).j, op);
      const e = equalsWithNull(kj, value);
      pred = op === "Equals" ? e : and(notNullPred(kj), not(e));
      break;
    }
    case "GreaterThan":
    case "GreaterThanOrEquals":
    case "LessThan":
    case "LessThanOrEquals": {
      const kj = scalarKey(keyJ, key, op);
      pred = and(notNullPred(kj), numeric(kj, REL[op]!, value));
      break;
    }
    case "DurationGreaterThan":
    case "DurationGreaterThanOrEquals":
    case "DurationLessThan":
    case "DurationLessThanOrEquals": {
      const kj = scalarKey(keyJ, key, op);
      pred = and(notNullPred(kj), durationOp(kj, REL[op.slice("Duration".length)]!, value));
      break;
    }
    default:
      pred = familyWithNull(op, key, value, ctx);
  }
  return { pred, touch };
}

/**
 * The values of a side whose evaluation can fail, to be evaluated before the operator: a value that can raise
 * NotFound at the top, or one holding Kyverno's error value anywhere (inside a function argument, a projection, a
 * context entry): CEL's `&&`/`||` would otherwise let another operand decide where Kyverno reports the error.
 */
function fallible(j: JV): Val[] {
  if (j.k === "val") return j.err || hasErrorMarker(j.v) ? [j.v] : [];
  if (!hasErrorMarker({ k: "list", items: [...j.loops.flatMap((l) => [l.over, ...(l.keep ? [truthyVal(l.keep)] : [])]), j.elem.v, ...(j.nullIf ? [truthyVal(j.nullIf)] : [])] })) return [];
  return [streamTouch(j)];
}

const truthyVal = (p: Pred): Val => ({ k: "cond", test: p, then: lit(true), else: lit(false) });

/** A value evaluating every part of a stream Kyverno evaluates (each list, each filter, each kept element's value). */
function streamTouch(l: JList): Val {
  const elem = cmp(call("size", { k: "list", items: [l.elem.v] }), "==", lit(1));
  let body: Pred = elem;
  for (let i = l.loops.length - 1; i >= 0; i--) {
    const loop = l.loops[i]!;
    const kept: Pred = loop.keep ? truthyV({ k: "cond", test: loop.keep, then: truthyVal(body), else: lit(true) }) : body;
    body = { k: "quant", q: "all", over: loop.over, v: loop.v, body: kept, ifAbsent: "error" };
  }
  return l.nullIf ? { k: "cond", test: l.nullIf, then: lit(true), else: truthyVal(body) } : truthyVal(body);
}

function scalarKey(keyJ: JVal | undefined, key: Side, op: string): JVal {
  if (!keyJ) throw new LowerGap(`kyverno.condition.${op}.list-key`, `${op} with a list key (always false in Kyverno unless a string)`);
  const m = keyJ.ty.m & ~K.null;
  if (m === K.list || m === K.map || m === K.bool) return { ...keyJ, v: lit(null), ty: T.null };
  void key;
  return keyJ;
}

const notNullPred = (j: JVal): Pred => (may(j.ty, K.null) && !(j.v.k === "lit" && j.v.value !== null) ? (j.ty.m === K.null ? FALSE : notNull(j.v)) : TRUE);

/** Equals with a key that may be null (false), dispatching on its non-null kind. */
function equalsWithNull(kj: JVal, value: Side): Pred {
  if (kj.ty.m === K.null) return FALSE;
  if (kj.v.k === "lit") {
    const kv = kj.v.value;
    if (value.k === "lit") return bool(equalsLit(kv, value.value));
    // literal key vs computed value: the value is the glob / the compared side
    if (typeof kv === "string") {
      const vt = kindOf(value);
      if (!only(vt, K.string)) gapDyn("Equals", vt);
      return stringEquals({ lit: kv }, strOf(dynVal(value), vt));
    }
    if (typeof kv === "number" || typeof kv === "boolean") {
      const vt = kindOf(value);
      if (only(vt, typeof kv === "number" ? K.number : K.bool)) return cmp(dynVal(value), "==", lit(kv), typeof kv === "number" ? "number" : undefined);
      gapDyn("Equals", vt);
    }
    return FALSE;
  }
  return and(notNullPred(kj), equals(kj, value));
}

/** Equals of two literals, as EqualHandler computes it. */
function equalsLit(k: Json, v: Json): boolean {
  if (typeof k === "boolean") return typeof v === "boolean" && k === v;
  if (typeof k === "number") return typeof v === "number" ? k === v : typeof v === "string" && isFloatLit(v) ? Number(v) === k : false;
  if (typeof k === "string") {
    if (typeof v === "string" && kDurLit(k) && kDurLit(v)) return durSeconds(k) === durSeconds(v);
    if (typeof v === "number" && kDurLit(k)) return durSeconds(k) === Math.trunc(v);
    if (isQtyLit(k) && typeof v === "string") return isQtyLit(v) && qtyNumber(k) === qtyNumber(v);
    return typeof v === "string" && globLit(v, k);
  }
  if (k === null) return false;
  return JSON.stringify(k) === JSON.stringify(v);
}

function familyWithNull(op: Family, key: Side, value: Side, ctx: JmesCtx): Pred {
  if (key.k === "dyn" && key.j.k === "list" && key.j.orElse) {
    // `a[].b[] || d`: the stream when it has an element, else d
    const { orElse, ...stream } = key.j;
    const nonEmpty = and(stream.nullIf ? not(stream.nullIf) : TRUE, quantify({ ...stream, nullIf: undefined } as JList, "any", () => TRUE, ctx));
    return ite(nonEmpty, family(op, { k: "dyn", j: { ...stream, nullIf: undefined } as JList }, value, ctx), familyWithNull(op, { k: "dyn", j: orElse }, value, ctx));
  }
  if (key.k === "dyn" && key.j.k === "val" && key.j.v.k === "cond" && (key.j.ty.m & (K.list | K.string)) === (K.list | K.string)) {
    // `list || ''`: a list key when the list is truthy, else the scalar
    const c = key.j.v;
    const thenT: Ty = c.then.k === "lit" ? tyOfJson(c.then.value) : { ...key.j.ty, m: K.list, ...(key.j.ty.elem ? { elem: key.j.ty.elem } : {}) };
    const elseT: Ty = c.else.k === "lit" ? tyOfJson(c.else.value) : { m: K.list };
    return ite(c.test, familyWithNull(op, { k: "dyn", j: { k: "val", v: c.then, ty: thenT, err: false } }, value, ctx), familyWithNull(op, { k: "dyn", j: { k: "val", v: c.else, ty: elseT, err: false } }, value, ctx));
  }
  if (key.k === "dyn" && key.j.k === "val" && may(key.j.ty, K.null) && !may(key.j.ty, K.list)) {
    const j = key.j;
    if (j.ty.m === K.null) return FALSE;
    return and(notNull(j.v), family(op, { k: "dyn", j: { ...j, ty: { ...j.ty, m: j.ty.m & ~K.null } } }, value, ctx));
  }
  return family(op, key, value, ctx);
}

/** One condition → predicate (true = the condition holds). */
export function lowerCondition(c: Condition, opts: LowerConditionsOptions = {}, stats?: LowerStats): Pred {
  const ctx = new JmesCtx(opts);
  const l = lowerOne(c, ctx);
  if (stats) record(stats, c, ctx);
  return guarded(l);
}

function record(stats: LowerStats, c: Condition, ctx: JmesCtx): void {
  const op = operatorOf(c.operator) ?? c.operator;
  stats.operators[op] = (stats.operators[op] ?? 0) + 1;
  for (const [f, n] of Object.entries(ctx.stats.functions)) stats.functions[f] = (stats.functions[f] ?? 0) + n;
}

/** The predicate evaluated after every failing value (CEL: `size([a, b]) == 2 ? P : false`). */
function guarded(l: Lowered): Pred {
  if (!l.touch.length) return l.pred;
  // dyn() each value of several: a CEL list literal must be homogeneous
  const items = l.touch.length > 1 ? l.touch.map((v): Val => ({ k: "call", fn: "dyn", args: [v] })) : l.touch;
  const touch = cmp(call("size", { k: "list", items }), "==", lit(l.touch.length));
  return truthyV({ k: "cond", test: touch, then: { k: "cond", test: l.pred, then: lit(true), else: lit(false) }, else: lit(false) });
}

const mayFail = (l: Lowered): boolean => l.touch.length > 0;

/** Kyverno's sequential evaluation with errors: `a ? true : b` (any), `a ? b : false` (all). */
function seq(kind: "any" | "all", ls: Lowered[]): Pred {
  if (!ls.some(mayFail)) return kind === "any" ? or(...ls.map((l) => l.pred)) : and(...ls.map((l) => l.pred));
  let out: Val = lit(kind === "all");
  for (let i = ls.length - 1; i >= 0; i--) {
    const p = guarded(ls[i]!);
    out = kind === "any" ? { k: "cond", test: p, then: lit(true), else: out } : { k: "cond", test: p, then: out, else: lit(false) };
  }
  return truthyV(out);
}

/**
 * `{any, all}` → predicate: any = some condition holds (none listed → true), all = every one holds; both present →
 * both. The legacy list is `all`. `stats` (optional) counts operators and functions.
 */
export function lowerConditions(cs: Conditions, opts: LowerConditionsOptions = {}, stats?: LowerStats): Pred {
  const ctx = new JmesCtx(opts);
  const anyL = cs.any?.map((c) => lowerOne(c, ctx));
  const allL = cs.all?.map((c) => lowerOne(c, ctx));
  if (stats) {
    for (const c of [...(cs.any ?? []), ...(cs.all ?? [])]) {
      const op = operatorOf(c.operator) ?? c.operator;
      stats.operators[op] = (stats.operators[op] ?? 0) + 1;
    }
    for (const [f, n] of Object.entries(ctx.stats.functions)) stats.functions[f] = (stats.functions[f] ?? 0) + n;
  }
  const a = anyL ? (anyL.length ? seq("any", anyL) : FALSE) : TRUE;
  const b = allL ? seq("all", allL) : TRUE;
  if (!anyL || !allL) return anyL ? a : b;
  const fails = anyL.some(mayFail) || allL.some(mayFail);
  if (!fails) return and(a, b);
  // both blocks are evaluated (an error in `all` surfaces even when `any` is false)
  return truthyV({ k: "cond", test: a, then: { k: "cond", test: b, then: lit(true), else: lit(false) }, else: { k: "cond", test: b, then: lit(false), else: lit(false) } });
}

/** The error value (for converters that need Kyverno's "rule error" where no path is read). */
export { ERROR_VAL };
export type { Path };
