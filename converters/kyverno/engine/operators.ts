// Kyverno's precondition / deny condition operators (kyverno/kyverno pkg/engine/variables/operator/*.go) and the
// any/all block evaluation of pkg/engine/variables/evaluate.go, re-implemented for the Kyverno source engine.
//
// Values are decoded JSON (after `{{ }}` substitution), so every number is a Go float64, as in Kyverno, where
// condition keys and values come from apiextensions JSON or JMESPath results. Quirks kept on purpose:
// * operator names are matched case-insensitively, but GreaterThan…/Duration… compare against the exact-case name,
//   so `greaterthan` is accepted and always false;
// * `Equals`: a string key compares as a duration (either side; a number counts as seconds), else as a quantity
//   (value must then be a quantity string), else `wildcard.Match(value, key)`; maps/lists deep-compare;
// * `In`/`NotIn`: a non-string element in a list key panics in Kyverno (thrown here as ConditionOperatorError
//   "panic"); `NotIn(["a"], "a")` is true (Kyverno's setExistsInArray shortcut);
// * `AnyIn`/`AllIn`/…: wildcards both ways, elements printed with fmt.Sprint, a string value is a JSON string array,
//   an `A-B` range, or a single value.
import {
  compareQuantityStrings,
  durationSeconds,
  getOperatorFromStringPattern,
  goSprint,
  parseGoDuration,
  parseGoFloat,
  parseGoInt,
  secondsToDuration,
  validateValue,
  wildcardMatch,
  type JsonObject,
  type JsonValue,
} from "./pattern.js";

/** Thrown for an operator Kyverno has no handler for, and where Kyverno's Go code would panic. */
export class ConditionOperatorError extends Error {
  constructor(
    readonly kind: "unknown-operator" | "panic",
    message: string,
  ) {
    super(message);
    this.name = "ConditionOperatorError";
  }
}

/** The operators Kyverno knows (kyvernov1.ConditionOperators), deprecated ones included. */
export const CONDITION_OPERATORS = [
  "Equal",
  "Equals",
  "NotEqual",
  "NotEquals",
  "In",
  "AnyIn",
  "AllIn",
  "NotIn",
  "AnyNotIn",
  "AllNotIn",
  "GreaterThanOrEquals",
  "GreaterThan",
  "LessThanOrEquals",
  "LessThan",
  "DurationGreaterThanOrEquals",
  "DurationGreaterThan",
  "DurationLessThanOrEquals",
  "DurationLessThan",
] as const;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
type Val = JsonValue | undefined;

/**
 * Evaluate one condition `key <operator> value` exactly as Kyverno's operator handler does. Throws
 * ConditionOperatorError for an unknown operator (Kyverno: "failed to create handler for condition operator",
 * a rule error).
 */
export function evaluateCondition(key: JsonValue, operator: string, value: JsonValue): boolean {
  const k: Val = key;
  const v: Val = value;
  switch (operator.toLowerCase()) {
    case "equal":
    case "equals":
      return equal(k, v);
    case "notequal":
    case "notequals":
      return notEqual(k, v);
    case "in":
      return inOp(k, v, false);
    case "notin":
      return inOp(k, v, true);
    case "anyin":
      return anyIn(k, v, false);
    case "anynotin":
      return anyIn(k, v, true);
    case "allin":
      return allIn(k, v, false);
    case "allnotin":
      return allIn(k, v, true);
    case "greaterthanorequals":
    case "greaterthan":
    case "lessthanorequals":
    case "lessthan":
      return numeric(k, v, operator);
    case "durationgreaterthanorequals":
    case "durationgreaterthan":
    case "durationlessthanorequals":
    case "durationlessthan":
      return durationOp(k, v, operator);
    default:
      throw new ConditionOperatorError("unknown-operator", `failed to create handler for condition operator: ${operator}`);
  }
}

// --- deep equality (reflect.DeepEqual on decoded JSON) -----------------------------------------------------------

