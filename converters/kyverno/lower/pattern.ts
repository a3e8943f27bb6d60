// Kyverno validate `pattern` / `anyPattern` → rule-model predicates (src/ir/model.ts) with Kyverno's three outcomes:
// a pattern either passes, fails, or is skipped (a conditional or global anchor did not match: the rule does not
// apply). Derived from Kyverno's validate engine (pkg/engine/validate/validate.go, pkg/engine/anchor/*,
// pkg/engine/pattern/pattern.go, pkg/engine/wildcards/wildcards.go, IGLOU-EU/go-wildcard v1.0.3); see
// shared/notes/kyverno.md §2 and §6.
//
// Every pattern node, evaluated at a resource location, has four outcomes, as the Go code distinguishes them:
//   ok; fail (an ordinary error: fail or "error", both block admission); skipA (an anchor error — conditional or
//   global — as the handler returned it); skipP (a PatternError{Skip} that validateMap/validateArray built from
//   recorded skips). The distinction matters in validateMap's anchor loop: an error that follows a skip coming
//   *directly* from an anchor (skipA) is ignored, one that follows only propagated skips (skipP) is returned.
// A map is walked as validateMap does: wildcard label/annotation keys expanded (ExpandInMetadata); the anchors
// `(k)`, `=(k)`, `X(k)`, `^(k)` in byte order of their keys (skips recorded, errors returned unless a direct anchor
// skip came first; all skipped, or a direct skip → skip); then global anchors and keys holding anchors (pushed to the
// front, so in reverse order), then the other keys in order, the first non-ok outcome winning. Arrays of maps: every
// element must match, elements that skip are dropped, all dropped → skip, an empty list passes. Arrays of scalars:
// every element. Nested lists are positional. Scalars: pattern.Validate with its operator, duration, quantity and
// string-glob comparisons. `+(k)` is a literal key in validation. A missing key reads as nil. `{{ }}` variables in
// string values (with the rule's JMESPath scope) are substituted per request: every one is evaluated before the
// walk (its failure is the rule's error), and the substituted string is matched as a run-time pattern
// (`dynamicLeaf`: plain strings exactly; strings Kyverno would parse as operators, wildcards or ranges are an
// evaluation error, stricter). Variables in keys, in list patterns, `$( )` references: a gap.
//
// Value types. The model has no type test, so leaves are written to be *exact or an evaluation error* (never a wrong
// boolean) for the JSON types a schema-valid object can hold at a position — string, integer, bool, absent — and for
// null and lists/maps where a scalar is expected they either agree with Kyverno or raise an evaluation error, which
// the VAP turns into a rejection (failurePolicy Fail): stricter, never weaker. Kyverno's formatting of numbers meeting
// string patterns is reproduced through `string(x)` (integers print in decimal, bools as true/false, exactly as
// Kyverno's FormatInt/FormatBool). A scalar pattern meeting a *list* (Kyverno checks every element; an empty list
// passes) is decided by schema knowledge: at the fields that hold lists of scalars in the built-in kinds
// (`BUILTIN_LIST_FIELDS`, e.g. securityContext.supplementalGroups) every element is checked; elsewhere the value is
// taken as a scalar. patternRule uses that table only when every kind the rule matches is built in. The remaining
// data-dependent differences are listed at `KNOWN_DIFFERENCES`.
//
// Wildcard metadata keys (`app.kubernetes.io/*` under metadata.labels/annotations) are expanded by Kyverno to the
// *first* resource key that matches in Go map order — random when several keys match. Declared choice: the VAP
// quantifies over every matching key and fails when the pattern fails for *any* of them (Kyverno may pick that key),
// so it never admits what Kyverno might deny (gap `kyverno.pattern.wildcard-key-choice`, stricter); with one match
// or none it is exact. Negation anchors `X(k*)` need no choice: X fails whenever its key is present, whatever the
// value (anchor/handlers.go negationHandler), so every matching key gives Kyverno's one outcome — no gap.
import { cmpQ, parseQuantity, type Quantity } from "../../../src/cel/k8s/quantity.js";
import { parseDuration } from "../../../src/cel/stdlib/time.js";
import { isSafeIdent } from "../../../src/emit/literal.js";
import { kindRegistry } from "../../../src/vap/kinds.js";
import { P, V, path, root, type CompareOp, type Gap, type Json, type Path, type Pred, type Provenance, type Rule, type Segment, type Val } from "../../../src/ir/model.js";
import type { JsonValue, KyvernoRule } from "../model.js";
import { ERROR_VAL, hasErrorMarker, JmesCtx, K, listVal, LowerGap, lowerTemplate, only, type JmesScope, type JVal } from "./jmespath.js";

/** The lowered pattern: `skip` = the rule does not apply (Kyverno skip); `fail` = it fails (fail or error). Exclusive. */
export interface PatternLowering {
  fail: Pred;
  skip: Pred;
  gaps: Gap[];
}

export interface LowerPatternOptions {
  /** Rule name the gaps belong to. */
  rule?: string;
  provenance?: Provenance;
  /**
   * Fields whose values are lists of scalars, as `parent.field` (`parent` = the enclosing map's key, or for list
   * elements the list's key; the root's key is empty): a scalar pattern there checks every element, as Kyverno does
   * with a list value. Default `BUILTIN_LIST_FIELDS`; pass an empty set where the schema is unknown (custom resources).
   */
  listFields?: ReadonlySet<string>;
  /**
   * The rule's JMESPath scope (context entries, kinds): `{{ }}` variables in the pattern's string values are lowered
   * with it and matched as run-time patterns (`dynamicLeaf`). Without it, a pattern holding variables is a gap.
   */
  variables?: JmesScope;
}

/**
 * Lists of scalars in the built-in Kubernetes kinds, by enclosing key and field (free-form maps such as labels or data
 * never match: their keys sit under `labels.`, `data.`, …). `resources`/`operations` only under `rules` (PolicyRule,
 * webhook rules): `resources` is a map in containers.
 */
