// The rule model every source converter (PSP, Kyverno, Gatekeeper/Rego) lowers into and the one CEL emitter
// (src/emit) reads. Source-neutral: a policy is a match scope plus rules; a rule is a three-valued check (`when` says
// whether it applies at all, `check` whether the request passes) over a small value algebra (paths, literals, a fixed
// vocabulary of calls, list projection/filter, conditionals, default-if-absent). Every leaf that reads a value states
// what happens when a path is absent: the leaf is true, false, or an evaluation **error** (→ failurePolicy), as the
// source language behaves. What a converter cannot express is a Gap with its effect, never dropped.

/** JSON literal value. Integral numbers are int64 in CEL; write `{ double: n }` to force a double literal. */
export type Json = null | boolean | number | string | { double: number } | Json[] | { [k: string]: Json };

/** Where a rule or gap came from in the source document. */
export interface Provenance {
  file: string;
  /** 1-based line of the field (or of the document, where the field is unknown). */
  line: number;
  /** Source field path, e.g. `spec.runAsUser.ranges`. */
  field?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths and values

/** Where a path starts: an admission variable, a variable bound by an enclosing quantifier/projection/let, or a
 *  named VAP variable (`variables.<name>`). */
export type Root =
  | { k: "object" }
  | { k: "oldObject" }
  | { k: "request" }
  | { k: "params" }
  | { k: "namespaceObject" }
  | { k: "var"; name: string }
  | { k: "variable"; name: string };

/**
 * A path segment: `field` of an object, `key` of a map (any string: labels, annotations), `index` with a computed
 * key or list index (`x[k]`), `each` every element of a list (mutation targets and leaf paths only; the emitter
 * lowers it to an `all` quantifier).
 */
export type Segment = { k: "field"; name: string } | { k: "key"; key: string } | { k: "index"; at: Val } | { k: "each" };

export interface Path {
  root: Root;
  segs: Segment[];
}

/** Fixed call vocabulary (the emitter maps each to CEL; sources map their builtins onto these). */
export type CallFn =
  | "size" // strings (code points), lists, maps
  | "string" | "int" | "double" | "bool"
  | "lower" | "upper" | "trim"
  | "startsWith" | "endsWith" | "contains" // string tests (receiver, argument)
  | "split" | "join" | "replace" | "substring" | "indexOf"
  | "matches" | "find" // RE2, unanchored
  | "globRegex" // the anchored RE2 `(?s)^…$` of a glob string: `*` any run, `?` one character, metacharacters escaped
  | "quantity" | "duration"
  | "format" // format(template, [args])
  | "keys" | "values" // of a map, as lists
  | "distinct" | "sort" // lists ext (env ≥ 1.34)
  | "sum" // of a list of numbers (Kubernetes list library, every environment); `[]` sums to 0
  | "isQuantity"
  | "approxFloat" // quantity(s).asApproximateFloat() (Kubernetes quantity library, env ≥ 1.28)
  | "divide" // a / b of two doubles
  | "add" | "sub" | "mul" // a + b, a - b, a * b (numbers of one CEL type)
  | "dyn"; // type erasure, where CEL would otherwise infer conflicting branch types

/** Value algebra. A value that reads an absent path is absent; the enclosing leaf's `ifAbsent` decides. */
export type Val =
  | { k: "lit"; value: Json }
  | { k: "path"; path: Path }
  /** `of` when all its paths are present, else `fallback` (JMESPath `a || b`, Rego `object.get`). */
  | { k: "default"; of: Val; fallback: Val }
  | { k: "call"; fn: CallFn; args: Val[] }
  | { k: "list"; items: Val[] }
  /** Map literal with string keys; an entry whose value is absent is left out. */
  | { k: "map"; entries: [string, Val][] }
  /** List concatenation. */
  | { k: "concat"; lists: Val[] }
  /** String concatenation. */
  | { k: "strcat"; parts: Val[] }
  /** `[body for v in list]` (JMESPath `list[*].f`, multi-select `spec.[a, b][]` is a concat of projections). */
  | { k: "project"; list: Val; v: string; body: Val }
  /** `[v for v in list if pred]` (JMESPath `list[?p]`). */
  | { k: "filter"; list: Val; v: string; pred: Pred }
  | { k: "cond"; test: Pred; then: Val; else: Val }
  /**
   * A local binding: `body` may read `value` through the root `{k: "var", name}`. With `ifAbsent`, an absent `value`
   * makes the whole binding `ifAbsent` (Rego `x := input.a` then `f(x)`, with a default).
   */
  | { k: "let"; name: string; value: Val; body: Val; ifAbsent?: Val }
  /** Raw CEL text from a converter: only together with an `unverified` gap naming it. */
  | { k: "raw"; cel: string };

// ---------------------------------------------------------------------------------------------------------------
// Predicates

/** Truth value of a leaf when a path it reads is absent; `error` = evaluation error (→ failurePolicy). */
export type Absent = boolean | "error";

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** How a comparison compares, as the source did: numbers (int/double mixed), strings, quantities, durations. */
export type CompareAs = "value" | "number" | "string" | "quantity" | "duration";

/** Whole-string patterns on a string value. */
export type StringPattern =
  | { k: "exact"; value: string }
  /** `*` any run (incl. empty), `?` one character, no classes or escapes. */
  | { k: "glob"; glob: string }
  /** RE2, unanchored (as CEL `matches`). */
  | { k: "regex"; re: string }
  | { k: "prefix"; prefix: string }
  | { k: "suffix"; suffix: string }
  | { k: "substring"; value: string };

/** Runtime kinds of dynamically typed (JSON-shaped) values, as CEL's `type()` names them. */
export type ValueKind = "null" | "bool" | "int" | "uint" | "double" | "string" | "bytes" | "list" | "map";

/** Who an authorization check is made for. */
export type AuthzSubject = { k: "requester" } | { k: "serviceAccount"; namespace: Val; name: Val };

export interface AuthzCheck {
  subject: AuthzSubject;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: Val;
  name?: string;
}

export type Pred =
  | { k: "const"; value: boolean }
  | { k: "and"; of: Pred[] }
  | { k: "or"; of: Pred[] }
  | { k: "not"; of: Pred }
  /** Path present (every prefix present). */
  | { k: "present"; path: Path }
  | { k: "cmp"; lhs: Val; op: CompareOp; rhs: Val; as?: CompareAs; ifAbsent: Absent }
  /** `value` is an element of the list `list`. */
  | { k: "in"; value: Val; list: Val; ifAbsent: Absent }
  | { k: "match"; value: Val; pattern: StringPattern; ifAbsent: Absent }
  /** A boolean value. */
  | { k: "truthy"; value: Val; ifAbsent: Absent }
  /** The value's runtime kind is `kind` (`type(dyn(v)) == string`): dispatch on values of unknown JSON type. */
  | { k: "kind"; value: Val; kind: ValueKind; ifAbsent: Absent }
  /**
   * Quantifier over a list (`v` = element, `index` = position) or, with `entries`, a map (`v` = key, `index` =
   * value). `one` = exactly one. `label` names an element in messages (e.g. the container's `name`), read with `v`.
   */
  | {
      k: "quant";
      q: "all" | "any" | "one";
      over: Val;
      v: string;
      index?: string;
      entries?: boolean;
      body: Pred;
      ifAbsent: Absent;
      label?: Val;
    }
  | { k: "authz"; check: AuthzCheck }
  | { k: "let"; name: string; value: Val; body: Pred }
  /** Raw CEL boolean text: only together with an `unverified` gap naming it. */
  | { k: "raw"; cel: string };

// ---------------------------------------------------------------------------------------------------------------
// Rules, messages, mutations, gaps, match, policies

export interface Gap {
  /** Stable id, e.g. `psp.seccomp.empty-profile`. */
  id: string;
  /** Rule or field the gap belongs to. */
  rule: string;
  reason: string;
  /** `stricter`: the output denies some requests the source admitted; `weaker` must never be emitted silently. */
  effect: "stricter" | "weaker" | "unverified";
  provenance?: Provenance;
}

/** A message: fixed text, optionally followed by bound values (→ messageExpression). */
export interface Message {
  text: string;
  /** The text says it all: the emitter appends no failing-field names. */
  exact?: boolean;
  /** Appended in order after `text`; values are converted to strings. */
  parts?: (string | Val)[];
}

export interface Rule {
  id: string;
  /** Display name of what the rule checks, used when naming failing elements (`securityContext.privileged`). */
  field: string;
  /** False → the rule does not apply (Kyverno skip, preconditions, conditional anchors). Omitted = always. */
  when?: Pred;
  /** The request passes the rule when this holds. */
  check: Pred;
  message: Message;
  provenance: Provenance;
  gaps: Gap[];
}

/**
 * A mutation applied before validation. `target` may contain one `each` segment (every element of that list,
 * bound to `vars[0]`); `when` is evaluated per target location (omitted = always).
 *   setIfAbsent — set `value` where the target is absent;
 *   set         — set `value` (overwriting) where `when` holds;
 *   addToList   — ensure every string of `values` is in the (atomic) list at `target`, creating it when absent,
 *                 except values present in `exceptIn`.
 */
export type Mutation =
  | { k: "setIfAbsent"; target: Path; value: Val; vars?: string[]; when?: Pred; provenance: Provenance }
  | { k: "set"; target: Path; value: Val; vars?: string[]; when: Pred; provenance: Provenance }
  | { k: "addToList"; target: Path; values: string[]; exceptIn?: Path; vars?: string[]; when?: Pred; provenance: Provenance };

/** A kind the policy matches: `*` wildcards allowed; subresource e.g. `status`, `*`. */
export interface KindMatch {
  group: string;
  version: string;
  kind: string;
  subresource?: string;
}

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** Policy-level match: what the emitter puts into matchConstraints where exact, into matchConditions otherwise. */
export interface Match {
  kinds: KindMatch[];
  operations: Operation[];
  /** Object names (globs `*`, `?`). */
  names?: string[];
  /** Namespaces the policy applies to (globs); empty/absent = all. */
  namespaces?: string[];
  excludedNamespaces?: string[];
  objectSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  /** Requesting users, groups and service accounts (`namespace/name`); any match suffices. */
  subjects?: { users?: string[]; groups?: string[]; serviceAccounts?: string[] };
  /** Requests matching any of these are left alone. */
  exclude?: Partial<Omit<Match, "exclude">>[];
}

export interface Policy {
  name: string;
  provenance: Provenance;
  match: Match;
  rules: Rule[];
  mutations: Mutation[];
  gaps: Gap[];
  params?: { apiVersion: string; kind: string };
  failurePolicy?: "Fail" | "Ignore";
}

// ---------------------------------------------------------------------------------------------------------------
// Constructors (small helpers used by converters and tests)

export const root = {
  object: { k: "object" } as Root,
  oldObject: { k: "oldObject" } as Root,
  request: { k: "request" } as Root,
  params: { k: "params" } as Root,
  namespaceObject: { k: "namespaceObject" } as Root,
  v: (name: string): Root => ({ k: "var", name }),
  variable: (name: string): Root => ({ k: "variable", name }),
};

/** Build a path from a root and dotted field names; `[*]` = each, `[key]` = map key (may contain dots/slashes). */
export function path(r: Root, spec = ""): Path {
  const segs: Segment[] = [];
  let i = 0;
  while (i < spec.length) {
    if (spec[i] === ".") {
      i++;
      continue;
    }
    if (spec[i] === "[") {
      const end = spec.indexOf("]", i);
      if (end < 0) throw new Error(`unterminated [ in path ${spec}`);
      const inner = spec.slice(i + 1, end);
      segs.push(inner === "*" ? { k: "each" } : { k: "key", key: inner });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < spec.length && spec[j] !== "." && spec[j] !== "[") j++;
    segs.push({ k: "field", name: spec.slice(i, j) });
    i = j;
  }
  return { root: r, segs };
}

/** `p` extended by a dotted spec (as `path`). */
export function field(p: Path, spec: string): Path {
  return { root: p.root, segs: [...p.segs, ...path(p.root, spec).segs] };
}

/** Value constructors. */
export const V = {
  lit: (value: Json): Val => ({ k: "lit", value }),
  at: (p: Path): Val => ({ k: "path", path: p }),
  call: (fn: CallFn, ...args: Val[]): Val => ({ k: "call", fn, args }),
  or: (of: Val, fallback: Val | Json): Val => ({ k: "default", of, fallback: isVal(fallback) ? fallback : { k: "lit", value: fallback } }),
  cond: (test: Pred, then: Val, otherwise: Val): Val => ({ k: "cond", test, then, else: otherwise }),
  str: (...parts: (Val | string)[]): Val => ({ k: "strcat", parts: parts.map((x) => (typeof x === "string" ? { k: "lit", value: x } : x)) }),
};

function isVal(x: Val | Json): x is Val {
  return typeof x === "object" && x !== null && !Array.isArray(x) && typeof (x as { k?: unknown }).k === "string" && Object.keys(x).includes("k");
}

const valOf = (x: Path | Val): Val => ("root" in x ? { k: "path", path: x } : x);
const litOf = (x: Json | Val): Val => (isVal(x) ? x : { k: "lit", value: x });

/** Predicate constructors. Leaves take a Path or a Val; literal right-hand sides are Json. */
export const P = {
  t: { k: "const", value: true } as Pred,
  f: { k: "const", value: false } as Pred,
  and: (...of: Pred[]): Pred => ({ k: "and", of }),
  or: (...of: Pred[]): Pred => ({ k: "or", of }),
  not: (of: Pred): Pred => ({ k: "not", of }),
  present: (p: Path): Pred => ({ k: "present", path: p }),
  absent: (p: Path): Pred => ({ k: "not", of: { k: "present", path: p } }),
  cmp: (lhs: Path | Val, op: CompareOp, rhs: Json | Val, ifAbsent: Absent, as?: CompareAs): Pred => ({
    k: "cmp",
    lhs: valOf(lhs),
    op,
    rhs: litOf(rhs),
    ifAbsent,
    ...(as ? { as } : {}),
  }),
  in: (value: Path | Val, list: Json[] | Val, ifAbsent: Absent): Pred => ({ k: "in", value: valOf(value), list: Array.isArray(list) ? { k: "lit", value: list } : list, ifAbsent }),
  /** The list at `list` contains `value`. */
  has: (list: Path | Val, value: Json, ifAbsent: Absent): Pred => ({ k: "in", value: { k: "lit", value }, list: valOf(list), ifAbsent }),
  match: (value: Path | Val, pattern: StringPattern, ifAbsent: Absent): Pred => ({ k: "match", value: valOf(value), pattern, ifAbsent }),
  truthy: (value: Path | Val, ifAbsent: Absent): Pred => ({ k: "truthy", value: valOf(value), ifAbsent }),
  kind: (value: Path | Val, kind: ValueKind, ifAbsent: Absent): Pred => ({ k: "kind", value: valOf(value), kind, ifAbsent }),
  /** Every element of the list satisfies `body` (an absent list: true). */
  all: (list: Path | Val, v: string, body: Pred, label?: Val): Pred => ({ k: "quant", q: "all", over: valOf(list), v, body, ifAbsent: true, ...(label ? { label } : {}) }),
  /** Some element satisfies `body` (an absent list: false). */
  any: (list: Path | Val, v: string, body: Pred): Pred => ({ k: "quant", q: "any", over: valOf(list), v, body, ifAbsent: false }),
  /** Integer value inside one of the inclusive ranges (absent → ifAbsent). */
  inRanges: (value: Path | Val, ranges: { min: number; max: number }[], ifAbsent: Absent): Pred => {
    const v = valOf(value);
    if (ranges.length === 0) return ifAbsent === true ? { k: "not", of: presentOf(v) } : { k: "const", value: false };
    return {
      k: "or",
      of: ranges.map((r): Pred =>
        r.min === r.max
          ? { k: "cmp", lhs: v, op: "==", rhs: { k: "lit", value: r.min }, ifAbsent }
          : { k: "and", of: [{ k: "cmp", lhs: v, op: ">=", rhs: { k: "lit", value: r.min }, ifAbsent }, { k: "cmp", lhs: v, op: "<=", rhs: { k: "lit", value: r.max }, ifAbsent }] },
      ),
    };
  },
  raw: (cel: string): Pred => ({ k: "raw", cel }),
};

/** Presence of every path a value reads (true for literals). */
export function presentOf(v: Val): Pred {
  const ps = valPaths(v);
  return ps.length === 0 ? P.t : ps.length === 1 ? P.present(ps[0]!) : P.and(...ps.map(P.present));
}

/** Paths a value reads whose absence makes the value absent (not those under `default`, which has a fallback). */
export function valPaths(v: Val): Path[] {
  switch (v.k) {
    case "path":
      return [v.path];
    case "call":
      return v.args.flatMap(valPaths);
    case "list":
      return v.items.flatMap(valPaths);
    case "concat":
      return v.lists.flatMap(valPaths);
    case "strcat":
      return v.parts.flatMap(valPaths);
    case "project":
    case "filter":
      return valPaths(v.list);
    case "let": {
      const body = valPaths(v.body).filter((p) => !(p.root.k === "var" && p.root.name === v.name));
      return v.ifAbsent ? body : [...valPaths(v.value), ...body];
    }
    case "lit":
    case "default":
    case "map":
    case "cond":
    case "raw":
      return [];
  }
}

/** Human display of a path (`spec.containers[*].securityContext.privileged`); variable roots display as their name. */
export function displayPath(p: Path): string {
  let s = p.root.k === "var" || p.root.k === "variable" ? p.root.name : p.root.k === "object" ? "" : p.root.k;
  for (const seg of p.segs) {
    if (seg.k === "field") s += s ? `.${seg.name}` : seg.name;
    else if (seg.k === "key") s += `[${seg.key}]`;
    else if (seg.k === "index") s += "[…]";
    else s += "[*]";
  }
  return s;
}