export function deepEqual(a: Val, b: Val): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

// --- duration helper (operator.go parseDuration) ------------------------------------------------------------------

/** Kyverno's parseDuration(key, value): both as durations (a number = seconds) or undefined. `"0"` is not one. */
function parseDurationPair(key: Val, value: Val): [bigint, bigint] | undefined {
  let kd = typeof key === "string" && key !== "0" ? parseGoDuration(key) : undefined;
  let vd = typeof value === "string" && value !== "0" ? parseGoDuration(value) : undefined;
  if (kd === undefined && vd === undefined) return undefined;
  if (kd === undefined) {
    if (typeof key !== "number") return undefined;
    kd = secondsToDuration(key);
  }
  if (vd === undefined) {
    if (typeof value !== "number") return undefined;
    vd = secondsToDuration(value);
  }
  return [kd, vd];
}

// --- Equals / NotEquals ---------------------------------------------------------------------------------------

function equal(key: Val, value: Val): boolean {
  if (typeof key === "boolean") return typeof value === "boolean" && key === value;
  if (typeof key === "number") {
    if (typeof value === "number") return value === key;
    if (typeof value === "string") {
      const f = parseGoFloat(value);
      return f !== undefined && f === key;
    }
    return false;
  }
  if (typeof key === "string") {
    const d = parseDurationPair(key, value);
    if (d) return durationSeconds(d[0]) === durationSeconds(d[1]);
    if (typeof value === "string") {
      const c = compareQuantityStrings(key, value);
      if (c !== undefined) return c === 0;
      if (compareQuantityStrings(key, key) !== undefined) return false; // key is a quantity, value is not
      return wildcardMatch(value, key);
    }
    return false;
  }
  if (Array.isArray(key)) return Array.isArray(value) && deepEqual(key, value);
  if (isObject(key)) return isObject(value) && deepEqual(key, value);
  return false;
}

function notEqual(key: Val, value: Val): boolean {
  if (typeof key === "boolean") return typeof value !== "boolean" || key !== value;
  if (typeof key === "number") {
    if (typeof value === "number") return value !== key;
    if (typeof value === "string") {
      const f = parseGoFloat(value);
      return f === undefined || f !== key;
    }
    return true;
  }
  if (typeof key === "string") {
    const d = parseDurationPair(key, value);
    if (d) return durationSeconds(d[0]) !== durationSeconds(d[1]);
    if (typeof value === "string") {
      if (compareQuantityStrings(key, key) !== undefined) {
        if (value === "") return !wildcardMatch(value, key);
        const c = compareQuantityStrings(key, value);
        return c === undefined ? true : c !== 0;
      }
      return !wildcardMatch(value, key);
    }
    return true;
  }
  if (Array.isArray(key)) return !Array.isArray(value) || !deepEqual(key, value);
  if (isObject(key)) return !isObject(value) || !deepEqual(key, value);
  return false;
}

// --- In / NotIn (deprecated) --------------------------------------------------------------------------------------

/** encoding/json Unmarshal of a string into []string: undefined on error (null → []). */
function unmarshalStringArray(s: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) return undefined;
  const out: string[] = [];
  for (const e of parsed) {
    if (e === null) out.push("");
    else if (typeof e === "string") out.push(e);
    else return undefined;
  }
  return out;
}

