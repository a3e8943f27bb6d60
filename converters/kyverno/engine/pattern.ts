// Kyverno's validate pattern matcher (kyverno/kyverno pkg/engine/validate/validate.go, pkg/engine/anchor/*,
// pkg/engine/pattern/pattern.go, pkg/engine/wildcards/wildcards.go, pkg/engine/operator/operator.go) re-implemented
// for the Kyverno source engine, plus the Go semantics it leans on: IGLOU-EU/go-wildcard v1.0.3 `Match`,
// time.ParseDuration, strconv.ParseFloat, fmt `%v`/`%E`/`%f` number formatting and blang/semver v4.
//
// Faithfulness notes (see test/kyverno-pattern.test.ts for the ported upstream cases):
// * The walk returns (path, error) exactly like validateResourceElement; errors carry Kyverno's message text because
//   its classification is partly by message (`strings.Contains(err.Error(), "conditional anchor mismatch")`).
// * `matchPattern` = validate.MatchPattern + the status mapping of validate_resource.go: skip error → skip; negation
//   anchor error → fail; an anchor key (`(k)`, `^(k)`, `X(k)`) never present in the resource → error; otherwise fail
//   when the error has a path, error when it does not.
// * Number typing: patterns come from JSON, so pattern numbers are Go float64. Resources are unstructured objects, so
//   an integral number is int64 and anything else float64 (`numbers: "int64"`, the default); `numbers: "float64"`
//   reproduces Kyverno's unit tests, which json.Unmarshal their resources (every number float64). The difference is
//   visible only where a number is printed: `%E` (`8E+01`) versus decimal in string comparisons, `%f` versus decimal
//   before duration/quantity parsing.
// * Go map iteration order is random; where Kyverno's result depends on it (a wildcard label key matching several
//   resource keys, `metadata` given both plain and anchored) we use insertion order.
import { cmpQ, parseQuantity, type Quantity } from "../../../src/cel/k8s/quantity.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type PatternStatus = "pass" | "fail" | "skip" | "error";

export interface PatternResult {
  status: PatternStatus;
  /** Kyverno's error text (PatternError.Error()); absent on pass. */
  message?: string;
  /** The failing element's path (`/spec/containers/0/image/`) for `fail`; absent otherwise. */
  path?: string;
}

export interface MatchOptions {
  /** How resource numbers are typed: "int64" (unstructured objects; default) or "float64" (plain json.Unmarshal). */
  numbers?: "int64" | "float64";
}

// ---------------------------------------------------------------------------------------------------------------
// Go helpers

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export { wildcardMatch, hasWildcard as containsWildcard } from "./wildcard.js";
import { wildcardMatch, hasWildcard as containsWildcard } from "./wildcard.js";

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n,
  "μs": 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const TWO63 = 1n << 63n;

/** Go time.ParseDuration: nanoseconds, or undefined on error. */
export function parseGoDuration(orig: string): bigint | undefined {
  let s = orig;
  let d = 0n;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return undefined;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  while (s !== "") {
    let v = 0n;
    let f = 0n;
    let scale = 1;
    if (!(s[0] === "." || isDigit(s[0]))) return undefined;
    // leadingInt
    let i = 0;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > TWO63 / 10n) return undefined;
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO63) return undefined;
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    if (s !== "" && s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length && isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (TWO63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > TWO63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return undefined;
    let k = 0;
    for (; k < s.length; k++) if (s[k] === "." || isDigit(s[k])) break;
    if (k === 0) return undefined;
    const unit = DURATION_UNITS[s.slice(0, k)];
    s = s.slice(k);
    if (unit === undefined) return undefined;
    if (v > TWO63 / unit) return undefined;
    v *= unit;
    if (f > 0n) {
      // uint64(float64(f) * (float64(unit) / scale)): truncation toward zero of a float64 product
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) return undefined;
    }
    d += v;
    if (d > TWO63) return undefined;
  }
  if (neg) return -d;
  if (d > TWO63 - 1n) return undefined;
  return d;
}

/** Go time.Duration.Seconds(). */
export function durationSeconds(d: bigint): number {
  const sec = d / 1_000_000_000n;
  const nsec = d % 1_000_000_000n;
  return Number(sec) + Number(nsec) / 1e9;
}