export const BUILTIN_LIST_FIELDS: ReadonlySet<string> = new Set([
  "securityContext.supplementalGroups",
  ...["containers", "initContainers", "ephemeralContainers"].flatMap((c) => [`${c}.command`, `${c}.args`]),
  "exec.command", "capabilities.add", "capabilities.drop", "metadata.finalizers", "spec.finalizers",
  "spec.accessModes", "spec.mountOptions", ".mountOptions",
  "spec.externalIPs", "spec.clusterIPs", "spec.ipFamilies", "spec.loadBalancerSourceRanges",
  "dnsConfig.nameservers", "dnsConfig.searches", "hostAliases.hostnames", "matchExpressions.values", "matchFields.values",
  ...["apiGroups", "apiVersions", "verbs", "resources", "resourceNames", "nonResourceURLs", "operations"].map((f) => `rules.${f}`),
  "tls.hosts", "spec.policyTypes", "ipBlock.except", "spec.usages", "spec.podCIDRs", "spec.scopes",
  "iscsi.portals", "cephfs.monitors", "rbd.monitors", "fc.targetWWNs", "fc.wwids", "webhooks.admissionReviewVersions",
  ...["podAffinityTerm", "requiredDuringSchedulingIgnoredDuringExecution"].flatMap((t) => [`${t}.namespaces`, `${t}.matchLabelKeys`, `${t}.mismatchLabelKeys`]),
]);

/** Documented differences from Kyverno that no gap names (data-dependent, outside schema-valid built-in objects). */
export const KNOWN_DIFFERENCES: readonly string[] = [
  "a scalar pattern compared with a list value at a field outside `listFields`: Kyverno checks every element (an empty list passes); the VAP errs (string patterns) or is false (bool/number/null patterns); at a `listFields` field the VAP checks every element, and a scalar there errs (a map would be iterated over its keys)",
  "non-integral numbers meeting string patterns: Kyverno formats them with %E (globs) or %f (durations/quantities), the VAP with CEL's string(double)",
  "strings meeting number patterns: hexadecimal floats ('0x1p4') parse in Go's ParseFloat, not in the VAP (false)",
  "a map or list where a scalar pattern is expected, or null where a map/list pattern is expected: the VAP errs (rejects) where Kyverno fails or, under a conditional anchor, skips",
  "error classification by message text (a resource value containing 'conditional anchor mismatch' turns Kyverno's fail into a skip) is not reproduced",
];

// ---------------------------------------------------------------------------------------------------------------
// Predicate algebra with constant folding (keeps the three outcome predicates small)

const T: Pred = P.t;
const F: Pred = P.f;
const isT = (p: Pred): boolean => p.k === "const" && p.value;
const isF = (p: Pred): boolean => p.k === "const" && !p.value;
const keys = new WeakMap<Pred, string>();
/** Structural identity of a predicate (memoized: predicates are never mutated). */
function keyOf(p: Pred): string {
  let k = keys.get(p);
  if (k === undefined) keys.set(p, (k = JSON.stringify(p)));
  return k;
}

