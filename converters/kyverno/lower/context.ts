// Kyverno rule `context` entries → rule-model values for the JMESPath lowering (jmespath.ts `JmesScope.resolve`) and,
// for a ConfigMap, the ValidatingAdmissionPolicy's params. Semantics from Kyverno's Go source
// (pkg/engine/context/loaders/variable.go, configmap.go, pkg/engine/factories/contextloaderfactory.go,
// pkg/engine/context/deferred.go, evaluate.go):
//
//   * Loading is **deferred** (toggle enableDeferredLoading, default true): an entry is loaded when a query whose
//     text mentions its name is evaluated, and only entries declared before the current one are visible to it. A
//     load failure makes that query fail → the rule errors. An entry that is never referenced never fails. The
//     lowering inlines an entry's value wherever it is referenced, so its failure surfaces exactly where Kyverno
//     loads it; the value is built so that no `||`, function argument or projection can swallow the failure (an
//     error branch `cond(ok, value, ERROR_VAL)` is never wrapped in `default(…, null)` by jmespath.ts `lenient`).
//     `err` is set on fallible entries, so a reference at the top of a `{{ }}` is evaluated before the operator
//     (conditions.ts "touch"), keeping Kyverno's condition order against CEL's commutative `&&`/`||`.
//   * `variable {value?, jmesPath?, default?}` (variable.go loadVariable): `default` is substituted first (its
//     failure fails the entry even when it is not used), then the jmesPath text, then `value`:
//       value, no jmesPath    the substituted value (a substitution error fails the entry; `default` is unused);
//       value + jmesPath      jmesPath applied to the value: error → default (none → fail); a null result is kept;
//       jmesPath only         query over the whole context: error or null → default (none → fail);
//       default only          the default.
//     A result that is null fails the entry ("evaluated to nil"). Strings that are exactly one `{{ }}` keep the
//     variable's type, others are text (jmespath.ts lowerTemplate); maps/lists are substituted element-wise.
//   * `configMap {name, namespace}` (configmap.go): name and namespace are substituted; an empty namespace is
//     "default" for a ClusterPolicy, the policy's own namespace for a Policy (another namespace is refused). The
//     entry holds `{data: cm.data, metadata: cm.metadata}`; a missing ConfigMap fails the entry. In a VAP: paramKind
//     v1 ConfigMap, binding paramRef {name, namespace}; `{{request.namespace}}` → no paramRef.namespace (a namespaced
//     paramKind then resolves in the request's namespace; a cluster-scoped request is a binding error, as Kyverno's
//     `request.namespace` is then an "Unknown key" error); `entry.data.k` → `params.data.k`; a missing ConfigMap →
//     parameterNotFoundAction Deny (an error → failurePolicy). One distinct ConfigMap per policy.
//   * `apiCall`, `globalReference`, `imageRegistry`: no VAP equivalent → a gap naming the entry.
import { presentOf, type Gap, type Json, type Path, type Pred, type Provenance, type Val } from "../../../src/ir/model.js";
import type { ContextEntry, JsonValue } from "../model.js";
import {
  ERROR_VAL,
  hasVariables,
  JmesCtx,
  K,
  lenient,
  listVal,
  LowerGap,
  lowerJmes,
  lowerTemplate,
  may,
  notNull,
  objectMetaType,
  T,
  tyOfJson,
  type JmesScope,
  type JV,
  type JVal,
  type Ty,
} from "./jmespath.js";

/** The VAP params a ConfigMap context entry becomes: the policy's paramKind and its binding's paramRef. */
export interface ContextParams {
  paramKind: { apiVersion: "v1"; kind: "ConfigMap" };
  paramRef: { name: string; namespace?: string; parameterNotFoundAction: "Deny" };
}