/** Go `time.Duration(f) * time.Second` for a float64 or int64 f (amd64 conversion, int64 wraparound). */
export function secondsToDuration(f: number): bigint {
  let n: bigint;
  if (!Number.isFinite(f) || Math.abs(f) >= 2 ** 63) n = -TWO63;
  else n = BigInt(Math.trunc(f));
  return BigInt.asIntN(64, n * 1_000_000_000n);
}

/** Go strconv.ParseFloat(s, 64): undefined on syntax or range error. */
export function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s[0] === "-" ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  let v: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) v = Number(s);
  else {
    const m = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m) return undefined;
    const intPart = (m[2] ?? "").replace(/_/g, "");
    const frac = (m[3] ?? "").replace(/_/g, "");
    if (intPart === "" && frac === "") return undefined;
    let mant = 0;
    for (const c of intPart + frac) mant = mant * 16 + parseInt(c, 16);
    v = mant * 2 ** (Number(m[4]) - 4 * frac.length);
    if (m[1] === "-") v = -v;
  }
  return Number.isFinite(v) ? v : undefined;
}

/** Go strconv.ParseInt(s, 10, 64). */
export function parseGoInt(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v >= -TWO63 && v < TWO63 ? v : undefined;
}

function shortestDigits(f: number): { digits: string; exp: number } {
  const [mant, e] = Math.abs(f).toExponential().split("e");
  return { digits: mant!.replace(".", ""), exp: Number(e) };
}