function isJsonValid(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

const isScalarKey = (k: Val): k is number | boolean => typeof k === "number" || typeof k === "boolean";

/** keyExistsInArray → [invalidType, exists]. */
function keyExistsInArray(key: string, value: Val): [boolean, boolean] {
  if (Array.isArray(value)) {
    for (const v of value) {
      const s = goSprint(v);
      if (wildcardMatch(s, key) || wildcardMatch(key, s)) return [false, true];
    }
    return [false, false];
  }
  if (typeof value === "string") {
    if (wildcardMatch(value, key)) return [false, true];
    const arr = unmarshalStringArray(value);
    if (!arr) return [true, false];
    return [false, arr.includes(key)];
  }
  return [true, false];
}

const isInSet = (key: string[], value: string[]): boolean => key.every((k) => value.includes(k));
const isNotInSet = (key: string[], value: string[]): boolean => key.some((k) => !value.includes(k));

/** setExistsInArray → [invalidType, result]. */
function setExistsInArray(key: string[], value: Val, notIn: boolean): [boolean, boolean] {
  if (Array.isArray(value)) {
    const vs: string[] = [];
    for (const v of value) {
      if (typeof v !== "string") return [true, false];
      vs.push(v);
    }
    return [false, notIn ? isNotInSet(key, vs) : isInSet(key, vs)];
  }
  if (typeof value === "string") {
    if (key.length === 1 && key[0] === value) return [false, true];
    const arr = unmarshalStringArray(value);
    if (!arr) return [true, false];
    return [false, notIn ? isNotInSet(key, arr) : isInSet(key, arr)];
  }
  return [true, false];
}

function stringsOfKeyList(key: JsonValue[]): string[] {
  return key.map((v) => {
    if (typeof v !== "string") {
      throw new ConditionOperatorError("panic", `interface conversion: interface {} is ${goTypeOf(v)}, not string`);
    }
    return v;
  });
}

function goTypeOf(v: Val): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  return "string";
}

function inOp(key: Val, value: Val, notIn: boolean): boolean {
  if (typeof key === "string" || isScalarKey(key)) {
    const [invalid, exists] = keyExistsInArray(typeof key === "string" ? key : goSprint(key), value);
    if (invalid) return false;
    return notIn ? !exists : exists;
  }
  if (Array.isArray(key)) {
    const [invalid, r] = setExistsInArray(stringsOfKeyList(key), value, notIn);
    return invalid ? false : r;
  }
  return false;
}

// --- AnyIn / AnyNotIn / AllIn / AllNotIn -------------------------------------------------------------------------

/** handleRange: pattern.Validate(key, value) for a string key and an `A-B` (or rewritten) string value. */
const handleRange = (key: string, value: string): boolean => validateValue(key, value);

/** anyKeyExistsInArray == allKeyExistsInArray → [invalidType, exists]. */
function keyExistsInValue(key: string, value: Val): [boolean, boolean] {
  if (Array.isArray(value)) {
    for (const v of value) {
      const s = goSprint(v);
      if (wildcardMatch(s, key) || wildcardMatch(key, s)) return [false, true];
    }
    return [false, false];
  }
  if (typeof value === "string") {
    if (wildcardMatch(value, key)) return [false, true];
    if (getOperatorFromStringPattern(value) === "-") return [false, handleRange(key, value)];
    let arr: string[];
    if (isJsonValid(value)) {
      const a = unmarshalStringArray(value);
      if (!a) return [true, false];
      arr = a;
    } else arr = [value];
    return [false, arr.includes(key)];
  }
  return [true, false];
}

const matchesEither = (a: string, b: string): boolean => wildcardMatch(a, b) || wildcardMatch(b, a);
const isAnyIn = (key: string[], value: string[]): boolean => key.some((k) => value.some((v) => matchesEither(k, v)));
const isAnyNotIn = (key: string[], value: string[]): boolean => key.some((k) => !value.some((v) => matchesEither(k, v)));
const isAllIn = (key: string[], value: string[]): boolean => key.every((k) => value.some((v) => matchesEither(k, v)));
const isAllNotIn = (key: string[], value: string[]): boolean => !key.some((k) => value.some((v) => matchesEither(k, v)));

/** The string value of a set operator as a list: JSON string array, or the value itself. undefined = invalid. */
function valueList(value: string): string[] | undefined {
  if (isJsonValid(value)) return unmarshalStringArray(value);
  return [value];
}

