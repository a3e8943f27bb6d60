// The type of an emitted expression's value (src/emit/schema.ts) from the types of the names it reads: field and
// index chains through typed objects, optional chains, `orValue` defaults, conversions and tests. Bound names
// (comprehension variables) are looked up in the same scope as the admission roots; `variables.x` under its dotted
// name. Whatever is not followed is `any`.
import { macroVars, type CExpr } from "./ast.js";
import { ANY, elementType, fieldType, indexType, optValue, union, type Ty } from "./schema.js";

export type Scope = ReadonlyMap<string, Ty>;

const STRING_RESULTS = new Set(["string", "lowerAscii", "upperAscii", "trim", "replace", "substring", "join", "format", "charAt", "quote"]);
const BOOL_RESULTS = new Set(["has", "hasValue", "startsWith", "endsWith", "contains", "matches", "all", "exists", "exists_one", "existsOne", "isQuantity", "bool"]);
const INT_RESULTS = new Set(["int", "size", "indexOf", "lastIndexOf"]);

const optOf = (t: Ty): Ty => ({ opt: t });

function litType(v: unknown): Ty {
  if (Array.isArray(v)) return { list: union(v.map(litType)) };
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number" && Number.isInteger(v)) return "int";
  if (v === null) return "null";
  return ANY;
}

export function typeOf(e: CExpr, scope: Scope): Ty {
  switch (e.t) {
    case "lit":
      return litType(e.v);
    case "id":
      return scope.get(e.name) ?? ANY;
    case "sel": {
      if (e.of.t === "id" && e.of.name === "variables") return scope.get(`variables.${e.field}`) ?? ANY;
      const of = typeOf(e.of, scope);
      if (isOpt(of)) return optOf(fieldType(optValue(of), e.field));
      return e.opt ? optOf(fieldType(of, e.field)) : fieldType(of, e.field);
    }
    case "idx": {
      const k = e.key.t === "lit" && (typeof e.key.v === "string" || typeof e.key.v === "number") ? e.key.v : undefined;
      const keyTy = k === undefined ? typeOf(e.key, scope) : undefined;
      // a computed key: a string key reads a map, an int one a list
      const key = k ?? (keyTy === "string" ? "\u0000" : keyTy === "int" ? 0 : undefined);
      const of = typeOf(e.of, scope);
      const at = (t: Ty): Ty => (k === undefined && typeof key === "string" ? mapValue(t) : indexType(t, key));
      if (isOpt(of)) return optOf(at(optValue(of)));
      return e.opt ? optOf(at(of)) : at(of);
    }
    case "call": {
      if (e.fn === "orValue" && e.target && e.args.length === 1) return union([optValue(typeOf(e.target, scope)), typeOf(e.args[0]!, scope)]);
      if (e.fn === "dyn" && !e.target && e.args.length === 1) return typeOf(e.args[0]!, scope);
      if (e.fn === "filter" && e.target && e.args.length === 2) return typeOf(e.target, scope);
      if (e.fn === "split" && e.target) return { list: "string" };
      if (STRING_RESULTS.has(e.fn)) return "string";
      if (BOOL_RESULTS.has(e.fn)) return "bool";
      if (INT_RESULTS.has(e.fn)) return "int";
      return ANY;
    }
    case "list":
      // the empty list has no elements (a union with it keeps the other list's element type)
      return { list: union(e.items.map((x) => typeOf(x, scope))) };
    case "bin":
      return ["==", "!=", "<", "<=", ">", ">=", "in"].includes(e.op) ? "bool" : ANY;
    case "not":
    case "and":
    case "or":
      return "bool";
    case "cond":
      return union([typeOf(e.then, scope), typeOf(e.else, scope)]);
    default:
      return ANY;
  }
}

const isOpt = (t: Ty): boolean => typeof t === "object" && "opt" in t;

/** A map's values (or an object's fields, any of them) under a key computed at run time. */
function mapValue(t: Ty): Ty {
  if (typeof t === "object" && "map" in t) return t.map;
  if (typeof t === "object" && "oneOf" in t) return union(t.oneOf.map(mapValue));
  return t === ANY || (typeof t === "object" && "fields" in t) ? ANY : { oneOf: [] };
}

/**
 * The types a receiver macro binds to its variables, in order (`l.all(x, …)`: the element; `l.all(i, x, …)`: index
 * and element, or key and value for a map; `o.optMap(x, …)`: the optional's value).
 */
export function macroBindings(fn: string, target: Ty, nArgs: number): Ty[] {
  const n = macroVars(fn, nArgs);
  if (fn === "optMap" || fn === "optFlatMap") return [optValue(target)];
  const elem = elementType(target);
  if (n === 1) return [elem];
  // two variables: a list binds (index, element), a map (key, value)
  const isList = typeof target === "object" && "list" in target;
  const isMap = typeof target === "object" && "map" in target;
  if (isList) return ["int", (target as { list: Ty }).list];
  if (isMap) return ["string", (target as { map: Ty }).map];
  return Array.from({ length: n }, () => ANY);
}