function expSuffix(exp: number, letter: "e" | "E"): string {
  const a = Math.abs(exp);
  return `${letter}${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
}

function specialFloat(f: number): string | undefined {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  return undefined;
}

const negSign = (f: number): string => (f < 0 || Object.is(f, -0) ? "-" : "");

/** strconv.FormatFloat(f, 'g', -1, 64) = fmt `%v` of a float64. */
export function goFormatFloatG(f: number): string {
  const sp = specialFloat(f);
  if (sp) return sp;
  if (f === 0) return negSign(f) + "0";
  const { digits, exp } = shortestDigits(f);
  if (exp < -4 || exp >= 6) {
    return negSign(f) + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + expSuffix(exp, "e");
  }
  let out: string;
  if (exp < 0) out = "0." + "0".repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) out = digits + "0".repeat(exp + 1 - digits.length);
  else out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  return negSign(f) + out;
}

/** strconv.FormatFloat(f, 'E', -1, 64). */
export function goFormatFloatE(f: number): string {
  const sp = specialFloat(f);
  if (sp) return sp;
  if (f === 0) return negSign(f) + "0E+00";
  const { digits, exp } = shortestDigits(f);
  return negSign(f) + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + expSuffix(exp, "E");
}

/** fmt.Sprintf("%f", f): exact binary value rounded half-to-even to 6 decimals. */
export function goFormatFloatF(f: number): string {
  const sp = specialFloat(f);
  if (sp) return sp;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(f));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let q: bigint;
  if (e2 >= 0) q = (mant << BigInt(e2)) * 1_000_000n;
  else {
    const num = mant * 1_000_000n;
    const den = 1n << BigInt(-e2);
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  }
  const s = q.toString().padStart(7, "0");
  return negSign(f) + s.slice(0, -6) + "." + s.slice(-6);
}

/** How a resource number is typed in Go. */
interface NumCtx {
  intNumbers: boolean;
}
const FLOAT_CTX: NumCtx = { intNumbers: false };
const isGoInt = (n: number, ctx: NumCtx): boolean => ctx.intNumbers && Number.isInteger(n) && Math.abs(n) < 2 ** 63;

/** fmt `%v` of a decoded JSON value (maps print with sorted keys, as Go's fmt does). */
export function goSprint(v: JsonValue | undefined, ctx: NumCtx = FLOAT_CTX): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return isGoInt(v, ctx) ? BigInt(v).toString() : goFormatFloatG(v);
  if (Array.isArray(v)) return "[" + v.map((x) => goSprint(x, ctx)).join(" ") + "]";
  return (
    "map[" +
    Object.keys(v)
      .sort(goStringCompare)
      .map((k) => `${k}:${goSprint(v[k], ctx)}`)
      .join(" ") +
    "]"
  );
}

/** Go's `%T` of a decoded JSON value. */
function goTypeName(v: JsonValue | undefined, ctx: NumCtx): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return isGoInt(v, ctx) ? "int64" : "float64";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** Go's byte-wise string order (sort.Strings). */
export function goStringCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ba = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return Buffer.compare(ba, bb);
}

function tryQuantity(s: string): Quantity | undefined {
  try {
    return parseQuantity(s);
  } catch {
    return undefined;
  }
}

/** apimachinery resource.ParseQuantity + Cmp for two strings; undefined when either does not parse. */
export function compareQuantityStrings(a: string, b: string): number | undefined {
  const qa = tryQuantity(a);
  if (!qa) return undefined;
  const qb = tryQuantity(b);
  if (!qb) return undefined;
  return cmpQ(qa, qb);
}

/** Whether apimachinery resource.ParseQuantity accepts s. */
export const isQuantity = (s: string): boolean => tryQuantity(s) !== undefined;

// ---------------------------------------------------------------------------------------------------------------
// Anchors (pkg/engine/anchor/anchor.go)

export type AnchorType = "" | "<" | "X" | "+" | "=" | "^";
export interface Anchor {
  type: AnchorType;
  key: string;
}

// Go's `.` matches anything but \n; JS's also stops at \r, \u2028 and \u2029.
const ANCHOR_RE = /^([+<=X^])?\(([^\n]+)\)$/;

/** anchor.Parse: `(k)`, `<(k)`, `X(k)`, `+(k)`, `=(k)`, `^(k)` after trimming spaces; undefined if not an anchor. */
export function parseAnchor(str: string): Anchor | undefined {
  const m = ANCHOR_RE.exec(goTrimSpace(str));
  if (!m || m[2] === "") return undefined;
  return { type: (m[1] ?? "") as AnchorType, key: m[2]! };
}

const anchorString = (type: AnchorType, key: string): string => (key === "" ? "" : `${type}(${key})`);

function goTrimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u, "").replace(
    /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u,
    "",
  );
}

const isCondition = (a: Anchor | undefined): boolean => a?.type === "";
const isGlobal = (a: Anchor | undefined): boolean => a?.type === "<";
const isNegation = (a: Anchor | undefined): boolean => a?.type === "X";
const isEquality = (a: Anchor | undefined): boolean => a?.type === "=";
const isExistence = (a: Anchor | undefined): boolean => a?.type === "^";

// ---------------------------------------------------------------------------------------------------------------
// Errors: Kyverno classifies by error type for anchor errors and by message text for everything else.

type AnchorCode = "conditional" | "global" | "negation";
const ANCHOR_MSG: Record<AnchorCode, string> = {
  conditional: "conditional anchor mismatch",
  global: "global anchor mismatch",
  negation: "negation anchor matched in resource",
};

type VErr =
  | { kind: "anchor"; code: AnchorCode; message: string }
  | { kind: "pattern"; errs: VErr[]; path: string; skip: boolean }
  | { kind: "plain"; message: string };

function errMessage(e: VErr): string {
  if (e.kind === "pattern") return e.errs.map(errMessage).join("; ");
  return e.message;
}

const anchorErr = (code: AnchorCode, msg: string): VErr => ({ kind: "anchor", code, message: `${ANCHOR_MSG[code]}: ${msg}` });
const plain = (message: string): VErr => ({ kind: "plain", message });

function isAnchorError(e: VErr | undefined, code: AnchorCode): boolean {
  if (!e) return false;
  if (e.kind === "anchor") return e.code === code;
  return errMessage(e).includes(ANCHOR_MSG[code]);
}
const isSkipError = (e: VErr): boolean => isAnchorError(e, "conditional") || isAnchorError(e, "global");

interface Walk {
  ctx: NumCtx;
  /** AnchorMap.anchorMap: condition/existence/negation anchor keys → seen in some resource map. */
  anchorKeys: Map<string, boolean>;
}

type Ret = [string, VErr | undefined];
const OK: Ret = ["", undefined];

// ---------------------------------------------------------------------------------------------------------------
// pattern.Validate (pkg/engine/pattern/pattern.go)

/**
 * pattern.Validate(value, pattern): does a resource value satisfy a scalar pattern? (Map patterns only check that
 * the value is a map; list patterns never match.)
 */
export function validateValue(value: JsonValue | undefined, pattern: JsonValue | undefined, opts: MatchOptions = {}): boolean {
  return validate(value, pattern, { intNumbers: opts.numbers !== "float64" });
}

function validate(value: JsonValue | undefined, pattern: JsonValue | undefined, ctx: NumCtx): boolean {
  if (pattern === null || pattern === undefined) return validateNil(value);
  if (typeof pattern === "boolean") return typeof value === "boolean" && value === pattern;
  if (typeof pattern === "number") return validateFloat(value, pattern);
  if (typeof pattern === "string") return validateStringPatterns(value, pattern, ctx);
  if (Array.isArray(pattern)) return false;
  return isObject(value);
}

function validateFloat(value: JsonValue | undefined, pattern: number): boolean {
  if (typeof value === "number") return value === pattern;
  if (typeof value === "string") {
    const f = parseGoFloat(value);
    return f !== undefined && f === pattern;
  }
  return false;
}

function validateNil(value: JsonValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "number") return value === 0;
  if (typeof value === "string") return value === "";
  if (typeof value === "boolean") return !value;
  return false;
}

function validateStringPatterns(value: JsonValue | undefined, pattern: string, ctx: NumCtx): boolean {
  if (value === pattern) return true;
  for (const cond of pattern.split("|")) {
    if (checkAnd(value, trimSpaces(cond), ctx)) return true;
  }
  return false;
}

const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, "");

function checkAnd(value: JsonValue | undefined, pattern: string, ctx: NumCtx): boolean {
  for (const cond of pattern.split("&")) {
    if (!validateStringPattern(value, trimSpaces(cond), ctx)) return false;
  }
  return true;
}

/** Scalar pattern operators (pkg/engine/operator): "" is equality. */
export type PatternOperator = "" | ">=" | "<=" | "!" | ">" | "<" | "-" | "!-";

export const IN_RANGE_RE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
export const NOT_IN_RANGE_RE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

/** operator.GetOperatorFromStringPattern. */
export function getOperatorFromStringPattern(pattern: string): PatternOperator {
  if (pattern.length < 2) return "";
  if (pattern.startsWith(">=")) return ">=";
  if (pattern.startsWith("<=")) return "<=";
  if (pattern.startsWith(">")) return ">";
  if (pattern.startsWith("<")) return "<";
  if (pattern.startsWith("!")) return "!";
  if (NOT_IN_RANGE_RE.test(pattern)) return "!-";
  if (IN_RANGE_RE.test(pattern)) return "-";
  return "";
}

function validateStringPattern(value: JsonValue | undefined, pattern: string, ctx: NumCtx): boolean {
  const op = getOperatorFromStringPattern(pattern);
  if (op === "-") {
    const m = IN_RANGE_RE.exec(pattern);
    if (!m) return false;
    return validateStringPattern(value, `>= ${m[1]}`, ctx) && validateStringPattern(value, `<= ${m[2]}`, ctx);
  }
  if (op === "!-") {
    const m = NOT_IN_RANGE_RE.exec(pattern);
    if (!m) return false;
    return validateStringPattern(value, `< ${m[1]}`, ctx) || validateStringPattern(value, `> ${m[2]}`, ctx);
  }
  return validateString(value, goTrimSpace(pattern.slice(op.length)), op, ctx);
}

function validateString(value: JsonValue | undefined, pattern: string, op: PatternOperator, ctx: NumCtx): boolean {
  const d = compareDuration(value, pattern, op, ctx);
  if (d !== undefined) return d;
  const q = compareQuantity(value, pattern, op, ctx);
  if (q !== undefined) return q;
  return compareString(value, pattern, op, ctx);
}

/** pattern.convertNumberToString: nil → "0", float64 → %f, int → decimal, string as is; others fail. */
function convertNumberToString(value: JsonValue | undefined, ctx: NumCtx): string | undefined {
  if (value === null || value === undefined) return "0";
  if (typeof value === "string") return value;
  if (typeof value === "number") return isGoInt(value, ctx) ? BigInt(value).toString() : goFormatFloatF(value);
  return undefined;
}

function applyCmp(c: number, op: PatternOperator): boolean | undefined {
  switch (op) {
    case "":
      return c === 0;
    case "!":
      return c !== 0;
    case ">":
      return c > 0;
    case "<":
      return c < 0;
    case ">=":
      return c >= 0;
    case "<=":
      return c <= 0;
    default:
      return undefined;
  }
}

function compareDuration(value: JsonValue | undefined, pattern: string, op: PatternOperator, ctx: NumCtx): boolean | undefined {
  const p = parseGoDuration(pattern);
  if (p === undefined) return undefined;
  const s = convertNumberToString(value, ctx);
  if (s === undefined) return undefined;
  const v = parseGoDuration(s);
  if (v === undefined) return undefined;
  return applyCmp(v < p ? -1 : v > p ? 1 : 0, op);
}

function compareQuantity(value: JsonValue | undefined, pattern: string, op: PatternOperator, ctx: NumCtx): boolean | undefined {
  const p = tryQuantity(pattern);
  if (!p) return undefined;
  const s = convertNumberToString(value, ctx);
  if (s === undefined) return undefined;
  const v = tryQuantity(s);
  if (!v) return undefined;
  return applyCmp(cmpQ(v, p), op);
}

function compareString(value: JsonValue | undefined, pattern: string, op: PatternOperator, ctx: NumCtx): boolean {
  if (op !== "" && op !== "!") return false;
  let s: string;
  if (typeof value === "string") s = value;
  else if (typeof value === "number") s = isGoInt(value, ctx) ? BigInt(value).toString() : goFormatFloatE(value);
  else if (typeof value === "boolean") s = value ? "true" : "false";
  else return false;
  const m = wildcardMatch(pattern, s);
  return op === "!" ? !m : m;
}

// ---------------------------------------------------------------------------------------------------------------
// wildcards.ExpandInMetadata: wildcard keys under metadata.labels / metadata.annotations become the first matching
// resource key. Mutates the (copied) pattern like Kyverno does.

function getPatternValue(tag: string, pattern: JsonObject): [string, JsonValue | undefined] {
  for (const [k, v] of Object.entries(pattern)) {
    if (k === tag) return [k, v];
    const a = parseAnchor(k);
    if (a && a.key === tag) return [k, v];
  }
  return ["", undefined];
}

function getValueAsStringMap(key: string, data: JsonValue | undefined): [string, Map<string, string> | undefined] {
  if (!isObject(data)) return ["", undefined];
  const [patternKey, val] = getPatternValue(key, data);
  if (!isObject(val)) return ["", undefined];
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(val)) if (typeof v === "string") out.set(k, v);
  return [patternKey, out];
}

function expandWildcardKey(k: string, resource: Map<string, string>): string {
  for (const k1 of resource.keys()) if (wildcardMatch(k, k1)) return k1;
  return k;
}

function expandInMetadata(patternMap: JsonObject, resourceMap: JsonObject): void {
  const [, patternMetadata] = getPatternValue("metadata", patternMap);
  if (patternMetadata === null || patternMetadata === undefined) return;
  const resourceMetadata = resourceMap["metadata"];
  if (resourceMetadata === null || resourceMetadata === undefined) return;
  if (!isObject(patternMetadata)) return;
  for (const tag of ["labels", "annotations"]) {
    const [patternKey, patternData] = getValueAsStringMap(tag, patternMetadata);
    if (!patternData) continue;
    const [, resourceData] = getValueAsStringMap(tag, resourceMetadata);
    if (!resourceData) continue;
    const results: JsonObject = {};
    for (const [k, v] of patternData) {
      if (containsWildcard(k)) {
        const a = parseAnchor(k);
        if (a) results[anchorString(a.type, expandWildcardKey(a.key, resourceData))] = v;
        else results[expandWildcardKey(k, resourceData)] = v;
      } else results[k] = v;
    }
    patternMetadata[patternKey] = results;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The walk (pkg/engine/validate/validate.go + anchor/handlers.go)

function checkAnchorInResource(w: Walk, pattern: JsonObject, resource: JsonObject): void {
  for (const key of Object.keys(pattern)) {
    const a = parseAnchor(key);
    if (!(isCondition(a) || isExistence(a) || isNegation(a))) continue;
    const seen = w.anchorKeys.get(key);
    if (seen === undefined) w.anchorKeys.set(key, false);
    else if (seen) continue;
    if (Object.hasOwn(resource, a!.key)) w.anchorKeys.set(key, true);
  }
}

function keysAreMissing(w: Walk): boolean {
  for (const [k, v] of w.anchorKeys) {
    if (!v && !isNegation(parseAnchor(k))) return true;
  }
  return false;
}

function validateElement(w: Walk, resource: JsonValue | undefined, pattern: JsonValue | undefined, path: string): Ret {
  if (isObject(pattern)) {
    if (!isObject(resource)) {
      return [
        path,
        plain(
          `pattern and resource have different structures. Path: ${path}. Expected ${goTypeName(pattern, FLOAT_CTX)}, found ${goTypeName(resource, w.ctx)}`,
        ),
      ];
    }
    checkAnchorInResource(w, pattern, resource);
    return validateMap(w, resource, pattern, path);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource)) {
      return [path, plain(`validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern`)];
    }
    return validateArray(w, resource, pattern, path);
  }
  const mismatch = (): VErr =>
    plain(`resource value '${goSprint(resource, w.ctx)}' does not match '${goSprint(pattern)}' at path ${path}`);
  if (Array.isArray(resource)) {
    for (const r of resource) if (!validate(r, pattern, w.ctx)) return [path, mismatch()];
    return OK;
  }
  if (!validate(resource, pattern, w.ctx)) return [path, mismatch()];
  return OK;
}

function hasNestedAnchors(pattern: JsonValue | undefined): boolean {
  if (isObject(pattern)) {
    for (const [k, v] of Object.entries(pattern)) {
      const a = parseAnchor(k);
      if (isCondition(a) || isExistence(a) || isEquality(a) || isNegation(a) || isGlobal(a)) return true;
      if (hasNestedAnchors(v)) return true;
    }
    return false;
  }
  if (Array.isArray(pattern)) return pattern.some(hasNestedAnchors);
  return false;
}

function validateMap(w: Walk, resourceMap: JsonObject, patternMapIn: JsonObject, path: string): Ret {
  expandInMetadata(patternMapIn, resourceMap);
  const patternMap = patternMapIn;
  const anchors: [string, JsonValue][] = [];
  const rest: [string, JsonValue][] = [];
  for (const [k, v] of Object.entries(patternMap)) {
    const a = parseAnchor(k);
    if (isCondition(a) || isExistence(a) || isEquality(a) || isNegation(a)) anchors.push([k, v]);
    else rest.push([k, v]);
  }
  anchors.sort((x, y) => goStringCompare(x[0], y[0]));

  const skipErrors: VErr[] = [];
  let applyCount = 0;
  const skipSiblingExists = (): boolean => skipErrors.some((e) => e.kind !== "pattern");
  for (const [key, value] of anchors) {
    const [hPath, err] = handle(w, key, value, resourceMap, path);
    if (err) {
      if (isSkipError(err)) {
        skipErrors.push(err);
        continue;
      }
      if (!skipSiblingExists()) return [hPath, err];
      continue;
    }
    applyCount++;
  }
  if (skipErrors.length > 0) {
    if (applyCount === 0 || skipSiblingExists()) return [path, { kind: "pattern", errs: skipErrors, path, skip: true }];
  }

  // getSortedNestedAnchorResource: sorted keys; globals and anchor-holding subtrees pushed to the front
  rest.sort((x, y) => goStringCompare(x[0], y[0]));
  const front: [string, JsonValue][] = [];
  const back: [string, JsonValue][] = [];
  for (const kv of rest) {
    if (isGlobal(parseAnchor(kv[0])) || hasNestedAnchors(kv[1])) front.unshift(kv);
    else back.push(kv);
  }
  for (const [key, value] of [...front, ...back]) {
    const [hPath, err] = handle(w, key, value, resourceMap, path);
    if (err) return [hPath, err];
  }
  return OK;
}

/** anchor.CreateElementHandler(key).Handle(...). */
function handle(w: Walk, element: string, pattern: JsonValue, resourceMap: JsonObject, path: string): Ret {
  const a = parseAnchor(element);
  if (a && a.type !== "+") {
    const currentPath = path + a.key + "/";
    const present = Object.hasOwn(resourceMap, a.key);
    const value = resourceMap[a.key];
    switch (a.type) {
      case "": {
        if (!present) return [currentPath, anchorErr("conditional", "conditional anchor key doesn't exist in the resource")];
        const [p, err] = validateElement(w, value, pattern, currentPath);
        if (err) return [p, anchorErr("conditional", errMessage(err))];
        return OK;
      }
      case "<": {
        if (!present) return OK;
        const [p, err] = validateElement(w, value, pattern, currentPath);
        if (err) return [p, anchorErr("global", errMessage(err))];
        return OK;
      }
      case "X":
        if (present) return [currentPath, anchorErr("negation", `${currentPath} is not allowed`)];
        return OK;
      case "=": {
        if (!present) return OK;
        const [p, err] = validateElement(w, value, pattern, currentPath);
        return err ? [p, err] : OK;
      }
      case "^":
        if (!present) return OK;
        return handleExistence(w, value, pattern, currentPath);
    }
  }
  // default handler (also `+(k)`: a literal key in validate)
  const currentPath = path + element + "/";
  const v = resourceMap[element];
  if (pattern === "*") {
    if (v !== null && v !== undefined) return OK;
    return [path, plain(`${path}/${element} not found`)];
  }
  const [p, err] = validateElement(w, v, pattern, currentPath);
  return err ? [p, err] : OK;
}

function handleExistence(w: Walk, value: JsonValue | undefined, pattern: JsonValue, currentPath: string): Ret {
  if (!Array.isArray(value)) {
    return [currentPath, plain(`invalid resource type ${goTypeName(value, w.ctx)}: Existence ^ () anchor can be used only on list/array type resource`)];
  }
  if (!Array.isArray(pattern)) {
    return [currentPath, plain(`invalid pattern type ${goTypeName(pattern, FLOAT_CTX)}: Pattern has to be of list to compare against resource`)];
  }
  for (const patternMap of pattern) {
    if (!isObject(patternMap)) {
      return [currentPath, plain(`invalid pattern type []interface {}: Pattern has to be of type map to compare against items in resource`)];
    }
    let found = false;
    for (let i = 0; i < value.length; i++) {
      const [, err] = validateElement(w, value[i], patternMap, currentPath + i + "/");
      if (!err) {
        found = true;
        break;
      }
    }
    if (!found) return [currentPath, plain(`existence anchor validation failed at path ${currentPath}`)];
  }
  return OK;
}

function validateArray(w: Walk, resourceArray: JsonValue[], patternArray: JsonValue[], path: string): Ret {
  if (patternArray.length === 0) return [path, plain("pattern Array empty")];
  const first = patternArray[0]!;
  if (isObject(first)) return validateArrayOfMaps(w, resourceArray, first, path);
  if (!Array.isArray(first)) return validateElement(w, resourceArray, first, path);
  if (resourceArray.length < patternArray.length) {
    return [
      "",
      plain(
        `validate Array failed, array length mismatch, resource Array len is ${resourceArray.length} and pattern Array len is ${patternArray.length}`,
      ),
    ];
  }
  let applyCount = 0;
  const skipErrors: VErr[] = [];
  for (let i = 0; i < patternArray.length; i++) {
    const [p, err] = validateElement(w, resourceArray[i], patternArray[i], path + i + "/");
    if (err) {
      if (isSkipError(err)) {
        skipErrors.push(err);
        continue;
      }
      return [p, err];
    }
    applyCount++;
  }
  if (applyCount === 0 && skipErrors.length > 0) return [path, { kind: "pattern", errs: skipErrors, path, skip: true }];
  return OK;
}

function validateArrayOfMaps(w: Walk, resourceArray: JsonValue[], patternMap: JsonObject, path: string): Ret {
  let applyCount = 0;
  const skipErrors: VErr[] = [];
  for (let i = 0; i < resourceArray.length; i++) {
    const [p, err] = validateElement(w, resourceArray[i], patternMap, path + i + "/");
    if (err) {
      if (isSkipError(err)) {
        skipErrors.push(err);
        continue;
      }
      return [p, err];
    }
    applyCount++;
  }
  if (applyCount === 0 && skipErrors.length > 0) return [path, { kind: "pattern", errs: skipErrors, path, skip: true }];
  return OK;
}

function deepCopy<T extends JsonValue | undefined>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}

/** The raw walk result (validateResourceElement from the root "/"): what Kyverno's validate unit tests assert. */
export interface WalkResult {
  path: string;
  error?: { message: string; skip: boolean };
}

/** validateResourceElement(resource, pattern, "/") on a copy of the pattern: path and error as Kyverno returns them. */
export function walkPattern(resource: JsonValue, pattern: JsonValue, opts: MatchOptions = {}): WalkResult {
  const w: Walk = { ctx: { intNumbers: opts.numbers !== "float64" }, anchorKeys: new Map() };
  const [path, err] = validateElement(w, resource, deepCopy(pattern), "/");
  if (!err) return { path };
  return { path, error: { message: errMessage(err), skip: err.kind === "pattern" && err.skip } };
}

/**
 * validate.MatchPattern + the status mapping of Kyverno's validate_resource.go for one `validate.pattern`.
 * The pattern must already be variable-substituted. It is not modified.
 */
export function matchPattern(resource: JsonValue, pattern: JsonValue, opts: MatchOptions = {}): PatternResult {
  const w: Walk = { ctx: { intNumbers: opts.numbers !== "float64" }, anchorKeys: new Map() };
  const [elemPath, err] = validateElement(w, resource, deepCopy(pattern), "/");
  if (!err) return { status: "pass" };
  const message = errMessage(err);
  if (isSkipError(err)) return { status: "skip", message };
  if (isAnchorError(err, "negation")) return elemPath === "" ? { status: "error", message } : { status: "fail", message, path: elemPath };
  if (keysAreMissing(w)) return { status: "error", message };
  return elemPath === "" ? { status: "error", message } : { status: "fail", message, path: elemPath };
}

/**
 * `validate.anyPattern`: the first passing pattern passes the rule; otherwise any failure or error makes it fail
 * (an anyPattern element's error counts as a failure); otherwise skips make it skip; no patterns → pass.
 * `results` lists the evaluated patterns' results (evaluation stops at the first pass).
 */
export function matchAnyPattern(
  resource: JsonValue,
  patterns: JsonValue[],
  opts: MatchOptions = {},
): PatternResult & { index?: number; results: PatternResult[] } {
  const results: PatternResult[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const r = matchPattern(resource, patterns[i]!, opts);
    results.push(r);
    if (r.status === "pass") return { status: "pass", index: i, results };
  }
  return { ...combineAnyPattern(results), results };
}

/** Combine per-pattern results the way anyPattern does (see matchAnyPattern); messages as Kyverno words them. */
export function combineAnyPattern(results: PatternResult[], ruleName = "rule"): PatternResult {
  const skipped: string[] = [];
  const failed: string[] = [];
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === "pass") return { status: "pass" };
    if (r.status === "skip") skipped.push(`rule ${ruleName}[${i}] skipped: ${r.message ?? ""}`);
    else if (r.path) failed.push(`rule ${ruleName}[${i}] failed at path ${r.path}`);
    else failed.push(`rule ${ruleName}[${i}] failed: ${r.message ?? ""}`);
  }
  if (failed.length > 0) return { status: "fail", message: failed.join(" ") };
  if (skipped.length > 0) return { status: "skip", message: skipped.join(" ") };
  return { status: "pass" };
}

/** Internals exposed for the ported upstream unit tests. */
export const internals = {
  validateStringPattern: (value: JsonValue | undefined, pattern: string, opts: MatchOptions = {}): boolean =>
    validateStringPattern(value, pattern, { intNumbers: opts.numbers !== "float64" }),
  validateStringPatterns: (value: JsonValue | undefined, pattern: string, opts: MatchOptions = {}): boolean =>
    validateStringPatterns(value, pattern, { intNumbers: opts.numbers !== "float64" }),
  validateString: (value: JsonValue | undefined, pattern: string, op: PatternOperator, opts: MatchOptions = {}): boolean =>
    validateString(value, pattern, op, { intNumbers: opts.numbers !== "float64" }),
  compareString: (value: JsonValue | undefined, pattern: string, op: PatternOperator, opts: MatchOptions = {}): boolean =>
    compareString(value, pattern, op, { intNumbers: opts.numbers !== "float64" }),
  convertNumberToString: (value: JsonValue | undefined, opts: MatchOptions = {}): string | undefined =>
    convertNumberToString(value, { intNumbers: opts.numbers !== "float64" }),
  getValueAsStringMap: (key: string, data: JsonValue | undefined): [string, Record<string, string> | undefined] => {
    const [k, m] = getValueAsStringMap(key, data);
    return [k, m ? Object.fromEntries(m) : undefined];
  },
  expandInMetadata: (patternMap: JsonObject, resourceMap: JsonObject): JsonObject => {
    expandInMetadata(patternMap, resourceMap);
    return patternMap;
  },
};