function anySetExistsInArray(key: string[], value: Val, negate: boolean): [boolean, boolean] {
  if (Array.isArray(value)) {
    const vs = value.map((v) => goSprint(v));
    return [false, negate ? isAnyNotIn(key, vs) : isAnyIn(key, vs)];
  }
  if (isScalarKey(value)) {
    const vs = [goSprint(value)];
    return [false, negate ? isAnyNotIn(key, vs) : isAnyIn(key, vs)];
  }
  if (typeof value === "string") {
    if (key.length === 1 && key[0] === value) return [false, !negate];
    if (getOperatorFromStringPattern(value) === "-") {
      if (negate) {
        const rewritten = value.replace("-", "!-");
        return [false, key.some((k) => handleRange(k, rewritten))];
      }
      return [false, key.some((k) => handleRange(k, value))];
    }
    const arr = valueList(value);
    if (!arr) return [true, false];
    return [false, negate ? isAnyNotIn(key, arr) : isAnyIn(key, arr)];
  }
  return [true, false];
}

function allSetExistsInArray(key: string[], value: Val, negate: boolean): [boolean, boolean] {
  if (Array.isArray(value)) {
    const vs = value.map((v) => goSprint(v));
    return [false, negate ? isAllNotIn(key, vs) : isAllIn(key, vs)];
  }
  if (typeof value === "string") {
    if (key.length === 1 && key[0] === value) return [false, !negate];
    if (getOperatorFromStringPattern(value) === "-") {
      if (negate) return [false, !key.some((k) => handleRange(k, value))];
      return [false, key.every((k) => handleRange(k, value))];
    }
    const arr = valueList(value);
    if (!arr) return [true, false];
    return [false, negate ? isAllNotIn(key, arr) : isAllIn(key, arr)];
  }
  return [true, false];
}

function anyIn(key: Val, value: Val, negate: boolean): boolean {
  if (typeof key === "string" || isScalarKey(key)) {
    const [invalid, exists] = keyExistsInValue(typeof key === "string" ? key : goSprint(key), value);
    if (invalid) return false;
    return negate ? !exists : exists;
  }
  if (Array.isArray(key)) {
    const [invalid, r] = anySetExistsInArray(
      key.map((v) => goSprint(v)),
      value,
      negate,
    );
    return invalid ? false : r;
  }
  return false;
}

function allIn(key: Val, value: Val, negate: boolean): boolean {
  if (typeof key === "string" || isScalarKey(key)) {
    const [invalid, exists] = keyExistsInValue(typeof key === "string" ? key : goSprint(key), value);
    if (invalid) return false;
    return negate ? !exists : exists;
  }
  if (Array.isArray(key)) {
    const [invalid, r] = allSetExistsInArray(
      key.map((v) => goSprint(v)),
      value,
      negate,
    );
    return invalid ? false : r;
  }
  return false;
}

// --- GreaterThan / LessThan … (numeric.go) ----------------------------------------------------------------------

function compareByCondition(a: number, b: number, op: string): boolean {
  switch (op) {
    case "GreaterThanOrEquals":
      return a >= b;
    case "GreaterThan":
      return a > b;
    case "LessThanOrEquals":
      return a <= b;
    case "LessThan":
      return a < b;
    default:
      return false;
  }
}

function numeric(key: Val, value: Val, op: string): boolean {
  if (typeof key === "number") return numericFloatKey(key, value, op);
  if (typeof key === "string") {
    const d = parseDurationPair(key, value);
    if (d) return compareByCondition(durationSeconds(d[0]), durationSeconds(d[1]), op);
    if (typeof value === "string") {
      const c = compareQuantityStrings(key, value);
      if (c !== undefined) return compareByCondition(c, 0, op);
    }
    const f = parseGoFloat(key);
    if (f !== undefined) return numericFloatKey(f, value, op);
    const i = parseGoInt(key);
    if (i !== undefined) return numericFloatKey(Number(i), value, op);
    const sk = parseSemver(key);
    if (sk) {
      if (typeof value !== "string") return false;
      const sv = parseSemver(value);
      if (!sv) return false;
      return compareByCondition(compareSemver(sk, sv), 0, op);
    }
    return false;
  }
  return false;
}

