// Intermediate rule model shared by every source converter (PSP, Kyverno, Gatekeeper/Rego) and every emitter
// (CEL text, VAP/MAP objects, evidence reports). A policy is a set of rules; each rule is a predicate over object
// paths that must hold for the request to be admitted. The algebra is deliberately source-neutral: presence with
// explicit "absent means X" semantics, comparisons, sets, string patterns, quantifiers over lists, authorization
// checks and a raw-CEL escape hatch. What a converter could not express is recorded as a Gap, never dropped.

/** JSON literal value. Integral numbers are int64 in CEL; write `{ double: n }` to force a double literal. */
export type Json = null | boolean | number | string | { double: number } | Json[] | { [k: string]: Json };

/** Where a rule or gap came from in the source document. */
export interface Provenance {
  file: string;
  /** 1-based line (of the document or the field, where known). */
  line: number;
  /** Source field path, e.g. `spec.runAsUser.ranges` or `metadata.annotations[…/allowedProfileNames]`. */
  field?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

/** Where a path starts: the admission variables, or an element variable bound by an enclosing quantifier. */
export type PathRoot =
  | { k: "object" }
  | { k: "oldObject" }
  | { k: "request" }
  | { k: "params" }
  | { k: "namespaceObject" }
  | { k: "var"; name: string }
  /** A named VAP variable (`variables.<name>`); its value is treated like any other dyn value. */
  | { k: "variable"; name: string };

/**
 * A path segment. `field` is a property of an object, `key` an entry of a map (annotations, labels: any string,
 * emitted with index syntax), `each` every element of a list (only in mutation targets and leaf paths, which the
 * emitter lowers to an `all` quantifier).
 */
export type Segment = { k: "field"; name: string } | { k: "key"; key: string } | { k: "each" };

export interface Path {
  root: PathRoot;
  segs: Segment[];
}

/** A value reference: a path, or the first present of several paths (container value else pod value). */
export type Ref = Path | { k: "coalesce"; paths: Path[] };

/** Right-hand side of a comparison or argument of an authz check. */
export type Operand =
  | { k: "lit"; value: Json }
  | { k: "ref"; ref: Ref; ifAbsent?: Json }
  | { k: "cel"; expr: string };

// ---------------------------------------------------------------------------------------------------------------
// Predicates

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** String patterns. All are whole-string tests on a string value. */
export type StringPattern =
  | { k: "exact"; value: string }
  /** `*` any run (incl. empty), `?` one character, no classes or escapes. */
  | { k: "glob"; glob: string }
  /** RE2, unanchored (as CEL `matches`). */
  | { k: "regex"; re: string }
  | { k: "prefix"; prefix: string }
  | { k: "suffix"; suffix: string }
  /** Path-segment prefix after trimming one trailing `/` from both: `/foo` ⊇ `/foo`, `/foo/`, `/foo/bar`, not `/food`. */
  | { k: "pathPrefix"; prefix: string }
  /** `*` alone matches anything; `kernel.*` matches strings starting with `kernel.`; otherwise exact. */
  | { k: "wildcardSuffix"; pattern: string }
  /** Value is `prefix` followed by `sep`-separated items forming exactly this multiset (order-insensitive). */
  | { k: "multisetAfter"; prefix: string; sep: string; items: string[] };

/** Who an authorization check is made for. */
export type AuthzSubject = { k: "requester" } | { k: "serviceAccount"; namespace: Operand; name: Operand };

export interface AuthzCheck {
  subject: AuthzSubject;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: Operand;
  name?: string;
}

/**
 * Predicate algebra. Every leaf that reads a value has `ifAbsent`: the truth value when the path (or any prefix
 * of it) is absent. Emitters must guard every access so that an absent field yields `ifAbsent`, never an error.
 */
export type Pred =
  | { k: "const"; value: boolean }
  | { k: "and"; of: Pred[] }
  | { k: "or"; of: Pred[] }
  | { k: "not"; of: Pred }
  /** Path present (all prefixes present). */
  | { k: "present"; ref: Ref }
  | { k: "compare"; ref: Ref; op: CompareOp; rhs: Operand; ifAbsent: boolean }
  | { k: "in"; ref: Ref; values: Json[]; ifAbsent: boolean }
  /** The list at `ref` contains `value`. */
  | { k: "contains"; ref: Ref; value: Json; ifAbsent: boolean }
  /** Integer value inside one of the inclusive ranges. */
  | { k: "inRanges"; ref: Ref; ranges: { min: number; max: number }[]; ifAbsent: boolean }
  | { k: "match"; ref: Ref; pattern: StringPattern; ifAbsent: boolean }
  /** Some pattern in the list matches (one guard for all). */
  | { k: "matchAny"; ref: Ref; patterns: StringPattern[]; ifAbsent: boolean }
  /** Quantifier over the elements of a list; `body` refers to the element as `{root: {k:"var", name: v}}`. */
  | {
      k: "quant";
      q: "all" | "any";
      ref: Ref;
      v: string;
      body: Pred;
      ifAbsent: boolean;
      /** `keys`: iterate the keys of a map instead of list elements (the variable is the key string). */
      over?: "elements" | "keys";
      /** Field of the element naming it in violation messages (e.g. `name` of a container). */
      label?: string;
    }
  | { k: "authz"; check: AuthzCheck }
  /** Escape hatch: CEL text that already type-checks and never errors (bool). */
  | { k: "cel"; expr: string };

// ---------------------------------------------------------------------------------------------------------------
// Rules, mutations, gaps, policies

export interface Gap {
  /** Stable gap id, e.g. `psp.seccomp.trailing-comma`. */
  id: string;
  /** Rule or field the gap belongs to. */
  rule: string;
  reason: string;
  /** `stricter`: the output denies some requests the source admitted; `weaker` must never be emitted silently. */
  effect: "stricter" | "weaker" | "unverified";
  provenance?: Provenance;
}

export interface Rule {
  id: string;
  /** Human field name used in messages (e.g. `spec.hostNetwork`). */
  field: string;
  message: string;
  predicate: Pred;
  provenance: Provenance;
  gaps: Gap[];
}

/**
 * A mutation applied before validation. `target` may contain `each` segments (every element of that list;
 * such lists are merged by `mergeKey`, `name` for containers). `when` is evaluated per target location with the
 * elements bound to the variables named in `vars` (one per `each`, outermost first); omitted = always.
 */
export type Mutation =
  | {
      k: "setIfAbsent";
      target: Path;
      value: Json;
      vars?: string[];
      when?: Pred;
      mergeKey?: string;
      provenance: Provenance;
    }
  /** Ensure every value is in the (atomic) string list at `target`, creating it when absent. */
  | {
      k: "addToList";
      target: Path;
      values: string[];
      /** Skip values already present in this list (e.g. default-add capabilities the container drops). */
      exceptIn?: Path;
      vars?: string[];
      when?: Pred;
      mergeKey?: string;
      provenance: Provenance;
    }
  /** Set `target` to a value computed in CEL (`valueCel`, which may use `vars`) when `whenCel` holds; missing
   *  parent objects are created. Used where the source rebuilt a value (e.g. PSP's sorted capability sets). */
  | {
      k: "setExpr";
      target: Path;
      valueCel: string;
      whenCel: string;
      vars?: string[];
      when?: Pred;
      mergeKey?: string;
      provenance: Provenance;
    };

export interface MatchScope {
  /** API group/version/resource rules. */
  resources: { apiGroups: string[]; apiVersions: string[]; resources: string[] }[];
  operations: ("CREATE" | "UPDATE" | "DELETE" | "CONNECT")[];
  /** Namespaces the policy applies to (empty = all). */
  namespaces?: string[];
  excludedNamespaces?: string[];
  namespaceSelector?: Json;
  objectSelector?: Json;
}

export interface Variable {
  name: string;
  /** CEL text or a predicate to emit. */
  expr: { k: "cel"; expr: string } | { k: "pred"; pred: Pred };
}

export interface Policy {
  name: string;
  provenance: Provenance;
  match: MatchScope;
  rules: Rule[];
  variables?: Variable[];
  params?: { apiVersion: string; kind: string };
  mutations: Mutation[];
  gaps: Gap[];
}

// ---------------------------------------------------------------------------------------------------------------
// Constructors (small helpers used by converters and tests)

export const root = {
  object: { k: "object" } as PathRoot,
  oldObject: { k: "oldObject" } as PathRoot,
  request: { k: "request" } as PathRoot,
  params: { k: "params" } as PathRoot,
  v: (name: string): PathRoot => ({ k: "var", name }),
};

/** Build a path from a root and dotted field names; `[*]` = each, `[key]` = map key (may contain dots/slashes). */
export function path(r: PathRoot, spec = ""): Path {
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

export function child(p: Path, ...segs: Segment[]): Path {
  return { root: p.root, segs: [...p.segs, ...segs] };
}

export function field(p: Path, spec: string): Path {
  const q = path(p.root, spec);
  return { root: p.root, segs: [...p.segs, ...q.segs] };
}

export const P = {
  t: { k: "const", value: true } as Pred,
  f: { k: "const", value: false } as Pred,
  and: (...of: Pred[]): Pred => ({ k: "and", of }),
  or: (...of: Pred[]): Pred => ({ k: "or", of }),
  not: (of: Pred): Pred => ({ k: "not", of }),
  present: (ref: Ref): Pred => ({ k: "present", ref }),
  absent: (ref: Ref): Pred => ({ k: "not", of: { k: "present", ref } }),
  cmp: (ref: Ref, op: CompareOp, value: Json, ifAbsent: boolean): Pred => ({
    k: "compare",
    ref,
    op,
    rhs: { k: "lit", value },
    ifAbsent,
  }),
  in: (ref: Ref, values: Json[], ifAbsent: boolean): Pred => ({ k: "in", ref, values, ifAbsent }),
  contains: (ref: Ref, value: Json, ifAbsent: boolean): Pred => ({ k: "contains", ref, value, ifAbsent }),
  inRanges: (ref: Ref, ranges: { min: number; max: number }[], ifAbsent: boolean): Pred => ({ k: "inRanges", ref, ranges, ifAbsent }),
  match: (ref: Ref, pattern: StringPattern, ifAbsent: boolean): Pred => ({ k: "match", ref, pattern, ifAbsent }),
  all: (ref: Ref, v: string, body: Pred, label?: string): Pred => ({ k: "quant", q: "all", ref, v, body, ifAbsent: true, label }),
  any: (ref: Ref, v: string, body: Pred, label?: string): Pred => ({ k: "quant", q: "any", ref, v, body, ifAbsent: false, label }),
  cel: (expr: string): Pred => ({ k: "cel", expr }),
};

/** Simplify constants and flatten nested and/or (pure; keeps operand order for deterministic output). */
export function simplify(p: Pred): Pred {
  switch (p.k) {
    case "and":
    case "or": {
      const unit = p.k === "and";
      const out: Pred[] = [];
      for (const c0 of p.of) {
        const c = simplify(c0);
        if (c.k === "const") {
          if (c.value === unit) continue;
          return c; // absorbing element
        }
        if (c.k === p.k) out.push(...c.of);
        else out.push(c);
      }
      if (out.length === 0) return { k: "const", value: unit };
      if (out.length === 1) return out[0]!;
      return { k: p.k, of: out };
    }
    case "not": {
      const c = simplify(p.of);
      if (c.k === "const") return { k: "const", value: !c.value };
      if (c.k === "not") return c.of;
      return { k: "not", of: c };
    }
    case "quant": {
      const body = simplify(p.body);
      if (body.k === "const" && body.value === (p.q === "all") && p.ifAbsent === body.value) return body;
      return { ...p, body };
    }
    case "inRanges":
      return p.ranges.length === 0 && !p.ifAbsent ? { k: "const", value: false } : p;
    case "in":
      return p.values.length === 0 && !p.ifAbsent ? { k: "const", value: false } : p;
    default:
      return p;
  }
}

/** Human display of a path (`spec.containers[*].securityContext.privileged`); element roots display as their name. */
export function displayPath(p: Path): string {
  let s = p.root.k === "var" || p.root.k === "variable" ? p.root.name : "";
  for (const seg of p.segs) {
    if (seg.k === "field") s += s ? `.${seg.name}` : seg.name;
    else if (seg.k === "key") s += `[${seg.key}]`;
    else s += "[*]";
  }
  return s;
}

export function refPaths(r: Ref): Path[] {
  return "k" in r && r.k === "coalesce" ? r.paths : [r as Path];
}
