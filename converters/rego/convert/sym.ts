// Symbolic Rego values for lowering into the rule model: a value known when converting (literals, inline constraint
// parameters), a runtime value (an IR Val over the admission request), the `input` document and its `review`, or
// statically undefined. Owns Gatekeeper's input shape (input.review.* → request roots, input.parameters → params).
import { P, V, type Json, type Path, type Pred, type Root, type Segment, type Val } from "../../../src/ir/model.js";
import type { Term } from "../ast.js";
import { fromJSON, RObject, RSet, type Value } from "../value.js";

export type Sym =
  | { k: "known"; value: Value }
  /** A runtime value; `lazy` keeps the comprehension it was materialized from, so iterating it can inline it;
   *  `kind`: what it is known to be where `val` does not show it (an element of a list of numbers the policy built). */
  | { k: "rt"; val: Val; lazy?: Lazy; kind?: StaticKind }
  /** A comprehension that has no list form in the rule model: it can only be iterated (inlined). */
  | { k: "lazy"; lazy: Lazy }
  /** A partial set some of whose rules have no list form: the union of its parts, iterated part by part. */
  | { k: "union"; parts: Sym[] }
  /** The position of an element of the runtime list `of` during iteration: `of[i]` is `element` again; the
   *  position itself is `val` (a quantifier's index var) when the model has it. */
  | { k: "index"; of: Val; element: Sym; val?: Val }
  /** Gatekeeper's input: {review, parameters}. */
  | { k: "input" }
  /** A plain module's input that is an AdmissionReview: {request}. */
  | { k: "admissionReview" }
  | { k: "review" }
  | { k: "undef" };

/**
 * What a runtime value is known to be when converting: a CEL double, a number (int or double), a string, or at
 * least never `false`.
 */
export type StaticKind = "double" | "number" | "string" | "notFalse";

/** What a symbol's value is known to be (undefined: anything). */
export function kindOf(sym: Sym): StaticKind | undefined {
  if (sym.k === "known") return typeof sym.value === "number" ? "number" : typeof sym.value === "string" ? "string" : sym.value === false ? undefined : "notFalse";
  if (sym.k === "rt") return sym.kind ?? valKind(sym.val);
  return undefined;
}

const isDoubleLit = (json: Json): boolean => typeof json === "object" && json !== null && !Array.isArray(json) && "double" in json && Object.keys(json).length === 1;
const STRING_CALLS = new Set(["string", "lower", "upper", "trim", "replace", "substring", "join", "find"]);

/** What a value the lowering built is, by its form (undefined for reads of the request and anything unsure). */
export function valKind(val: Val): StaticKind | undefined {
  switch (val.k) {
    case "lit":
      return isDoubleLit(val.value) ? "double" : typeof val.value === "number" ? "number" : typeof val.value === "string" ? "string" : val.value === false ? undefined : "notFalse";
    case "call":
      if (val.fn === "double" || val.fn === "divide") return "double";
      if (val.fn === "size" || val.fn === "int") return "number";
      // arithmetic keeps its operands' type (the lowering makes both sides doubles or both ints)
      if (val.fn === "add" || val.fn === "sub" || val.fn === "mul") return val.args.map(valKind).reduce((x, y) => (x === "double" || y === "double" ? "double" : x === "number" && y === "number" ? "number" : "notFalse"));
      if (val.fn === "sum") return "number";
      return STRING_CALLS.has(val.fn) ? "string" : undefined;
    case "strcat":
      return "string";
    case "map":
    case "list":
    case "concat":
    case "filter":
    case "project":
      return "notFalse";
    case "cond":
      return joinKinds(valKind(val.then), valKind(val.else));
    case "let": {
      // a table lookup `{…}[k]` (or through a name for the table): what the table's values are
      const table = val.value.k === "lit" ? val.value.value : undefined;
      if (table === null || typeof table !== "object" || Array.isArray(table) || isDoubleLit(table)) return undefined;
      const kinds = Object.values(table).map((item) => valKind({ k: "lit", value: item }));
      return kinds.length ? kinds.reduce((x, y) => joinKinds(x, y)) : undefined;
    }
    default:
      return undefined;
  }
}

function joinKinds(a: StaticKind | undefined, b: StaticKind | undefined): StaticKind | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === b) return a;
  return (a === "double" || a === "number") && (b === "double" || b === "number") ? "number" : "notFalse";
}

const isEmpty = (val: Val): boolean => val.k === "lit" && Array.isArray(val.value) && val.value.length === 0;