function and(...ps: Pred[]): Pred {
  const out: Pred[] = [];
  const seen = new Set<string>();
  for (const p of ps.flatMap((x) => (x.k === "and" ? x.of : [x]))) {
    if (isT(p)) continue;
    if (isF(p)) return F;
    const k = keyOf(p);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  // `a && (!a || b)` → `a && b`; `a && (a || b)` → `a`
  const simplified = out.map((p) => {
    if (p.k !== "or") return p;
    if (p.of.some((q) => seen.has(keyOf(q)))) return T;
    const rest = p.of.filter((q) => !seen.has(keyOf(not(q))));
    return rest.length === p.of.length ? p : or(...rest);
  });
  if (simplified.some(isF)) return F;
  const kept = absorb(simplified.filter((p) => !isT(p)), "or");
  return kept.length === 0 ? T : kept.length === 1 ? kept[0]! : { k: "and", of: kept };
}

function or(...ps: Pred[]): Pred {
  const out: Pred[] = [];
  const seen = new Set<string>();
  for (const p of ps.flatMap((x) => (x.k === "or" ? x.of : [x]))) {
    if (isF(p)) continue;
    if (isT(p)) return T;
    const k = keyOf(p);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  // `a || (!a && b)` → `a || b`; `a || (a && b)` → `a`
  const simplified = out.map((p) => {
    if (p.k !== "and") return p;
    if (p.of.some((q) => seen.has(keyOf(q)))) return F;
    const rest = p.of.filter((q) => !seen.has(keyOf(not(q))));
    return rest.length === p.of.length ? p : and(...rest);
  });
  if (simplified.some(isT)) return T;
  const kept = absorb(simplified.filter((p) => !isF(p)), "and");
  return kept.length === 0 ? F : kept.length === 1 ? kept[0]! : { k: "or", of: kept };
}

/**
 * Absorption among the operands of a junction: in `x || y` an operand whose conjuncts include all of another
 * operand's is implied by it (`a || (a && b)` → `a`), dually for `&&` with disjunctions (`inner` = the operands' kind).
 */
function absorb(ps: Pred[], inner: "and" | "or"): Pred[] {
  const parts = ps.map((p) => new Set((p.k === inner ? p.of : [p]).map(keyOf)));
  return ps.filter((_, i) => !parts.some((q, j) => j !== i && q.size <= parts[i]!.size && [...q].every((k) => parts[i]!.has(k)) && (q.size < parts[i]!.size || j < i)));
}

const FLIP: Record<CompareOp, CompareOp> = { "==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">" };

/** Negation pushed inwards (De Morgan, flipped comparisons and quantifiers), so checks read as conjunctions. */
function not(p: Pred): Pred {
  switch (p.k) {
    case "const":
      return p.value ? F : T;
    case "not":
      return p.of;
    case "and":
      return or(...p.of.map(not));
    case "or":
      return and(...p.of.map(not));
    case "cmp":
      return { ...p, op: FLIP[p.op], ifAbsent: p.ifAbsent === "error" ? "error" : !p.ifAbsent };
    case "quant":
      if (p.q === "one") return { k: "not", of: p };
      return quant({ ...p, q: p.q === "all" ? "any" : "all", body: not(p.body), ifAbsent: p.ifAbsent === "error" ? "error" : !p.ifAbsent });
    default:
      return { k: "not", of: p };
  }
}

/** A quantifier, folded when its body is constant (`any(false)`, `all(true)`) and the list is read under a presence guard. */
function quant(p: Extract<Pred, { k: "quant" }>): Pred {
  if (p.ifAbsent === "error" && ((p.q === "any" && isF(p.body)) || (p.q === "all" && isT(p.body)))) return p.q === "any" ? F : T;
  if (p.q === "any" && isF(p.body) && p.ifAbsent === false) return F;
  if (p.q === "all" && isT(p.body) && p.ifAbsent === true) return T;
  return p;
}

/** `c ? a : b`. */
function ite(c: Pred, a: Pred, b: Pred): Pred {
  if (isT(c)) return a;
  if (isF(c)) return b;
  if (keyOf(a) === keyOf(b)) return a;
  if (isF(b)) return and(c, a);
  if (isT(b)) return or(not(c), a);
  if (isF(a)) return and(not(c), b);
  if (isT(a)) return or(c, b);
  const asVal = (x: Pred): Val => ({ k: "cond", test: x, then: V.lit(true), else: V.lit(false) });
  return P.truthy({ k: "cond", test: c, then: asVal(a), else: asVal(b) }, "error");
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes

/** The outcome of a pattern node at a location: fail, skip from an anchor (skipA), propagated skip (skipP), else ok. */
interface Out {
  fail: Pred;
  skipA: Pred;
  skipP: Pred;
}

/** Presence of a location (a bound element or the root is always there). */
const has = (p: Path): Pred => (p.segs.length === 0 && p.root.k !== "variable" ? T : P.present(p));

const out = (o: Partial<Out>): Out => ({ fail: o.fail ?? F, skipA: o.skipA ?? F, skipP: o.skipP ?? F });
const okOf = (o: Out): Pred => and(not(o.fail), not(o.skipA), not(o.skipP));
const skipOf = (o: Out): Pred => or(o.skipA, o.skipP);

// ---------------------------------------------------------------------------------------------------------------
// Anchors and keys

type Mod = "" | "<" | "=" | "X" | "^" | "+";
const ANCHOR_RE = /^([+<=X^])?\((.+)\)$/;

/** Go strings.TrimSpace (Unicode White_Space as unicode.IsSpace sees it). */
const goTrimSpace = (s: string): string => s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, "");
/** Go strings.Trim(s, " "). */
const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, "");

/** anchor.Parse: `(k)` conditional, `<(k)` global, `=(k)` equality, `X(k)` negation, `^(k)` existence, `+(k)`. */
export function parseAnchor(key: string): { mod: Mod; key: string } | undefined {
  const m = ANCHOR_RE.exec(goTrimSpace(key));
  return m ? { mod: (m[1] ?? "") as Mod, key: m[2]! } : undefined;
}

const hasWildcard = (s: string): boolean => s.includes("*") || s.includes("?");

/** Go sort.Strings order (bytes of UTF-8). */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** validate/utils.go hasNestedAnchors: a map key that is an anchor of kind (), ^(), =(), X() or <(), at any depth. */
function hasNestedAnchors(p: JsonValue): boolean {
  if (Array.isArray(p)) return p.some(hasNestedAnchors);
  if (isObj(p)) return Object.entries(p).some(([k, v]) => ["", "^", "=", "X", "<"].includes(parseAnchor(k)?.mod ?? "-") || hasNestedAnchors(v));
  return false;
}

type JObj = { [k: string]: JsonValue };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: JsonValue): v is null | boolean | number | string => v === null || typeof v !== "object";

/** Path segment for a map key: a field when it is a CEL identifier, else a key lookup. */
const keySeg = (k: string): Segment => (isSafeIdent(k) ? { k: "field", name: k } : { k: "key", key: k });
const extend = (p: Path, s: Segment): Path => ({ root: p.root, segs: [...p.segs, s] });

// ---------------------------------------------------------------------------------------------------------------
// Scalars (pattern.Validate)

/** Go time.ParseDuration succeeds. */
function isGoDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

function goDurationNs(s: string): bigint {
  return parseDuration(s).ns;
}

function tryQuantity(s: string): Quantity | undefined {
  try {
    return parseQuantity(s);
  } catch {
    return undefined;
  }
}

/** Strings Go's time.ParseDuration accepts (without its overflow limit: an overflowing value errs in CEL too). */
export const DURATION_RE = "^[-+]?(0|((\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)$";
/** Decimal strings Go's strconv.ParseFloat accepts (hexadecimal floats, Inf and NaN aside). */
export const DECIMAL_RE = "^[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?$";

type Op = "" | "!" | ">" | "<" | ">=" | "<=" | "-" | "!-";
const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

/** operator.GetOperatorFromStringPattern. */
function operatorOf(p: string): Op {
  if (Buffer.byteLength(p, "utf8") < 2) return "";
  for (const op of [">=", "<=", ">", "<", "!"] as const) if (p.startsWith(op)) return op;
  if (NOT_IN_RANGE.test(p)) return "!-";
  if (IN_RANGE.test(p)) return "-";
  return "";
}

const CMP: Record<"" | "!" | ">" | "<" | ">=" | "<=", CompareOp> = { "": "==", "!": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<=" };

/** Whole-string glob (go-wildcard v1.0.3: `*` any run, `?` one character, nothing else special) as a predicate. */
export function globPred(s: Val, g: string): Pred {
  if (!hasWildcard(g)) return P.cmp(s, "==", g, "error");
  if (/^[*?]+$/.test(g)) {
    const q = [...g].filter((c) => c === "?").length;
    if (q === 0) return P.match(s, { k: "glob", glob: "*" }, "error");
    return P.cmp(V.call("size", s), g.includes("*") ? ">=" : "==", q, "error");
  }
  if (!g.includes("?")) {
    const parts = g.split("*");
    if (parts.length === 2 && parts[0] === "") return P.match(s, { k: "suffix", suffix: parts[1]! }, "error");
    if (parts.length === 2 && parts[1] === "") return P.match(s, { k: "prefix", prefix: parts[0]! }, "error");
    if (parts.length === 3 && parts[0] === "" && parts[2] === "") return P.match(s, { k: "substring", value: parts[1]! }, "error");
  }
  return P.match(s, { k: "glob", glob: g }, "error");
}

/** Glob match in TS (for static evaluation of nil values and of the identity shortcut). */
function globMatch(g: string, s: string): boolean {
  const p = [...g];
  const t = [...s];
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === t.length;
    else if (p[i] === "*") r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    else r = j < t.length && (p[i] === "?" || p[i] === t[j]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return g === "" ? s === "" : g === "*" || go(0, 0);
}

/**
 * pattern.validateString for one operator and operand: durations when both sides parse as Go durations, else
 * quantities when both parse, else `=`/`!` globs on the formatted value (ordering operators: false). `sv` is the
 * value formatted as Kyverno does (`string(x)`).
 */
function validateString(sv: Val, s: string, op: Exclude<Op, "-" | "!-">): Pred {
  const strP = op === "" ? globPred(sv, s) : op === "!" ? not(globPred(sv, s)) : F;
  const qtyP = tryQuantity(s) ? ite(P.truthy(V.call("isQuantity", sv), "error"), P.cmp(sv, CMP[op], s, "error", "quantity"), strP) : strP;
  return isGoDuration(s) ? ite(P.match(sv, { k: "regex", re: DURATION_RE }, "error"), P.cmp(sv, CMP[op], s, "error", "duration"), qtyP) : qtyP;
}

/** The same for a nil value (convertNumberToString(nil) = "0"; compareString(nil) = false), statically. */
function validateStringNil(s: string, op: Exclude<Op, "-" | "!-">): boolean {
  const rel = (c: number): boolean => ({ "": c === 0, "!": c !== 0, ">": c > 0, "<": c < 0, ">=": c >= 0, "<=": c <= 0 })[op];
  if (isGoDuration(s)) {
    const d = goDurationNs(s);
    return rel(d > 0n ? -1 : d < 0n ? 1 : 0);
  }
  const q = tryQuantity(s);
  if (q) return rel(cmpQ(parseQuantity("0"), q));
  return false;
}

/** validateStringPattern on one `&`-part (ranges become two comparisons). */
function conditionPred(c: string, sv: Val): Pred {
  const op = operatorOf(c);
  if (op === "-" || op === "!-") {
    const m = (op === "-" ? IN_RANGE : NOT_IN_RANGE).exec(c);
    if (!m) return F;
    return op === "-" ? and(conditionPred(`>= ${m[1]}`, sv), conditionPred(`<= ${m[2]}`, sv)) : or(conditionPred(`< ${m[1]}`, sv), conditionPred(`> ${m[2]}`, sv));
  }
  return validateString(sv, goTrimSpace(c.slice(op.length)), op);
}

function conditionNil(c: string): boolean {
  const op = operatorOf(c);
  if (op === "-" || op === "!-") {
    const m = (op === "-" ? IN_RANGE : NOT_IN_RANGE).exec(c);
    if (!m) return false;
    return op === "-" ? conditionNil(`>= ${m[1]}`) && conditionNil(`<= ${m[2]}`) : conditionNil(`< ${m[1]}`) || conditionNil(`> ${m[2]}`);
  }
  return validateStringNil(goTrimSpace(c.slice(op.length)), op);
}

/** `|` alternatives of `&` conjunctions, trimmed of spaces as Kyverno does. */
const alternatives = (p: string): string[][] => p.split("|").map((a) => trimSpaces(a).split("&").map(trimSpaces));

/** A string pattern for a value at `v` (absent = nil). */
function stringLeaf(p: string, v: Path): Pred {
  const sv = V.call("string", V.at(v));
  const body = or(...alternatives(p).map((conj) => and(...conj.map((c) => conditionPred(c, sv)))));
  // validateStringPatterns first compares the value with the pattern itself (a string equal to it passes); for a
  // plain glob/duration/quantity pattern that is implied by the comparison itself
  const plain = operatorOf(p) === "" && !p.includes("|") && !p.includes("&") && goTrimSpace(p) === p;
  const x = plain ? body : or(P.cmp(v, "==", p, "error"), body);
  const nil = alternatives(p).some((conj) => conj.every(conditionNil));
  return present(v, x, nil);
}

/** `x` where the value is present, the constant `nil` where it is absent. */
function present(v: Path, x: Pred, nil: boolean): Pred {
  return nil ? or(not(has(v)), x) : and(has(v), x);
}

/** pattern.Validate of a scalar pattern against nil (a missing key), statically. */
function scalarNil(p: null | boolean | number | string): boolean {
  if (p === null) return true;
  if (typeof p !== "string") return false;
  return alternatives(p).some((conj) => conj.every(conditionNil));
}

/** pattern.Validate for a scalar pattern (numbers in patterns are float64 after Kyverno's JSON round trip). */
export function scalarLeaf(p: null | boolean | number | string, v: Path): Pred {
  if (p === null) return P.in(v, [null, 0, "", false], true);
  if (typeof p === "boolean") return P.cmp(v, "==", p, false);
  if (typeof p === "number") {
    const lit: Json = Number.isInteger(p) ? p : { double: p };
    const viaString = and(P.cmp(V.call("string", V.at(v)), "==", V.at(v), "error"), P.match(v, { k: "regex", re: DECIMAL_RE }, "error"), P.cmp(V.call("double", V.at(v)), "==", { double: p }, "error"));
    return present(v, or(P.cmp(v, "==", lit, "error"), viaString), false);
  }
  return stringLeaf(p, v);
}

// ---------------------------------------------------------------------------------------------------------------
// Per-request variables in pattern values (validate_resource.go substitutePatterns: every `{{ }}` of the pattern is
// substituted before the walk — a failing variable is the rule's error, wherever it sits — then pattern.Validate
// meets the substituted string as any other string pattern)

/** A substituted pattern string with operators, wildcards or a range (RE2, checked at run time): not modelled. */
const NOT_PLAIN_RE = "[|&*?]|^[<>!]|^[-+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*!?-[-+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*$";

/**
 * pattern.Validate of the value at `v` against a string `w` known only at run time. A plain string (no `|`, `&`,
 * wildcard, leading operator, range, or surrounding whitespace) is validateString with equality: as durations when
 * both parse, else as quantities when both parse, else the formatted value equals it; a missing value is nil ("0"
 * for durations and quantities, false otherwise). Any other string would be parsed as a pattern by Kyverno: an
 * evaluation error here (stricter).
 */
export function dynamicLeaf(w: Val, v: Path): Pred {
  const sv = V.call("string", V.at(v));
  const durW = P.match(w, { k: "regex", re: DURATION_RE }, "error");
  const qtyW = P.truthy(V.call("isQuantity", w), "error");
  const asDuration = and(durW, P.match(sv, { k: "regex", re: DURATION_RE }, "error"));
  const asQuantity = and(qtyW, P.truthy(V.call("isQuantity", sv), "error"));
  const present = ite(asDuration, P.cmp(sv, "==", w, "error", "duration"), ite(asQuantity, P.cmp(sv, "==", w, "error", "quantity"), P.cmp(sv, "==", w, "error")));
  const nil = ite(durW, P.cmp(w, "==", "0s", "error", "duration"), ite(qtyW, P.cmp(w, "==", "0", "error", "quantity"), F));
  const plain = and(not(P.match(w, { k: "regex", re: NOT_PLAIN_RE }, "error")), P.cmp(V.call("trim", w), "==", w, "error"));
  return ite(plain, ite(has(v), present, nil), P.truthy(ERROR_VAL, "error"));
}

/** The pattern's variable strings, each lowered once (a string value: other kinds change the pattern's type). */
class PatternVariables {
  private readonly ctx: JmesCtx;
  private readonly values = new Map<string, JVal>();
  constructor(scope: JmesScope) {
    this.ctx = new JmesCtx(scope);
  }

  of(s: string): Val {
    let j = this.values.get(s);
    if (!j) {
      j = listVal(lowerTemplate(s, this.ctx), "pattern variable");
      if (!only(j.ty, K.string)) throw new LowerGap("kyverno.pattern.variables.type", `${JSON.stringify(s)}: a substituted value that may be other than a string (the pattern's type would change at run time)`);
      this.values.set(s, j);
    }
    return j.v;
  }

  /** `size([w1, …]) == n` over the values that can fail (their error is the rule's), undefined when none can. */
  guard(): Pred | undefined {
    const fallible = [...this.values.values()].filter((j) => j.err || hasErrorMarker(j.v)).map((j) => j.v);
    if (!fallible.length) return undefined;
    const items = fallible.length > 1 ? fallible.map((x) => V.call("dyn", x)) : fallible;
    return P.cmp(V.call("size", { k: "list", items }), "==", fallible.length, "error");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcard metadata keys (wildcards.ExpandInMetadata)

/** Where a value sits: its map key and the enclosing map's key (for list elements: the list's key). */
interface Key {
  name?: string;
  parent?: string;
}

interface Choice {
  /** The label/annotation pattern map and its wildcard key. */
  map: JObj;
  key: string;
  /** The key's glob (anchor removed). */
  glob: string;
  /** Resource path from the scope's location to the labels/annotations map. */
  rel: string[];
  v: string;
}

const TAGS = ["labels", "annotations"] as const;

const entryOf = (m: JObj, tag: string): [string, JsonValue][] => Object.entries(m).filter(([k]) => k === tag || parseAnchor(k)?.key === tag);

// ---------------------------------------------------------------------------------------------------------------
// The lowering

class Lowerer {
  readonly gaps: Gap[] = [];
  /** Label/annotation pattern maps Kyverno expands before walking them (non-string entries dropped). */
  private readonly expandable = new Set<JObj>();
  /** Chosen resource key per (map, wildcard key): a bound variable, or the literal key when none matches. */
  private readonly env = new Map<JObj, Map<string, string | null>>();
  private depth = 0;
  private scopes = 0;

  private readonly listFields: ReadonlySet<string>;

  constructor(
    private readonly opts: LowerPatternOptions,
    private readonly vars?: PatternVariables,
  ) {
    this.listFields = opts.listFields ?? BUILTIN_LIST_FIELDS;
  }

  /** pattern.Validate of a scalar pattern (a string with variables: against its substituted value). */
  private leaf(p: null | boolean | number | string, v: Path): Pred {
    if (typeof p === "string" && this.vars && VARIABLE_RE.test(p)) return dynamicLeaf(this.vars.of(p), v);
    return scalarLeaf(p, v);
  }

  gap(id: string, effect: Gap["effect"], reason: string): void {
    if (this.gaps.some((g) => g.id === id && g.reason === reason)) return;
    this.gaps.push({ id, rule: this.opts.rule ?? "pattern", reason, effect, ...(this.opts.provenance ? { provenance: this.opts.provenance } : {}) });
  }

  /** A scope (the whole pattern, one array element, one existence candidate): its wildcard-key choices are bound here. */
  scope(pattern: JsonValue, loc: Path, top: boolean, self = ""): Out {
    const choices: Choice[] = [];
    this.scan(pattern, [], choices);
    if (!choices.length) return this.node(pattern, loc, { name: self });
    if (!top)
      this.gap("kyverno.pattern.wildcard-key-in-list", "unverified", "wildcard label/annotation keys inside a list element: Kyverno expands them in the shared pattern, so the first element's expansion is reused for the next ones; the VAP expands per element");
    // X(k) fails whenever k is present, whatever its value: any matching key decides alike, the choice is moot
    if (choices.some((c) => parseAnchor(c.key)?.mod !== "X"))
      this.gap("kyverno.pattern.wildcard-key-choice", "stricter", `wildcard metadata keys (${choices.map((c) => c.glob).join(", ")}): Kyverno checks the first matching resource key in Go map order (random when several match); the VAP fails when the pattern fails for any matching key`);
    const n = this.scopes++;
    choices.forEach((c, i) => (c.v = `key${n}_${i}`));
    const rec = (i: number): { fail: Pred; skip: Pred } => {
      if (i === choices.length) {
        const o = this.node(pattern, loc, { name: self });
        return { fail: o.fail, skip: skipOf(o) };
      }
      const c = choices[i]!;
      const bind = (v: string | null): { fail: Pred; skip: Pred } => {
        const m = this.env.get(c.map) ?? new Map<string, string | null>();
        this.env.set(c.map, m.set(c.key, v));
        try {
          return rec(i + 1);
        } finally {
          m.delete(c.key);
        }
      };
      const withKey = bind(c.v);
      const literal = bind(null);
      const labels = c.rel.reduce((p, k) => extend(p, keySeg(k)), loc);
      const matching = (v: string, body: Pred): Pred => quant({ k: "quant", q: "any", over: V.at(labels), v, entries: true, body: and(globPred(V.at(path(root.v(v))), c.glob), body), ifAbsent: false });
      const none = not(matching(`${c.v}_any`, T));
      return { fail: or(matching(c.v, withKey.fail), and(none, literal.fail)), skip: or(matching(c.v, withKey.skip), and(none, literal.skip)) };
    };
    const r = rec(0);
    return out({ fail: r.fail, skipP: and(not(r.fail), r.skip) });
  }

  /** Find the expandable label maps and wildcard keys of one scope (array elements are scopes of their own). */
  private scan(p: JsonValue, rel: string[], choices: Choice[]): void {
    if (!isObj(p)) return;
    // a negated metadata key (X(metadata)) is never walked, so its wildcards never matter
    const metas = Object.entries(p).filter(([k]) => k === "metadata" || (parseAnchor(k)?.key === "metadata" && parseAnchor(k)?.mod !== "X"));
    if (metas.length > 1) this.gap("kyverno.pattern.metadata-keys", "unverified", `several metadata keys (${metas.map(([k]) => k).join(", ")}): Kyverno expands wildcards in one of them, picked in Go map order`);
    const meta = metas[0]?.[1];
    if (isObj(meta)) {
      for (const tag of TAGS) {
        const tagged = entryOf(meta, tag);
        const m = tagged[0]?.[1];
        if (!isObj(m)) continue;
        this.expandable.add(m);
        const wild = Object.entries(m).filter(([k, v]) => typeof v === "string" && hasWildcard(k));
        for (const [k] of wild) {
          const a = parseAnchor(k);
          if (a?.mod === "+") {
            this.gap("kyverno.pattern.wildcard-add-anchor", "unverified", `+(${a.key}) with a wildcard: Kyverno looks up the expanded literal key "+(<key>)"; the VAP looks up "${k}"`);
            continue;
          }
          choices.push({ map: m, key: k, glob: a ? a.key : k, rel: [...rel, "metadata", tag], v: "" });
        }
        const globs = wild.map(([k]) => parseAnchor(k)?.key ?? k);
        const names = Object.keys(m).map((k) => parseAnchor(k)?.key ?? k);
        if (globs.length > 1 || globs.some((g) => names.some((n) => n !== g && globMatch(g, n))))
          this.gap("kyverno.pattern.wildcard-key-collision", "unverified", `wildcard keys in metadata.${tag} may expand to the same key as another entry: Kyverno keeps one of them (Go map order); the VAP checks both`);
      }
    }
    for (const [k, v] of Object.entries(p)) {
      const a = parseAnchor(k);
      if (a?.mod === "X") continue;
      this.scan(v, [...rel, a && a.mod !== "+" ? a.key : k], choices);
    }
  }

  /** validateResourceElement; `key` = the map key the value sits under and its parent's (see `listFields`). */
  node(p: JsonValue, loc: Path, key: Key = {}): Out {
    if (Array.isArray(p)) return this.list(p, loc, key.name ?? "");
    if (isObj(p)) return this.map(p, loc, key.name ?? "");
    if (key.name !== undefined && this.listFields.has(`${key.parent ?? ""}.${key.name}`)) {
      if (typeof p === "string" && VARIABLE_RE.test(p)) throw new LowerGap("kyverno.pattern.variables.list-field", "a variable pattern against a list of scalars");
      // a scalar pattern against a list: every element (an empty list passes); a missing key is nil
      return this.inElement((v) => {
        const each = quant({ k: "quant", q: "all", over: V.at(loc), v, body: scalarLeaf(p, path(root.v(v))), ifAbsent: "error" });
        return out({ fail: not(present(loc, each, scalarNil(p))) });
      });
    }
    return out({ fail: not(this.leaf(p, loc)) });
  }

  private elementVar(): string {
    return `e${this.depth}`;
  }

  private inElement<R>(f: (v: string) => R): R {
    const v = this.elementVar();
    this.depth++;
    try {
      return f(v);
    } finally {
      this.depth--;
    }
  }

  /** validateArray. */
  private list(p: JsonValue[], x: Path, self: string): Out {
    const isList = has(x);
    if (p.length === 0) return out({ fail: T });
    const first = p[0]!;
    if (isObj(first)) {
      // validateArrayOfMaps: every element; skipped elements are dropped; all dropped (and some) → skip
      return this.inElement((v) => {
        const e = this.scope(first, path(root.v(v)), false, self);
        const any = (body: Pred): Pred => quant({ k: "quant", q: "any", over: V.at(x), v, body, ifAbsent: "error" });
        const all = (body: Pred): Pred => quant({ k: "quant", q: "all", over: V.at(x), v, body, ifAbsent: "error" });
        const skip = skipOf(e);
        return out({
          fail: or(not(isList), any(e.fail)),
          skipP: isF(skip) ? F : and(isList, all(skip), P.cmp(V.call("size", V.at(x)), ">", 0, "error")),
        });
      });
    }
    if (isScalar(first)) {
      // a scalar pattern against the list: every element
      return this.inElement((v) => out({ fail: or(not(isList), quant({ k: "quant", q: "any", over: V.at(x), v, body: not(scalarLeaf(first, path(root.v(v)))), ifAbsent: "error" })) }));
    }
    // nested lists: positional, at least as many elements as the pattern
    const n = p.length;
    const longEnough = P.cmp(V.call("size", V.at(x)), ">=", n, "error");
    const outs = p.map((q, i) => this.node(q, extend(x, { k: "index", at: V.lit(i) }), { name: self, parent: "[]" }));
    return out({
      fail: or(not(isList), not(longEnough), ...outs.map((o) => o.fail)),
      skipP: and(isList, longEnough, ...outs.map(skipOf)),
    });
  }

  /** validateMap. */
  private map(m: JObj, x: Path, self: string): Out {
    const isMap = has(x);
    const chosen = this.env.get(m);
    const expand = this.expandable.has(m);
    interface Item {
      raw: string;
      mod: Mod | "plain";
      name: string;
      loc: Path;
      pattern: JsonValue;
    }
    const items: Item[] = [];
    for (const [k, v] of Object.entries(m)) {
      if (expand && typeof v !== "string") continue; // ExpandInMetadata keeps string values only
      const a = parseAnchor(k);
      const mod: Mod | "plain" = !a || a.mod === "+" ? "plain" : a.mod;
      const name = !a || a.mod === "+" ? k : a.key;
      let seg = keySeg(name);
      if (expand && hasWildcard(k) && chosen?.has(k)) {
        const v2 = chosen.get(k);
        seg = v2 ? { k: "index", at: V.at(path(root.v(v2))) } : keySeg(name);
      }
      items.push({ raw: k, mod, name, loc: extend(x, seg), pattern: v });
    }
    // phase 1: anchors (), =(), X(), ^() in byte order
    const anchors = items.filter((i) => i.mod === "" || i.mod === "=" || i.mod === "X" || i.mod === "^").sort((a, b) => byteOrder(a.raw, b.raw));
    const results = anchors.map((i) => this.anchor(i.mod as "" | "=" | "X" | "^", i.pattern, i.loc, { name: i.name, parent: self }));
    // an error returns unless a direct anchor skip came before it
    const anchorFail = or(...results.map((r, i) => and(r.fail, ...results.slice(0, i).map((q) => not(q.skipA)))));
    // skip: a direct anchor skip (errors after it are ignored), or every anchor skipped
    const anchorSkip = results.length ? or(...results.map((r) => r.skipA), and(...results.map((r) => r.skipP))) : F;
    // phase 2: global anchors and keys holding anchors first (reverse order), then the others (in order)
    const rest: Item[] = [];
    for (const i of items.filter((j) => j.mod === "<" || j.mod === "plain").sort((a, b) => byteOrder(a.raw, b.raw))) {
      if (i.mod === "<" || hasNestedAnchors(i.pattern)) rest.unshift(i);
      else rest.push(i);
    }
    let acc: Out = out({});
    for (const i of [...rest].reverse()) {
      const r = i.mod === "<" ? this.global(i.pattern, i.loc, { name: i.name, parent: self }) : this.plain(i.pattern, i.loc, { name: i.name, parent: self });
      const ok = okOf(r);
      acc = { fail: or(r.fail, and(ok, acc.fail)), skipA: or(r.skipA, and(ok, acc.skipA)), skipP: or(r.skipP, and(ok, acc.skipP)) };
    }
    const proceed = not(anchorSkip);
    return out({
      fail: or(not(isMap), and(isMap, or(anchorFail, and(proceed, acc.fail)))),
      skipA: and(isMap, not(anchorFail), proceed, acc.skipA),
      skipP: and(isMap, not(anchorFail), or(anchorSkip, acc.skipP)),
    });
  }

  /** Handlers of the anchor phase: conditional → skipA; equality passes its value's outcome; negation and existence fail. */
  private anchor(mod: "" | "=" | "X" | "^", p: JsonValue, loc: Path, key: Key): Out {
    const here = has(loc);
    switch (mod) {
      case "": {
        const o = this.node(p, loc, key);
        return out({ skipA: or(not(here), not(okOf(o))) });
      }
      case "=": {
        const o = this.node(p, loc, key);
        return out({ fail: and(here, o.fail), skipA: and(here, o.skipA), skipP: and(here, o.skipP) });
      }
      case "X":
        return out({ fail: here });
      case "^": {
        if (!Array.isArray(p) || !p.every(isObj)) return out({ fail: here });
        // each pattern map is matched (no error, no skip) by at least one element
        const missing = p.map((m) =>
          this.inElement((v) => not(quant({ k: "quant", q: "any", over: V.at(loc), v, body: okOf(this.scope(m, path(root.v(v)), false, key.name)), ifAbsent: "error" }))),
        );
        return out({ fail: and(here, or(...missing)) });
      }
    }
  }

  /** `<(k)`: present and not matching → global anchor skip. */
  private global(p: JsonValue, loc: Path, key: Key): Out {
    return out({ skipA: and(has(loc), not(okOf(this.node(p, loc, key)))) });
  }

  /** A plain key (and `+(k)`, a literal key here): `"*"` = present and not null; else its value's outcome (absent = nil). */
  private plain(p: JsonValue, loc: Path, key: Key): Out {
    if (p === "*") return out({ fail: not(and(has(loc), P.cmp(loc, "!=", null, "error"))) });
    return this.node(p, loc, key);
  }
}

const VARIABLE_RE = /\{\{|\$\(/;

function hasVariables(p: JsonValue): boolean {
  if (typeof p === "string") return VARIABLE_RE.test(p);
  if (Array.isArray(p)) return p.some(hasVariables);
  if (isObj(p)) return Object.entries(p).some(([k, v]) => VARIABLE_RE.test(k) || hasVariables(v));
  return false;
}

/** Why the pattern's variables are not lowered (undefined: only `{{ }}` in string values of maps, outside lists). */
function variablesOutOfReach(p: JsonValue, inList = false): string | undefined {
  if (typeof p === "string") return !VARIABLE_RE.test(p) ? undefined : p.includes("$(") ? "$( ) references" : inList ? "variables inside a list pattern" : undefined;
  if (Array.isArray(p)) return p.map((x) => variablesOutOfReach(x, true)).find((x) => x);
  if (isObj(p)) return Object.entries(p).map(([k, v]) => (VARIABLE_RE.test(k) ? "variables in keys" : variablesOutOfReach(v, inList))).find((x) => x);
  return undefined;
}

function variablesGap(opts: LowerPatternOptions, why: string): Gap {
  return {
    id: "kyverno.pattern.variables",
    rule: opts.rule ?? "pattern",
    reason: `the pattern holds ${why}, which are substituted per request; the VAP denies every request the rule applies to`,
    effect: "stricter",
    ...(opts.provenance ? { provenance: opts.provenance } : {}),
  };
}

/** `p` evaluated only once the variables evaluated (`size([w]) == 1 ? p : false`): their error comes first. */
function afterVariables(guard: Pred | undefined, p: Pred): Pred {
  if (!guard || isF(p)) return p;
  const asVal = (x: Pred): Val => ({ k: "cond", test: x, then: V.lit(true), else: V.lit(false) });
  return P.truthy({ k: "cond", test: guard, then: asVal(p), else: V.lit(false) }, "error");
}

/**
 * Lower one validate `pattern` applied at `at` (the resource root, `path(root.object)`, or a pod template).
 * `fail` and `skip` are exclusive; the pattern passes when neither holds.
 */
export function lowerPattern(pattern: JsonValue, at: Path, opts: LowerPatternOptions = {}): PatternLowering {
  let vars: PatternVariables | undefined;
  if (hasVariables(pattern)) {
    const why = opts.variables ? variablesOutOfReach(pattern) : "{{ }} variables or $( ) references";
    if (why) return { fail: T, skip: F, gaps: [variablesGap(opts, why)] };
    vars = new PatternVariables(opts.variables!);
  }
  const lw = new Lowerer(opts, vars);
  let o: Out;
  try {
    o = lw.scope(pattern, at, true);
  } catch (e) {
    if (!(e instanceof LowerGap) || !vars) throw e;
    return { fail: T, skip: F, gaps: [variablesGap(opts, `variables (${e.message})`)] };
  }
  const guard = vars?.guard();
  return { fail: afterVariables(guard, o.fail), skip: afterVariables(guard, skipOf(o)), gaps: lw.gaps };
}

/** Lower `anyPattern`: any pattern passes → pass; else any fails → fail; else (all skipped) skip. */
export function lowerAnyPattern(patterns: readonly JsonValue[], at: Path, opts: LowerPatternOptions = {}): PatternLowering {
  const each = patterns.map((p) => lowerPattern(p, at, opts));
  const gaps: Gap[] = [];
  for (const g of each.flatMap((e) => e.gaps)) if (!gaps.some((x) => x.id === g.id && x.reason === g.reason)) gaps.push(g);
  if (!each.length) return { fail: F, skip: F, gaps };
  // no pattern passes = every pattern fails or skips
  const nonePass = and(...each.map((e) => or(e.fail, e.skip)));
  return { fail: and(nonePass, or(...each.map((e) => e.fail))), skip: and(...each.map((e) => e.skip)), gaps };
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

/** Kyverno's autogen wrapping of a Pod pattern: `template` for Deployment & co, `jobTemplate` for CronJob. */
export type AutogenForm = "template" | "jobTemplate";

export function autogenPattern(p: JsonValue, form: AutogenForm): JsonValue {
  const tpl: JsonValue = { spec: { template: p } };
  return form === "template" ? tpl : { spec: { jobTemplate: tpl } };
}

/** autogen rule names: `autogen-<rule>` / `autogen-cronjob-<rule>`, cut at 63 characters. */
export function autogenRuleName(name: string, form: AutogenForm): string {
  return `${form === "template" ? "autogen" : "autogen-cronjob"}-${name}`.slice(0, 63);
}

export interface PatternRuleOptions {
  /** Where the pattern applies (default: the object root). */
  at?: Path;
  /** Build Kyverno's autogen rule for pod controllers instead (pattern wrapped as Kyverno wraps it). */
  autogen?: AutogenForm;
  /** The policy's failurePolicy: with Ignore, Kyverno admits requests whose pattern evaluation is an error. */
  failurePolicy?: "Fail" | "Ignore";
  /** The rule's JMESPath scope, for `{{ }}` variables in the pattern (LowerPatternOptions.variables). */
  variables?: JmesScope;
}

/**
 * A model Rule for a Kyverno rule's `validate.pattern` / `validate.anyPattern`: `when` = not skipped, `check` = not
 * failed, message = `validate.message`. Preconditions, context and match are the caller's; a rule without a pattern
 * is an error.
 */
export function patternRule(rule: KyvernoRule, opts: PatternRuleOptions = {}): Rule {
  const v = rule.validate;
  if (!v || (v.pattern === undefined && v.anyPattern === undefined)) throw new Error(`rule ${rule.name}: no validate.pattern or validate.anyPattern`);
  const id = opts.autogen ? autogenRuleName(rule.name, opts.autogen) : rule.name;
  const field = v.pattern !== undefined ? "validate.pattern" : "validate.anyPattern";
  const provenance: Provenance = { file: rule.source.file, line: rule.source.line, field };
  const lopts: LowerPatternOptions = { rule: id, provenance, ...(matchesOnlyBuiltins(rule) ? {} : { listFields: new Set<string>() }), ...(opts.variables ? { variables: opts.variables } : {}) };
  const at = opts.at ?? path(root.object);
  const wrap = (p: JsonValue): JsonValue => (opts.autogen ? autogenPattern(p, opts.autogen) : p);
  const low = v.pattern !== undefined ? lowerPattern(wrap(v.pattern), at, lopts) : lowerAnyPattern((v.anyPattern ?? []).map(wrap), at, lopts);
  const gaps = [...low.gaps];
  const patterns = v.pattern !== undefined ? [v.pattern] : (v.anyPattern ?? []);
  if (opts.failurePolicy === "Ignore" && patterns.some(mayError))
    gaps.push({
      id: "kyverno.pattern.error-ignored",
      rule: id,
      reason: "failurePolicy Ignore: Kyverno admits a request whose pattern evaluation is an error (a conditional/existence anchor key missing from the resource, a short positional list) rather than a failure; the VAP denies both",
      effect: "stricter",
      provenance,
    });
  return {
    id,
    field: "pattern",
    ...(isF(low.skip) ? {} : { when: not(low.skip) }),
    check: not(low.fail),
    message: { text: v.message ?? `validation error: rule ${id} failed` },
    provenance,
    gaps,
  };
}

const BUILTIN_GROUPS = ["", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "policy", "autoscaling", "scheduling.k8s.io", "node.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "certificates.k8s.io", "discovery.k8s.io", "resource.k8s.io", "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io", "events.k8s.io"];
const registry = kindRegistry();

/** Every kind the rule matches is a built-in kind (its schema, and so `BUILTIN_LIST_FIELDS`, is known). */
function matchesOnlyBuiltins(rule: KyvernoRule): boolean {
  const filters = [...(rule.match.legacy ? [rule.match.legacy] : []), ...(rule.match.any ?? []), ...(rule.match.all ?? [])];
  const kinds = filters.flatMap((f) => f.resources?.kinds ?? []);
  return kinds.length > 0 && kinds.every((k) => {
    const parts = k.split("/");
    const kind = parts[parts.length - 1]!;
    if (hasWildcard(kind)) return false;
    const groups = parts.length === 3 ? [parts[0]!] : BUILTIN_GROUPS;
    return groups.some((g) => registry.byKind(g ? `${g}/v1` : "v1", kind) !== undefined);
  });
}

/** Patterns whose failures Kyverno may classify as errors (MatchPattern: anchor keys missing, empty error path). */
function mayError(p: JsonValue): boolean {
  if (Array.isArray(p)) return p.some((x) => Array.isArray(x) || mayError(x));
  if (isObj(p)) return Object.entries(p).some(([k, v]) => ["", "^"].includes(parseAnchor(k)?.mod ?? "-") || mayError(v));
  return false;
}
