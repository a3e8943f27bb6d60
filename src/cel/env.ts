// The CEL environment: which libraries (by Kubernetes env version) are visible, how calls are costed, and the
// compile facade (parse → resolve namespaced calls → type-check → plan) that the VAP engine and converters use.
// Compiled programs are cached per (environment, source).
import { CelCompileError, locate, type Expr, type ParsedExpr } from "./ast.js";
import { check } from "./checker.js";
import type { CallCostEstimator } from "./cost.js";
import { interpret, type Evaluation, type Planned } from "./interp.js";
import { extensionCostTrackers } from "./stdlib/cost.js";
import { MACRO_NAMES, parse } from "./parser.js";
import { versionLE, type IdentDecl, type Library, type Overload } from "./registry.js";
import { T, type CelType, type ObjectSchemas } from "./types.js";
import type { Value } from "./values.js";

/** Variable bindings for one evaluation: name → value. Missing names are "undeclared" at runtime. */
export type Activation = { readonly [name: string]: Value | undefined };

export interface Env {
  /** Kubernetes CEL environment version, e.g. "1.35". */
  readonly version: string;
  /** Overloads by function name (operators, globals incl. dotted `sets.contains`, and method names). */
  readonly overloads: ReadonlyMap<string, readonly Overload[]>;
  readonly idents: ReadonlyMap<string, IdentDecl>;
  readonly objectSchemas: ObjectSchemas;
  /** Declared variables and their static types. */
  readonly vars: ReadonlyMap<string, CelType>;
  /** Call cost rules in precedence order (cel-go: extension overload trackers, then the env's estimator). */
  readonly costEstimators: readonly CallCostEstimator[];
}

export interface EnvOptions {
  version: string;
  libraries: readonly Library[];
  vars: Record<string, CelType>;
  objectSchemas?: ObjectSchemas;
  /** The environment's call cost estimator (Kubernetes: k8sCostEstimator); cel-go's defaults apply after it. */
  costEstimator?: CallCostEstimator;
}

/** Function and ident tables built for a (version, libraries) pair: shared by every Env over them (read-only). */
interface Tables {
  overloads: ReadonlyMap<string, readonly Overload[]>;
  idents: ReadonlyMap<string, IdentDecl>;
}
const tableCache = new Map<string, { libraries: readonly Library[]; tables: Tables }[]>();

/** The tables of `libraries` at `version`, built once per distinct list of library objects. */
function tablesFor(version: string, libraries: readonly Library[]): Tables {
  const seen = tableCache.get(version) ?? [];
  const hit = seen.find((e) => e.libraries.length === libraries.length && e.libraries.every((l, i) => l === libraries[i]));
  if (hit) return hit.tables;
  const tables = buildTables(version, libraries);
  tableCache.set(version, [...seen, { libraries: [...libraries], tables }]);
  return tables;
}

export function buildEnv(o: EnvOptions): Env {
  const { overloads, idents } = tablesFor(o.version, o.libraries);
  return {
    version: o.version,
    overloads,
    idents,
    objectSchemas: o.objectSchemas ?? new Map(),
    vars: new Map(Object.entries(o.vars)),
    costEstimators: o.costEstimator ? [extensionCostTrackers, o.costEstimator] : [extensionCostTrackers],
  };
}

function buildTables(version: string, libraries: readonly Library[]): Tables {
  const o = { version, libraries };
  const overloads = new Map<string, Overload[]>();
  const idents = new Map<string, IdentDecl>();
  for (const lib of o.libraries) {
    const libSince = lib.since ?? "1.0";
    for (const ov of lib.overloads) {
      if (!versionLE(ov.since ?? libSince, o.version)) continue;
      let list = overloads.get(ov.name);
      if (!list) overloads.set(ov.name, (list = []));
      // a later library may redefine an overload id (e.g. strings v2 replacing v0): last one wins
      const at = list.findIndex((x) => x.id === ov.id);
      if (at >= 0) list[at] = ov;
      else list.push(ov);
    }
    for (const id of lib.idents ?? []) {
      if (versionLE(id.since ?? libSince, o.version)) idents.set(id.name, id);
    }
  }
  return { overloads, idents };
}

/**
 * A compiled expression. Every evaluation tracks its runtime cost as the API server does and stops past the
 * per-call limit (PER_CALL_LIMIT, 1,000,000) with "operation cancelled: actual cost limit exceeded".
 */
export interface Program {
  readonly source: string;
  readonly type: CelType;
  /** Evaluate against an activation; throws CelError on evaluation errors (the cost limit included). */
  eval(act: Activation): Value;
  /** Evaluate and report the runtime cost (cel-go EvalDetails.ActualCost), also for a failed evaluation; never
   *  throws CelError. `costLimit` defaults to PER_CALL_LIMIT. */
  evaluate(act: Activation, options?: { costLimit?: number }): Evaluation;
}

export type { Evaluation };

/** Qualified name of an ident/select chain (`a.b.c`), or undefined when the expression is anything else. */
function qualifiedName(e: Expr): string | undefined {
  if (e.k === "ident") return e.name.startsWith(".") ? e.name.slice(1) : e.name;
  if (e.k === "select" && !e.test && !e.optional) {
    const q = qualifiedName(e.operand);
    return q === undefined ? undefined : `${q}.${e.field}`;
  }
  return undefined;
}