/** What every element of a list the lowering built is (the value lists of lower.ts: chains, filters, projections). */
export function elementKind(list: Val): StaticKind | undefined {
  switch (list.k) {
    case "list":
      return list.items.length ? list.items.map(valKind).reduce((a, b) => joinKinds(a, b)) : undefined;
    case "lit":
      return Array.isArray(list.value) && list.value.length ? list.value.map((item) => valKind({ k: "lit", value: item })).reduce((a, b) => joinKinds(a, b)) : undefined;
    case "cond":
      // an empty branch adds no element
      return isEmpty(list.else) ? elementKind(list.then) : isEmpty(list.then) ? elementKind(list.else) : joinKinds(elementKind(list.then), elementKind(list.else));
    case "concat": {
      const lists = list.lists.filter((item) => !isEmpty(item));
      return lists.length ? lists.map(elementKind).reduce((a, b) => joinKinds(a, b)) : undefined;
    }
    case "project":
      return valKind(list.body);
    case "filter":
      return elementKind(list.list);
    case "let":
      return elementKind(list.body);
    default:
      return undefined;
  }
}

/** A comprehension with the bindings it closes over. */
export interface Lazy {
  term: Extract<Term, { type: "arraycomp" | "setcomp" }>;
  env: ReadonlyMap<string, Sym>;
}

export const known = (value: Value): Sym => ({ k: "known", value });
/** A runtime value; a plain literal is a known value (so it folds). */
export const rt = (val: Val): Sym => (val.k === "lit" && !isDoubleLiteral(val.value) ? known(fromJSON(val.value)) : { k: "rt", val });

function isDoubleLiteral(json: Json): boolean {
  return typeof json === "object" && json !== null && !Array.isArray(json) && "double" in json && Object.keys(json).length === 1;
}
export const UNDEF: Sym = { k: "undef" };

/** What `input` is: Gatekeeper's {review, parameters}, an AdmissionReview, or the object itself (conftest). */
export type InputShape = "gatekeeper" | "admission" | "object";

/** The `input` document for a shape. */
export function inputSym(shape: InputShape): Sym {
  switch (shape) {
    case "gatekeeper":
      return { k: "input" };
    case "admission":
      return { k: "admissionReview" };
    case "object":
      return rt(V.at({ root: { k: "object" }, segs: [] }));
  }
}

/** How `input.parameters` is seen: the constraint's values (inline mode) or a runtime value (constraint mode). */
export type ParamsSource = { k: "known"; value: Value } | { k: "runtime"; val: Val };

/** A known Rego value as JSON for the rule model: sets become sorted lists; non-string keys are not JSON. */
export function toJson(value: Value): Json | undefined {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return items.every((item) => item !== undefined) ? (items as Json[]) : undefined;
  }
  if (value instanceof RSet) return toJson(value.sorted());
  const out: { [key: string]: Json } = {};
  for (const [key, item] of (value as RObject).sortedEntries()) {
    const json = toJson(item);
    if (typeof key !== "string" || json === undefined) return undefined;
    out[key] = json;
  }
  return out;
}

/** The IR value of a symbol (undefined for `input`/`review`/`undef`, and for known values JSON cannot hold). */
export function valOf(sym: Sym): Val | undefined {
  if (sym.k === "rt") return sym.val;
  if (sym.k === "index") return sym.val;
  if (sym.k !== "known") return undefined;
  const json = toJson(sym.value);
  return json === undefined ? undefined : V.lit(json);
}

/** Segment for `.name` / `["name"]`: a field when it is an identifier, else a map key. */
export function segmentFor(name: string): Segment {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? { k: "field", name } : { k: "key", key: name };
}

/** `sym.key` for a string key, statically where possible. */
export function selectKey(sym: Sym, key: string, params: ParamsSource): Sym {
  switch (sym.k) {
    case "input":
      if (key === "review") return { k: "review" };
      if (key === "parameters") return params.k === "known" ? known(params.value) : rt(params.val);
      return UNDEF;
    case "admissionReview":
      if (key === "request") return { k: "review" };
      if (key === "apiVersion") return known("admission.k8s.io/v1");
      if (key === "kind") return known("AdmissionReview");
      return UNDEF;
    case "review":
      return reviewField(key);
    case "known": {
      if (!(sym.value instanceof RObject)) return UNDEF;
      const member = sym.value.get(key);
      return member === undefined ? UNDEF : known(member);
    }
    case "rt": {
      // a field of an object the policy built (`{"profile": p, …}.profile`) is that entry, chosen per branch
      const member = memberOf(sym.val, key);
      if (member === null) return UNDEF;
      return rt(member ?? extend(sym.val, segmentFor(key)));
    }
    case "undef":
    case "lazy":
    case "union":
    case "index":
      return UNDEF;
  }
}