function numericFloatKey(key: number, value: Val, op: string): boolean {
  if (typeof value === "number") return compareByCondition(key, value, op);
  if (typeof value === "string") {
    const d = parseDurationPair(key, value);
    if (d) return compareByCondition(durationSeconds(d[0]), durationSeconds(d[1]), op);
    const f = parseGoFloat(value);
    if (f !== undefined) return compareByCondition(key, f, op);
    const i = parseGoInt(value);
    if (i !== undefined) return compareByCondition(key, Number(i), op);
    return false;
  }
  return false;
}

// --- Duration* (deprecated; duration.go) ---------------------------------------------------------------------------

function durationCompare(a: bigint, b: bigint, op: string): boolean {
  switch (op) {
    case "DurationGreaterThanOrEquals":
      return a >= b;
    case "DurationGreaterThan":
      return a > b;
    case "DurationLessThanOrEquals":
      return a <= b;
    case "DurationLessThan":
      return a < b;
    default:
      return false;
  }
}

function durationOp(key: Val, value: Val, op: string): boolean {
  let kd: bigint | undefined;
  if (typeof key === "number") kd = secondsToDuration(key);
  else if (typeof key === "string") {
    kd = parseGoDuration(key);
    if (kd === undefined) return false;
  } else return false;
  let vd: bigint | undefined;
  if (typeof value === "number") vd = secondsToDuration(value);
  else if (typeof value === "string") vd = parseGoDuration(value);
  if (vd === undefined) return false;
  return durationCompare(kd, vd, op);
}

// --- blang/semver v4 ---------------------------------------------------------------------------------------------

interface Semver {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: (bigint | string)[];
}

const U64_MAX = (1n << 64n) - 1n;
const onlyDigits = (s: string): boolean => /^[0-9]*$/.test(s);
const onlyAlnum = (s: string): boolean => /^[0-9A-Za-z-]*$/.test(s);
const leadingZero = (s: string): boolean => s.length > 1 && s[0] === "0";

function parseNum(s: string): bigint | undefined {
  if (s === "" || !onlyDigits(s) || leadingZero(s)) return undefined;
  const v = BigInt(s);
  return v <= U64_MAX ? v : undefined;
}

/** blang/semver v4 Parse (strict MAJOR.MINOR.PATCH[-pre][+build]). */
export function parseSemver(s: string): Semver | undefined {
  if (s === "") return undefined;
  const i1 = s.indexOf(".");
  if (i1 < 0) return undefined;
  const i2 = s.indexOf(".", i1 + 1);
  if (i2 < 0) return undefined;
  const major = parseNum(s.slice(0, i1));
  const minor = parseNum(s.slice(i1 + 1, i2));
  if (major === undefined || minor === undefined) return undefined;
  let patchStr = s.slice(i2 + 1);
  let build: string[] = [];
  let prerelease: string[] = [];
  const b = patchStr.indexOf("+");
  if (b >= 0) {
    build = patchStr.slice(b + 1).split(".");
    patchStr = patchStr.slice(0, b);
  }
  const p = patchStr.indexOf("-");
  if (p >= 0) {
    prerelease = patchStr.slice(p + 1).split(".");
    patchStr = patchStr.slice(0, p);
  }
  const patch = parseNum(patchStr);
  if (patch === undefined) return undefined;
  const pre: (bigint | string)[] = [];
  for (const pr of prerelease) {
    if (pr === "") return undefined;
    if (onlyDigits(pr)) {
      const n = parseNum(pr);
      if (n === undefined) return undefined;
      pre.push(n);
    } else if (onlyAlnum(pr)) pre.push(pr);
    else return undefined;
  }
  for (const bd of build) if (bd === "" || !onlyAlnum(bd)) return undefined;
  return { major, minor, patch, pre };
}