/**
 * cel-go resolves `ns.fn(x)` to the global function `ns.fn` when `ns` is not a variable and `ns.fn` is declared.
 * We do the same as a rewrite pass so the checker and interpreter only see plain global calls.
 */
export function resolveNamespaces(e: Expr, env: Env): Expr {
  const rec = (x: Expr): Expr => resolveNamespaces(x, env);
  switch (e.k) {
    case "lit":
    case "ident":
      return e;
    case "select":
      return { ...e, operand: rec(e.operand) };
    case "call": {
      if (e.target) {
        const q = qualifiedName(e.target);
        if (q !== undefined) {
          const root = q.split(".")[0]!;
          const full = `${q}.${e.fn}`;
          if (!env.vars.has(root) && env.overloads.has(full)) {
            return { k: "call", id: e.id, pos: e.pos, fn: full, args: e.args.map(rec) };
          }
        }
        return { ...e, target: rec(e.target), args: e.args.map(rec) };
      }
      return { ...e, args: e.args.map(rec) };
    }
    case "list":
      return { ...e, elems: e.elems.map(rec) };
    case "map":
      return { ...e, entries: e.entries.map((m) => ({ ...m, key: rec(m.key), value: rec(m.value) })) };
    case "struct":
      return { ...e, fields: e.fields.map((f) => ({ ...f, value: rec(f.value) })) };
    case "comp":
      return {
        ...e,
        iterRange: rec(e.iterRange),
        accuInit: rec(e.accuInit),
        loopCondition: rec(e.loopCondition),
        loopStep: rec(e.loopStep),
        result: rec(e.result),
      };
  }
}

const cache = new WeakMap<Env, Map<string, Program | CelCompileError>>();

/**
 * Parse, type-check and plan `source` in `env`. Throws CelCompileError (with line/column) on syntax or type
 * errors, or when the result type is not one of `expect` (dyn is accepted, as the API server does).
 */
export function compile(env: Env, source: string, expect?: readonly CelType[]): Program {
  let perEnv = cache.get(env);
  if (!perEnv) cache.set(env, (perEnv = new Map()));
  const key = expect ? `${expect.map((t) => JSON.stringify(t)).join("|")}\u0000${source}` : source;
  const hit = perEnv.get(key);
  if (hit instanceof CelCompileError) throw hit;
  if (hit) return hit;
  try {
    const prog = compileUncached(env, source, expect);
    perEnv.set(key, prog);
    return prog;
  } catch (e) {
    if (e instanceof CelCompileError) perEnv.set(key, e);
    throw e;
  }
}

function compileUncached(env: Env, source: string, expect?: readonly CelType[]): Program {
  const parsed = parse(source, { macros: macrosFor(env.version) });
  const resolved: ParsedExpr = { source, expr: resolveNamespaces(parsed.expr, env) };
  const checked = check(resolved, env);
  if (checked.issues.length) throw new CelCompileError(checked.issues, source);
  if (expect && checked.type.k !== "dyn" && !expect.some((t) => sameType(t, checked.type))) {
    const { line, column } = locate(source, 0);
    throw new CelCompileError(
      [{ message: `expected type ${expect.map(describe).join(" or ")} but got ${describe(checked.type)}`, offset: 0, line, column }],
      source,
    );
  }
  return lazilyPlanned(source, checked.type, () => interpret(resolved, env, checked));
}

/**
 * A Program whose evaluation plan is built on its first evaluation, not at compile time. Much of what is compiled is
 * never evaluated: a converter's output check (src/vap/validate-output.ts) compiles every emitted expression only for
 * its compile errors and types, and planning was about a quarter of compiling. Planning reports no compile errors
 * (the checker has run every check, the plan-time regex checks included), so deferring it changes no result. The
 * first call of `eval` / `evaluate` plans and then puts the planned function in its own place, so later calls go
 * straight to it.
 */
function lazilyPlanned(source: string, type: CelType, plan: () => Planned): Program {
  let planned: Planned | undefined;
  const get = (): Planned => (planned ??= plan());
  const prog: { -readonly [K in keyof Program]: Program[K] } = {
    source,
    type,
    eval: (act) => {
      const p = get();
      prog.eval = p;
      return p(act);
    },
    evaluate: (act, options) => {
      const p = get();
      prog.evaluate = (a, o) => p.evaluate(a, o?.costLimit);
      return p.evaluate(act, options?.costLimit);
    },
  };
  return prog;
}

const macroCache = new Map<string, ReadonlySet<string>>();

/** Macros the Kubernetes environment of `version` expands: two-variable comprehensions arrived in 1.32, optional
 *  macros with optional types in 1.28, lists' sortBy in 1.34. Others stay ordinary (unknown) calls. */
export function macrosFor(version: string): ReadonlySet<string> {
  let m = macroCache.get(version);
  if (!m) {
    const gated: Record<string, string> = {
      existsOne: "1.32",
      transformList: "1.32",
      transformMap: "1.32",
      transformMapEntry: "1.32",
      optMap: "1.28",
      optFlatMap: "1.28",
      sortBy: "1.34",
    };
    m = new Set(MACRO_NAMES.filter((n) => !gated[n] || versionLE(gated[n]!, version)));
    macroCache.set(version, m);
  }
  return m;
}

function describe(t: CelType): string {
  return t.k === "prim" ? t.name : t.k;
}

function sameType(a: CelType, b: CelType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export { T };