/** The entry `key` of a map literal (through conditionals whose branches all are map literals); null when a built
 *  map has no such key; undefined when the value is not a built map. */
function memberOf(val: Val, key: string): Val | null | undefined {
  if (val.k === "map") return val.entries.find(([name]) => name === key)?.[1] ?? null;
  if (val.k === "cond") {
    const then = memberOf(val.then, key);
    const otherwise = memberOf(val.else, key);
    if (then === undefined || otherwise === undefined || then === null || otherwise === null) return undefined;
    return V.cond(val.test, then, otherwise);
  }
  return undefined;
}

/** Gatekeeper's `input.review` (the AdmissionRequest) as request roots. */
function reviewField(key: string): Sym {
  const at = (root: Root, spec: string): Sym => rt(V.at({ root, segs: spec ? spec.split(".").map(segmentFor) : [] }));
  switch (key) {
    case "object":
      return at({ k: "object" }, "");
    case "oldObject":
      return at({ k: "oldObject" }, "");
    case "namespaceObject":
      return at({ k: "namespaceObject" }, "");
    case "operation":
    case "kind":
    case "userInfo":
    case "namespace":
    case "name":
    case "resource":
    case "subResource":
    case "dryRun":
    case "options":
    case "uid":
      return at({ k: "request" }, key);
    default:
      return UNDEF;
  }
}

/** A value extended by one segment; a non-path value goes through a computed index on a path of itself. */
export function extend(val: Val, segment: Segment): Val {
  if (val.k === "path") return V.at({ root: val.path.root, segs: [...val.path.segs, segment] });
  if (val.k === "default" && val.of.k === "path" && val.fallback.k === "lit") {
    // (x or {…})[k] is x[k] or the fallback's k (absent when the fallback has no such key)
    const fallback = val.fallback.value;
    const key = segment.k === "field" ? segment.name : segment.k === "key" ? segment.key : undefined;
    const inner = extend(val.of, segment);
    const member = key !== undefined && fallback !== null && typeof fallback === "object" && !Array.isArray(fallback) && !("double" in fallback) ? (fallback as Record<string, Json>)[key] : undefined;
    if (key !== undefined) return member === undefined ? inner : V.or(inner, V.lit(member));
  }
  // a computed value is bound locally (inlined by the emitter) and indexed through that binding
  const name = `computed${++computedCounter}`;
  return { k: "let", name, value: val, body: V.at({ root: { k: "var", name }, segs: [segment] }) };
}

let computedCounter = 0;

/** A runtime value that is not a path cannot be indexed by the rule model yet. */
export class NotPath extends Error {
  constructor(readonly val: Val) {
    super(`indexing a computed value (${val.k})`);
  }
}

/** A list the policy built (a set comprehension, a set difference…): input JSON itself holds no sets. */
export function builtCollection(val: Val): boolean {
  return (val.k === "call" && val.fn === "distinct") || val.k === "filter" || val.k === "project" || val.k === "list" || val.k === "concat";
}

/** A runtime value's path (for presence tests and quantifiers), if it is one. */
export function pathOf(val: Val): Path | undefined {
  return val.k === "path" ? val.path : undefined;
}

/** The value is defined (every path it reads is present); true for known values. */
export function defined(sym: Sym): Pred {
  if (sym.k === "undef") return P.f;
  if (sym.k !== "rt") return P.t;
  if (sym.lazy) return P.t;
  // a comprehension or let variable itself is always there
  const paths = collectPaths(sym.val).filter((path) => !(path.root.k === "var" && path.segs.length === 0));
  return paths.length === 0 ? P.t : paths.length === 1 ? P.present(paths[0]!) : P.and(...paths.map(P.present));
}

function collectPaths(val: Val): Path[] {
  switch (val.k) {
    case "path":
      return [val.path];
    case "call":
      return val.args.flatMap(collectPaths);
    case "list":
      return val.items.flatMap(collectPaths);
    case "strcat":
      return val.parts.flatMap(collectPaths);
    case "concat":
      return val.lists.flatMap(collectPaths);
    case "project":
    case "filter":
      return collectPaths(val.list);
    default:
      return [];
  }
}