export interface LowerContextOptions {
  /** Rule (variant) id, for gaps. */
  rule: string;
  provenance?: Provenance;
  /** Namespace of a namespaced `Policy`; absent for a ClusterPolicy. */
  policyNamespace?: string;
  /** The ConfigMap param an earlier rule of the same policy already uses (a VAP has one paramKind/paramRef). */
  params?: ContextParams;
  /** Enclosing scope: foreach `element` bindings, entries of an outer level, object types, DELETE requests. */
  scope?: JmesScope;
  /** Prefix of the variable names the entries' values bind (default `ctx`; e.g. `fe1ctx` for a foreach level). */
  namePrefix?: string;
}

export interface LoweredContext {
  /** A context entry by name (the last one declared), or undefined: not lowered (a gap) or not a context name. */
  resolve(name: string): JVal | undefined;
  /** Types of `params` paths (`data` a string map, `metadata` ObjectMeta), then the enclosing scope's. */
  typeOf(p: Path): Ty | undefined;
  /** The enclosing scope with `resolve` and `typeOf`: pass it to lowerConditions. */
  scope: JmesScope;
  /** The ConfigMap param: `opts.params` carried over, else this rule's (none when an entry leaves the rule out). */
  params?: ContextParams;
  gaps: Gap[];
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

const lit = (value: Json): Val => ({ k: "lit", value });
const val = (v: Val, ty: Ty, err: boolean): JVal => ({ k: "val", v, ty, err });
/** `dyn(x)`: Kubernetes CEL has homogeneous aggregate literals, and a typed map/list literal compares with null
 *  through no overload; documents built from a value are dynamically typed, as Kyverno's JSON. */
const dynAll = (v: Val): Val => (v.k === "call" && v.fn === "dyn" ? v : { k: "call", fn: "dyn", args: [v] });
const dyn = (v: Val): Val => (v.k === "lit" && (v.value === null || typeof v.value !== "object") ? v : { k: "call", fn: "dyn", args: [v] });
const noNull = (t: Ty): Ty => ({ ...t, m: t.m & ~K.null || t.m });
const unionTy = (a: Ty, b: Ty): Ty => ({ m: a.m | b.m, ...(a.elem && b.elem ? { elem: unionTy(a.elem, b.elem) } : {}) });
const PARAMS: Path = { root: { k: "params" }, segs: [] };
const REQUEST_NAMESPACE = /^\{\{\s*request\.namespace\s*\}\}$/;

/** Fresh variable names distinct per entry (`ctx<i>_v0`), so inlined entry values never capture a caller's names. */
class EntryCtx extends JmesCtx {
  constructor(scope: JmesScope, private readonly tag: string) {
    super(scope);
  }
  override fresh(prefix = "x"): string {
    return super.fresh(`${this.tag}${prefix}`);
  }
}

/** `v` where it evaluates, the Kyverno error where a path it reads is absent (never swallowed by a later `||`). */
function strict(j: JVal): JVal {
  if (!j.err) return j;
  return val({ k: "cond", test: presentOf(j.v), then: j.v, else: ERROR_VAL }, j.ty, true);
}

/** The value, or the Kyverno error when it is null ("evaluated to nil"). */
function nonNull(j: JVal): JVal {
  if (j.v.k === "lit") return j.v.value === null ? val(ERROR_VAL, T.any, true) : j;
  if (!may(j.ty, K.null)) return j;
  if (j.ty.m === K.null) return val(ERROR_VAL, T.any, true);
  return val({ k: "cond", test: notNull(j.v), then: j.v, else: ERROR_VAL }, noNull(j.ty), true);
}

/** Evaluate `first` (for its failure only), then the value. */
function after(first: JVal, j: JVal): JVal {
  if (!first.err) return j;
  const touch: Pred = { k: "cmp", lhs: { k: "call", fn: "size", args: [{ k: "list", items: [first.v] }] }, op: "==", rhs: lit(1), ifAbsent: "error" };
  return val({ k: "cond", test: touch, then: j.v, else: ERROR_VAL }, j.ty, true);
}

/** A JSON document with `{{ }}` substituted (variables.SubstituteAll): a substitution error is the entry's error. */
function substitute(doc: JsonValue, ctx: JmesCtx, what: string): JVal {
  if (!JSON.stringify(doc).includes("{{")) return val(dyn(lit(doc as Json)), tyOfJson(doc as Json), false);
  if (typeof doc === "string") return strict(listVal(lowerTemplate(doc, ctx), what));
  if (Array.isArray(doc)) {
    const items = doc.map((x) => substitute(x, ctx, what));
    const ty = T.list(items.length ? items.map((x) => x.ty).reduce(unionTy) : undefined);
    return val(dyn({ k: "list", items: items.map((x) => dynAll(x.v)) }), ty, items.some((x) => x.err));
  }
  if (doc === null || typeof doc !== "object") return val(lit(doc), tyOfJson(doc), false);
  const keys = Object.keys(doc);
  if (keys.some((k) => k.includes("{{"))) throw new LowerGap("kyverno.context.variable.map-key", `${what}: a variable in a map key`, "unverified");
  const entries = keys.map((k): [string, JVal] => [k, substitute(doc[k]!, ctx, what)]);
  return val(dyn({ k: "map", entries: entries.map(([k, x]) => [k, dynAll(x.v)]) }), T.map, entries.some(([, x]) => x.err));
}

/** The JMESPath text with its `{{ }}` substituted first (as Kyverno does), as one query. */
function query(text: string, ctx: JmesCtx): JV {
  return hasVariables(text) ? lowerTemplate(`{{${text}}}`, ctx) : lowerJmes(text, ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// entries

const HIDDEN_VALUE = "__kyverno_context_value";

function lowerVariable(e: ContextEntry, ctx: JmesCtx, scope: { resolve: (n: string) => JVal | undefined }): JVal {
  const spec = e.spec;
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) throw new LowerGap("kyverno.context.variable.invalid", "variable must be an object", "unverified");
  const value = spec["value"] ?? null;
  const jpRaw = spec["jmesPath"];
  if (jpRaw !== undefined && typeof jpRaw !== "string") throw new LowerGap("kyverno.context.variable.invalid", "jmesPath must be a string", "unverified");
  const jp = jpRaw ? jpRaw : undefined; // "" = none; blank text is a query Kyverno rejects (a syntax gap here)
  const defDoc = spec["default"] ?? null;
  // default first: substituted whenever present (its failure fails the entry even when unused)
  const def = defDoc !== null ? substitute(defDoc, ctx, `context entry ${e.name} default`) : undefined;
  let out: JVal;
  if (value !== null) {
    const v = substitute(value, ctx, `context entry ${e.name} value`);
    if (!jp) out = nonNull(v);
    else {
      if (def) throw new LowerGap("kyverno.context.variable.value-jmespath-default", `context entry ${e.name}: value + jmesPath + default (a failing query takes the default, a null result fails the entry: not told apart)`, "unverified");
      // the query runs over the value: `value | query` (a pipe reads its left side leniently; a failing query and a
      // null result both fail the entry here)
      const saved = scope.resolve;
      scope.resolve = (n) => (n === HIDDEN_VALUE ? v : saved(n));
      try {
        out = nonNull(lenient(listVal(query(`${HIDDEN_VALUE} | ${jp}`, ctx), `context entry ${e.name}`)));
      } finally {
        scope.resolve = saved;
      }
    }
  } else if (jp) {
    // ctx.Query: an error or a null result → default; without one the entry fails
    const r = lenient(listVal(query(jp, ctx), `context entry ${e.name}`));
    if (!def) out = nonNull(r);
    else if (!may(r.ty, K.null)) out = r;
    else out = nonNull(val({ k: "cond", test: notNull(r.v), then: r.v, else: def.v }, unionTy(noNull(r.ty), def.ty), r.err || def.err));
  } else {
    out = def ? nonNull(def) : val(ERROR_VAL, T.any, true);
  }
  return def ? after(def, out) : out;
}

function configMapParams(e: ContextEntry, opts: LowerContextOptions): ContextParams {
  const spec = e.spec;
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) throw new LowerGap("kyverno.context.configMap.invalid", "configMap must be an object", "unverified");
  const name = spec["name"];
  const ns = spec["namespace"] ?? "";
  if (typeof name !== "string" || !name || typeof ns !== "string") throw new LowerGap("kyverno.context.configMap.invalid", "configMap.name/namespace must be strings", "unverified");
  if (hasVariables(name)) throw new LowerGap("kyverno.context.configMap.dynamic-name", `configMap.name ${JSON.stringify(name)} is computed per request (a paramRef names one ConfigMap)`, "unverified");
  let namespace: string | undefined;
  if (REQUEST_NAMESPACE.test(ns)) namespace = undefined; // paramRef without namespace: the request's namespace
  else if (hasVariables(ns)) throw new LowerGap("kyverno.context.configMap.dynamic-namespace", `configMap.namespace ${JSON.stringify(ns)} is computed per request (only {{request.namespace}} maps onto a paramRef)`, "unverified");
  else {
    namespace = ns.replace(/\\\{\{/g, "{{") || opts.policyNamespace || "default";
    if (opts.policyNamespace && namespace !== opts.policyNamespace)
      throw new LowerGap("kyverno.context.configMap.cross-namespace", `configMap namespace ${namespace} differs from the Policy's namespace ${opts.policyNamespace} (Kyverno refuses it: the entry always fails)`, "unverified");
  }
  return { paramKind: { apiVersion: "v1", kind: "ConfigMap" }, paramRef: { name, ...(namespace !== undefined ? { namespace } : {}), parameterNotFoundAction: "Deny" } };
}

const sameParams = (a: ContextParams, b: ContextParams): boolean => a.paramRef.name === b.paramRef.name && a.paramRef.namespace === b.paramRef.namespace;
const refText = (p: ContextParams): string => `${p.paramRef.namespace ?? "{{request.namespace}}"}/${p.paramRef.name}`;

/** Types of `params` (a ConfigMap): `data` a map of strings, `metadata` ObjectMeta. */
function paramsType(p: Path): Ty | undefined {
  if (p.root.k !== "params") return undefined;
  const names = p.segs.map((s) => (s.k === "field" ? s.name : s.k === "key" ? s.key : undefined));
  if (names.some((n) => n === undefined)) return undefined;
  if (names.length === 0) return T.map;
  if (names[0] === "data") return names.length === 1 ? T.map : names.length === 2 ? T.str : undefined;
  if (names[0] === "metadata") return objectMetaType({ root: { k: "object" }, segs: p.segs });
  return undefined;
}

/**
 * Lower a rule's (or a foreach's) context entries. `resolve(name)` gives the model value of an entry for the
 * JMESPath lowering; a ConfigMap becomes `params`. Entries with no VAP form are gaps with effect `weaker` (the
 * caller leaves the rule out, as for any rule it cannot lower); a missing ConfigMap fails the whole policy in the
 * VAP (binding error) where Kyverno fails only rules that reference the entry: a `stricter` gap, once per policy.
 */
export function lowerContext(entries: readonly ContextEntry[], opts: LowerContextOptions): LoweredContext {
  const gaps: Gap[] = [];
  const prov = opts.provenance ? { provenance: opts.provenance } : {};
  const gapAt = (field: string | undefined, id: string, reason: string, effect: Gap["effect"]): void => {
    const provenance = opts.provenance && field ? { provenance: { ...opts.provenance, field } } : prov;
    gaps.push({ id, rule: opts.rule, reason, effect, ...provenance });
  };
  const outer = opts.scope ?? {};
  const typeOf = (p: Path): Ty | undefined => paramsType(p) ?? outer.typeOf?.(p);
  // name → value; null = declared but not lowered (a later reference must not fall back to an outer entry)
  const table = new Map<string, JVal | null>();
  let params = opts.params;
  entries.forEach((e, i) => {
    // an entry's gap points at the entry (`context.<name>`: the caller knows its line)
    const gap = (id: string, reason: string, effect: Gap["effect"]): void => gapAt(`context.${e.name}`, id, reason, effect);
    const label = `context entry ${e.name} (${e.kind})`;
    // the entry sees earlier entries only (deferred loaders before its own index); its own name = an earlier one
    const prev = new Map(table);
    table.set(e.name, null);
    switch (e.kind) {
      case "variable": {
        const scope = { ...outer, resolve: (n: string): JVal | undefined => lookupIn(prev, n, outer), typeOf };
        try {
          table.set(e.name, lowerVariable(e, new EntryCtx(scope, `${opts.namePrefix ?? "ctx"}${i}_`), scope));
        } catch (err) {
          if (!(err instanceof LowerGap)) throw err;
          gap(err.id, `${label}: ${err.message}: the rule is left out`, "weaker");
        }
        return;
      }
      case "configMap": {
        let p: ContextParams;
        try {
          p = configMapParams(e, opts);
        } catch (err) {
          if (!(err instanceof LowerGap)) throw err;
          gap(err.id, `${label}: ${err.message}: the rule is left out`, "weaker");
          return;
        }
        if (params && !sameParams(params, p)) {
          gap("kyverno.context.configMap.second", `${label}: ConfigMap ${refText(p)} — the policy's VAP already takes ConfigMap ${refText(params)} as its params (one paramRef per binding): the rule is left out`, "weaker");
          return;
        }
        if (!params) {
          gap(
            "kyverno.context.configMap.not-found",
            `${label}: ConfigMap ${refText(p)} is the VAP's param (parameterNotFoundAction: Deny); when it is missing every request the policy matches fails (failurePolicy), where Kyverno fails only the rules that read the entry; a ConfigMap without data makes \`${e.name}.data.<key>\` an error (Kyverno: null)${p.paramRef.namespace === undefined ? "; without paramRef.namespace every cluster-scoped request the policy matches is a binding error (Kyverno: only where the entry is read)" : ""}`,
            "stricter",
          );
        }
        params = params ?? p;
        table.set(e.name, val({ k: "path", path: PARAMS }, T.map, false));
        return;
      }
      case "apiCall":
        gap("kyverno.context.apiCall", `${label}: a Kubernetes API / service call has no ValidatingAdmissionPolicy equivalent: the rule is left out`, "weaker");
        return;
      case "globalReference":
        gap("kyverno.context.globalReference", `${label}: a Kyverno GlobalContextEntry has no ValidatingAdmissionPolicy equivalent: the rule is left out`, "weaker");
        return;
      case "imageRegistry":
        gap("kyverno.context.imageRegistry", `${label}: OCI registry data has no ValidatingAdmissionPolicy equivalent: the rule is left out`, "weaker");
        return;
      default:
        gap("kyverno.context.unknown", `${label}: unknown context entry type: the rule is left out`, "weaker");
    }
  });
  // a rule left out takes no params (and the missing-ConfigMap caveat is not its concern)
  const leftOut = gaps.some((g) => g.effect === "weaker");
  const out = leftOut ? gaps.filter((g) => g.id !== "kyverno.context.configMap.not-found") : gaps;
  if (leftOut) params = opts.params;
  const resolve = (name: string): JVal | undefined => lookupIn(table, name, outer);
  return { resolve, typeOf, scope: { ...outer, resolve, typeOf }, ...(params ? { params } : {}), gaps: out };
}

function lookupIn(table: ReadonlyMap<string, JVal | null>, name: string, outer: JmesScope): JVal | undefined {
  const hit = table.get(name);
  return hit === null ? undefined : hit ?? outer.resolve?.(name);
}