function cmp<T extends bigint | string | number>(a: T, b: T): number {
  return a === b ? 0 : a > b ? 1 : -1;
}

export function compareSemver(a: Semver, b: Semver): number {
  const c = cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch);
  if (c) return c;
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < a.pre.length && i < b.pre.length; i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    let r: number;
    if (typeof x === "bigint" && typeof y !== "bigint") r = -1;
    else if (typeof x !== "bigint" && typeof y === "bigint") r = 1;
    else r = cmp(x as string, y as string);
    if (r) return r;
  }
  return cmp(a.pre.length, b.pre.length);
}

// --- condition blocks (evaluate.go) --------------------------------------------------------------------------------

export interface Condition {
  key?: JsonValue;
  operator: string;
  value?: JsonValue;
  message?: string;
}

/** `{any, all}` or the legacy plain list (all must hold). null/undefined = no conditions (true). */
export type ConditionBlock = { any?: Condition[] | null; all?: Condition[] | null } | Condition[];

export interface ConditionBlockResult {
  value: boolean;
  /** Kyverno's message: the messages of the conditions that decided the result, joined. */
  message: string;
}

export interface ConditionBlockOptions {
  /**
   * Variable substitution applied to each key and value right before its condition is evaluated (Kyverno
   * substitutes lazily, so a condition short-circuited away never raises a substitution error). Errors propagate.
   */
  substitute?: (v: JsonValue, part: "key" | "value") => JsonValue;
}

const joinNonEmpty = (xs: string[], sep: string): string => xs.filter((x) => x !== "").join(sep);

function evalOne(c: Condition, opts: ConditionBlockOptions): boolean {
  const sub = opts.substitute ?? ((v: JsonValue) => v);
  const key = sub(c.key ?? null, "key");
  const value = sub(c.value ?? null, "value");
  return evaluateCondition(key, c.operator, value);
}

/**
 * Evaluate preconditions or deny conditions (variables.EvaluateConditions): `any` (present, even empty → at least
 * one true), `all` (every one true, stops at the first false), both → AND; the legacy list = all.
 */
export function evaluateConditionBlock(block: ConditionBlock | null | undefined, opts: ConditionBlockOptions = {}): ConditionBlockResult {
  if (block === null || block === undefined) return { value: true, message: "" };
  if (Array.isArray(block)) {
    const trueMsgs: string[] = [];
    for (const c of block) {
      if (!evalOne(c, opts)) return { value: false, message: c.message ?? "" };
      trueMsgs.push(c.message ?? "");
    }
    return { value: true, message: joinNonEmpty(trueMsgs, ";") };
  }
  let anyResult = true;
  let allResult = true;
  const falseMsgs: string[] = [];
  const trueMsgs: string[] = [];
  if (block.any !== undefined && block.any !== null) {
    anyResult = false;
    for (const c of block.any) {
      if (evalOne(c, opts)) {
        anyResult = true;
        trueMsgs.push(c.message ?? "");
        break;
      }
      falseMsgs.push(c.message ?? "");
    }
  }
  for (const c of block.all ?? []) {
    if (!evalOne(c, opts)) {
      allResult = false;
      falseMsgs.push(c.message ?? "");
      break;
    }
    trueMsgs.push(c.message ?? "");
  }
  const value = anyResult && allResult;
  return { value, message: joinNonEmpty(value ? trueMsgs : falseMsgs, "; ") };
}

/** A list of blocks that must all hold (variables.EvaluateAnyAllConditions, e.g. attestation conditions). */
export function evaluateConditionBlocks(blocks: ConditionBlock[], opts: ConditionBlockOptions = {}): ConditionBlockResult {
  const trueMsgs: string[] = [];
  for (const b of blocks) {
    const r = evaluateConditionBlock(b, opts);
    if (!r.value) return r;
    trueMsgs.push(r.message);
  }
  return { value: true, message: joinNonEmpty(trueMsgs, ";") };
}
