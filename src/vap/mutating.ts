// Offline replay of kube-apiserver 1.36's MutatingAdmissionPolicy plugin: policies in name order × matching bindings
// (a policy without any binding among the inputs is bound to everything) × params; matchConstraints / binding
// matchResources (match.ts), paramKind/paramRef as for VAP, matchConditions (false → skip, error → failurePolicy),
// lazy variables recomputed for every mutation, mutations applied in order (ApplyConfiguration merged with SSA
// semantics by applyconfig.ts, JSONPatch by jsonpatch.ts), failurePolicy on every error, and one reinvocation round
// for reinvocationPolicy IfNeeded as dispatcher.go + reinvocationcontext.go do it:
//   pass 1: every invocation runs; an IfNeeded invocation that ran (matched) is remembered; when any mutation was
//           applied without error (the versioned attributes are "dirty"), every remembered invocation is scheduled
//           for reinvocation (this includes a policy re-running after its own change, as the upstream code does);
//   pass 2: (only if something was scheduled and pass 1 had no Fail error) matching and matchConditions are
//           evaluated again on the mutated object and only the scheduled invocations run their mutations again.
// Other admission plugins/webhooks are not modelled, and the apiserver's defaulting after each patch is not run.
import type { CelIssue, Expr } from "../cel/ast.js";
import type { Activation, Env } from "../cel/env.js";
import { macrosFor } from "../cel/env.js";
import { mapLibraries, type AuthzDecide } from "../cel/k8s/index.js";
import { k8sLibraries } from "../cel/k8s/index.js";
import { parse } from "../cel/parser.js";
import { stdLibraries } from "../cel/stdlib/index.js";
import { T, type CelType, type ObjectSchemas } from "../cel/types.js";
import { CelError, CelMap, CelTypeValue, CelUint, Duration, Optional, Timestamp, fromJSON, typeName, type Value } from "../cel/values.js";
import { applyConfiguration, stripNulls } from "./applyconfig.js";
import { admissionEnv, compileAdmission, namespaceValue, requestValue, STORED_VERSION, variableDeclType, type Compiled } from "./celenv.js";
import { compilePolicy, type CompiledPolicy } from "./compilepolicy.js";
import { authorizerValues, collectParams as collectValidatingParams, LazyVariables, namespaceMap, paramScope } from "./engine.js";
import { applyJsonPatch, type JsonPatchOp } from "./jsonpatch.js";
import { gvkString, kindRegistry, type KindRegistry } from "./kinds.js";
import { matches, type MatchContext } from "./match.js";
import { objectToCel } from "./objects.js";
import type {
  AdmissionRequest,
  FailurePolicy,
  GroupVersionKind,
  GroupVersionResource,
  JSONValue,
  KObject,
  MutatingAdmissionPolicy,
  MutatingAdmissionPolicyBinding,
  Mutation,
  ValidatingAdmissionPolicy,
} from "./types.js";

// ---------------------------------------------------------------------------------------------------------------
// Public shapes

export type MutationVerdict = "mutate" | "skip" | "error" | "nochange";

export type MutationSkipReason =
  | "matchConstraints"
  | "matchResources"
  | "matchConditions"
  | "paramNotFound"
  /** A configuration error (unknown paramKind, missing param with Deny, namespace lookup …) under failurePolicy Ignore. */
  | "configurationError"
  /** Every error of this invocation was ignored (failurePolicy Ignore) and the object was not changed. */
  | "ignoredError";

/** One (policy, binding, param) invocation in one pass. */
export interface MutationResult {
  policy: string;
  /** null for the implicit binding of a policy that has no binding among the inputs. */
  binding: string | null;
  /** "ns/name" for a namespaced param, "name" for a cluster-scoped one, null without params. */
  params: string | null;
  verdict: MutationVerdict;
  /** Errors of this invocation (compile, evaluation, patch), whatever the failurePolicy. */
  messages: string[];
  skipReason?: MutationSkipReason;
  /** true for the reinvocation pass (reinvocationPolicy IfNeeded). */
  reinvocation?: boolean;
}

export interface MutateInput {
  policies: readonly MutatingAdmissionPolicy[];
  bindings: readonly MutatingAdmissionPolicyBinding[];
  /** Objects that may serve as params (any kind). */
  params?: readonly KObject[];
  namespaces?: readonly KObject[];
  /** CRDs: kinds for matching and structural schemas for ApplyConfiguration merges. */
  crds?: readonly KObject[];
  request: AdmissionRequest;
  /** Answers `authorizer` checks; default `defaultAuthorizer` of the VAP engine. */
  authorizer?: AuthzDecide;
}

export interface MutateOutput {
  /** The mutated object; null when the request has no object or was rejected. */
  object: KObject | null;
  results: MutationResult[];
  /** The API server's rejection message (first error under failurePolicy Fail), when rejected. */
  error?: string;
  /** Whether the reinvocation pass ran. */
  reinvoked: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation

/** Object types of the mutation environment: `Object`/`Object.x.y` are open (dyn fields), `JSONPatch` is typed. */
export const mutationSchemas: ObjectSchemas = new Map<string, ReadonlyMap<string, CelType>>([
  ["Object", new Map()],
  ["JSONPatch", new Map<string, CelType>([["op", T.string], ["path", T.string], ["from", T.string], ["value", T.dyn]])],
]);

const OBJECT_RESULT = [T.object("Object")];
const JSONPATCH_RESULT = [T.list(T.object("JSONPatch"))];

export interface CompiledMutation {
  patchType: string;
  expression: string;
  compiled: Compiled;
  /** CheckTypeNamesMatchFieldPathNames violations found in the expression's `Object…{}` literals. */
  typeNameErrors: string[];
}

export interface CompiledMutatingPolicy {
  name: string;
  hasParams: boolean;
  /** Variables and matchConditions, compiled like a VAP's (no patch types, authorizer declared). */
  base: CompiledPolicy;
  mutations: CompiledMutation[];
}

const envCache = new Map<string, Env>();

/** The mutation environment: admission variables + `Object`/`JSONPatch` types + jsonpatch library. */
export function mutationEnv(hasParams: boolean, variables: ReadonlyArray<readonly [string, CelType]>): Env {
  const key = JSON.stringify([hasParams, variables.map(([n, t]) => [n, JSON.stringify(t)])]);
  let env = envCache.get(key);
  if (!env) {
    env = admissionEnv({
      version: STORED_VERSION,
      hasParams,
      hasAuthorizer: true,
      variables,
      objectSchemas: mutationSchemas,
      libraries: [...stdLibraries, ...k8sLibraries, ...mapLibraries],
    });
    envCache.set(key, env);
  }
  return env;
}

const compiledCache = new WeakMap<MutatingAdmissionPolicy, CompiledMutatingPolicy>();

/** Compile a MutatingAdmissionPolicy (cached per policy object). */
export function compileMutatingPolicy(policy: MutatingAdmissionPolicy): CompiledMutatingPolicy {
  const hit = compiledCache.get(policy);
  if (hit) return hit;
  const spec = policy.spec ?? {};
  const hasParams = !!spec.paramKind;
  const asVap: ValidatingAdmissionPolicy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: policy.metadata?.name ?? "" },
    spec: {
      ...(spec.paramKind ? { paramKind: spec.paramKind } : {}),
      ...(spec.variables ? { variables: spec.variables } : {}),
      ...(spec.matchConditions ? { matchConditions: spec.matchConditions } : {}),
    },
  };
  const base = compilePolicy(asVap);
  const varTypes: [string, CelType][] = [];
  for (const v of base.variables) {
    const t = variableDeclType(v.compiled.ok ? v.compiled.type : undefined);
    const at = varTypes.findIndex(([n]) => n === v.name);
    if (at >= 0) varTypes[at] = [v.name, t];
    else varTypes.push([v.name, t]);
  }
  const env = mutationEnv(hasParams, varTypes);
  const mutations = (spec.mutations ?? []).map((m) => compileMutation(env, m));
  const out: CompiledMutatingPolicy = { name: policy.metadata?.name ?? "", hasParams, base, mutations };
  compiledCache.set(policy, out);
  return out;
}

function compileMutation(env: Env, m: Mutation): CompiledMutation {
  const isApply = m.patchType === "ApplyConfiguration";
  const isJson = m.patchType === "JSONPatch";
  const expression = (isApply ? m.applyConfiguration?.expression : isJson ? m.jsonPatch?.expression : undefined) ?? "";
  if (!isApply && !isJson) {
    const error = `unsupported patchType ${JSON.stringify(m.patchType)}`;
    return { patchType: String(m.patchType), expression, compiled: { ok: false, error, issues: [issue(error)] }, typeNameErrors: [] };
  }
  const compiled = compileAdmission(env, expression, isApply ? OBJECT_RESULT : JSONPATCH_RESULT);
  return { patchType: m.patchType, expression, compiled, typeNameErrors: compiled.ok ? objectTypeNameErrors(expression) : [] };
}

const issue = (message: string): CelIssue => ({ message, offset: 0, line: 1, column: 1 });

/**
 * Static stand-in for ObjectVal.CheckTypeNamesMatchFieldPathNames: an `Object.a.b{…}` literal nested under field `f`
 * of `Object.a{…}` must be named `Object.a.f` (lists and maps in between are transparent). Our interpreter does not
 * keep type names on values, so the check walks the expression: literal nesting, list/map literals, `?:` branches,
 * `+` operands and comprehension steps (map/filter macros).
 */
export function objectTypeNameErrors(source: string): string[] {
  let expr: Expr;
  try {
    expr = parse(source, { macros: macrosFor(STORED_VERSION) }).expr;
  } catch {
    return [];
  }
  const errs: string[] = [];
  const walk = (e: Expr, expected: string | undefined): void => {
    switch (e.k) {
      case "struct": {
        const name = e.typeName.startsWith(".") ? e.typeName.slice(1) : e.typeName;
        if (name === "JSONPatch") {
          for (const f of e.fields) if (f.name === "value") walk(f.value, undefined);
          return;
        }
        if (expected !== undefined && name !== expected) {
          errs.push(`unexpected type name ${JSON.stringify(name)}, expected ${JSON.stringify(expected)}, which matches field name path from root Object type`);
        }
        const root = expected ?? name;
        for (const f of e.fields) walk(f.value, `${root}.${f.name}`);
        return;
      }
      case "list":
        for (const x of e.elems) walk(x, expected);
        return;
      case "map":
        for (const x of e.entries) walk(x.value, expected);
        return;
      case "call":
        if (e.fn === "_?_:_") {
          walk(e.args[1]!, expected);
          walk(e.args[2]!, expected);
        } else if (e.fn === "_+_") {
          for (const a of e.args) walk(a, expected);
        }
        return;
      case "comp":
        walk(e.loopStep, expected);
        walk(e.result, expected);
        return;
      default:
        return;
    }
  };
  // ApplyConfiguration: the root literal names the path; JSONPatch: each `value` literal is its own root.
  walk(expr, undefined);
  return errs;
}

// ---------------------------------------------------------------------------------------------------------------
// CEL → JSON (structpb conversion of the plugin)

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

function timestampString(ns: bigint): string {
  const secs = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  const frac = Number(ns - secs * 1_000_000_000n);
  const d = new Date(Number(secs) * 1000);
  let s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (frac) {
    const f = pad(frac, 9);
    s += `.${f.endsWith("000000") ? f.slice(0, 3) : f.endsWith("000") ? f.slice(0, 6) : f}`;
  }
  return `${s}Z`;
}

function durationString(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const secs = a / 1_000_000_000n;
  const frac = Number(a % 1_000_000_000n);
  let s = `${neg ? "-" : ""}${secs}`;
  if (frac) {
    const f = pad(frac, 9);
    s += `.${f.endsWith("000000") ? f.slice(0, 3) : f.endsWith("000") ? f.slice(0, 6) : f}`;
  }
  return `${s}s`;
}

/** A CEL value as JSON; int64/uint64 come back as JS numbers. Throws Error for values JSON cannot hold. */
export function celToJSON(v: Value): JSONValue {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`);
    return v;
  }
  if (v instanceof CelUint) return Number(v.v);
  if (Array.isArray(v)) return v.map(celToJSON);
  if (v instanceof CelMap) {
    const o: { [k: string]: JSONValue } = {};
    for (const [k, x] of v.entries()) {
      if (typeof k !== "string") throw new Error(`unsupported map key type: ${typeName(k)}`);
      o[k] = celToJSON(x);
    }
    return o;
  }
  if (v instanceof Timestamp) return timestampString(v.ns);
  if (v instanceof Duration) return durationString(v.ns);
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (v instanceof Optional || v instanceof CelTypeValue) throw new Error(`type conversion error from '${typeName(v)}' to 'google.protobuf.Value'`);
  throw new Error(`type conversion error from '${typeName(v)}' to 'google.protobuf.Value'`);
}

// ---------------------------------------------------------------------------------------------------------------
// Matching, params, activation

/** The request as admission attributes (kind/resource as the client sent them). */
function attributes(req: AdmissionRequest): AdmissionRequest {
  const sub = req.requestSubResource ?? req.subResource;
  return { ...req, kind: req.requestKind ?? req.kind, resource: req.requestResource ?? req.resource, ...(sub ? { subResource: sub } : {}) };
}


const byName = (a: KObject, b: KObject): number => {
  const x = a.metadata?.name ?? "";
  const y = b.metadata?.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

const paramLabel = (p: KObject | null): string | null =>
  p ? (p.metadata?.namespace ? `${p.metadata.namespace}/${p.metadata.name ?? ""}` : (p.metadata?.name ?? "")) : null;

/** CollectParams of the generic dispatcher, with the mutating plugin's policy-level error for an unknown paramKind. */
function collectParams(
  policy: MutatingAdmissionPolicy,
  binding: MutatingAdmissionPolicyBinding | null,
  kinds: KindRegistry,
  allParams: readonly KObject[],
  requestNamespace: string,
): { params: (KObject | null)[] } | { error: string; policyLevel?: boolean } {
  const pk = policy.spec.paramKind;
  if (!pk) return { params: [null] };
  const scope = paramScope(policy, allParams, kinds);
  if (!scope.known) return { error: `failed to find resource referenced by paramKind: '${gvkString(pk.apiVersion, pk.kind)}'`, policyLevel: true };
  return collectValidatingParams(policy, binding, scope, allParams, requestNamespace);
}

const errText = (e: unknown): string => (e instanceof CelError ? e.message : e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------------------------------------------------------
// One invocation

interface Invocation {
  key: string;
  policy: MutatingAdmissionPolicy;
  cp: CompiledMutatingPolicy;
  binding: MutatingAdmissionPolicyBinding | null;
  param: KObject | null;
  matched: { gvr: GroupVersionResource; gvk: GroupVersionKind };
}

interface PassState {
  object: KObject | null;
  results: MutationResult[];
  /** Messages of errors under failurePolicy Fail (PolicyError.Error()). */
  rejections: string[];
}

const failurePolicyOf = (p: MutatingAdmissionPolicy): FailurePolicy => (p.spec?.failurePolicy === "Ignore" ? "Ignore" : "Fail");

const policyError = (policy: string, binding: string | null, message: string): string =>
  binding !== null ? `policy '${policy}' with binding '${binding}' denied request: ${message}` : `policy ${JSON.stringify(policy)} denied request: ${message}`;

interface Context {
  input: MutateInput;
  req: AdmissionRequest;
  kinds: KindRegistry;
  mctx: MatchContext;
  nsVal: Value;
  authz: Record<string, Value>;
}

/**
 * The invocations of one dispatch for the current object (DefinitionMatches / BindingMatches / CollectParams),
 * recording skips and configuration errors into `st`.
 */
function invocations(c: Context, st: PassState, record: boolean): Invocation[] {
  const req: AdmissionRequest = { ...c.req, object: st.object };
  const out: Invocation[] = [];
  const policies = [...c.input.policies].sort(byName);
  for (const policy of policies) {
    const pname = policy.metadata?.name ?? "";
    const fp = failurePolicyOf(policy);
    const explicit = c.input.bindings.filter((b) => b.spec?.policyName === pname).sort(byName);
    const bindings: (MutatingAdmissionPolicyBinding | null)[] = explicit.length ? explicit : [null];
    const res = (b: MutatingAdmissionPolicyBinding | null, p: KObject | null, verdict: MutationVerdict): MutationResult => ({
      policy: pname,
      binding: b ? (b.metadata?.name ?? "") : null,
      params: paramLabel(p),
      verdict,
      messages: [],
    });
    const push = (r: MutationResult): void => {
      if (record) st.results.push(r);
    };
    const configError = (b: MutatingAdmissionPolicyBinding | null, err: string, policyLevel: boolean): void => {
      const message = policyLevel ? `failed to configure policy: ${err}` : `failed to configure binding: ${err}`;
      const r = res(b, null, fp === "Ignore" ? "skip" : "error");
      r.messages.push(message);
      if (fp === "Ignore") r.skipReason = "configurationError";
      else st.rejections.push(policyError(pname, policyLevel ? null : r.binding, message));
      push(r);
    };
    const pm = matches(policy.spec?.matchConstraints, req, c.mctx);
    if (!pm.matches) {
      if (pm.error) configError(null, pm.error, true);
      else for (const b of bindings) push({ ...res(b, null, "skip"), skipReason: "matchConstraints" });
      continue;
    }
    const cp = compileMutatingPolicy(policy);
    for (const binding of bindings) {
      if (binding) {
        const bm = matches(binding.spec.matchResources, req, c.mctx);
        if (!bm.matches) {
          if (bm.error) configError(binding, bm.error, false);
          else push({ ...res(binding, null, "skip"), skipReason: "matchResources" });
          continue;
        }
      }
      const collected = collectParams(policy, binding, c.kinds, c.input.params ?? [], req.namespace ?? "");
      if ("error" in collected) {
        configError(collected.policyLevel ? null : binding, collected.error, !!collected.policyLevel || !binding);
        if (collected.policyLevel) break;
        continue;
      }
      if (!collected.params.length) {
        push({ ...res(binding, null, "skip"), skipReason: "paramNotFound" });
        continue;
      }
      for (const param of collected.params) {
        const key = JSON.stringify([pname, binding?.metadata?.name ?? null, param?.metadata?.namespace ?? "", param?.metadata?.name ?? ""]);
        out.push({ key, policy, cp, binding, param, matched: { gvr: pm.gvr, gvk: pm.gvk } });
      }
    }
  }
  return out;
}

function baseActivation(c: Context, inv: Invocation, object: KObject | null): Activation {
  const req: AdmissionRequest = { ...c.req, object };
  return {
    object: objectToCel(object),
    oldObject: objectToCel(c.req.oldObject),
    request: requestValue(req, inv.matched),
    namespaceObject: c.nsVal,
    ...(inv.cp.hasParams ? { params: inv.param ? fromJSON(inv.param) : null } : {}),
    ...c.authz,
  };
}

/** matchConditions: true (run), false (skip), or an error text (failurePolicy decides). */
function evalMatchConditions(cp: CompiledMutatingPolicy, base: Activation, fp: FailurePolicy): boolean | { error: string } {
  const mcs = cp.base.matchConditions;
  if (!mcs.length) return true;
  let act: Activation = base;
  const variables = new LazyVariables(cp.base.variables, () => act);
  act = { ...base, variables };
  const errors: string[] = [];
  for (const mc of mcs) {
    if (!mc.compiled.ok) {
      errors.push(`compilation error: ${mc.compiled.error}`);
      continue;
    }
    try {
      if (mc.compiled.program.eval(act) === false) return false;
    } catch (e) {
      errors.push(`expression '${mc.expression}' resulted in error: ${errText(e)}`);
    }
  }
  if (!errors.length) return true;
  if (fp === "Ignore") return false;
  return { error: errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]` };
}

type PatchOutcome = { ok: true; object: KObject } | { ok: false; error: string };

/** One patcher call: evaluate the mutation against the current object and apply its result. */
function runMutation(c: Context, inv: Invocation, m: CompiledMutation, object: KObject): PatchOutcome {
  if (!m.compiled.ok) return { ok: false, error: m.compiled.error };
  const base = baseActivation(c, inv, object);
  let act: Activation = base;
  const variables = new LazyVariables(inv.cp.base.variables, () => act);
  act = { ...base, variables };
  let v: Value;
  try {
    v = m.compiled.program.eval(act);
  } catch (e) {
    return { ok: false, error: `expression '${m.expression}' resulted in error: ${errText(e)}` };
  }
  if (m.patchType === "ApplyConfiguration") {
    if (!(v instanceof CelMap)) return { ok: false, error: `unsupported return type from ApplyConfiguration expression: ${typeName(v)}` };
    if (m.typeNameErrors.length) return { ok: false, error: `type mismatch: ${m.typeNameErrors.join("\n")}` };
    let patch: JSONValue;
    try {
      patch = celToJSON(v);
    } catch (e) {
      return { ok: false, error: `error applying patch: ${errText(e)}` };
    }
    const r = applyConfiguration(object, patch as { [k: string]: JSONValue }, c.input.crds ?? []);
    return r.ok ? r : { ok: false, error: `error applying patch: ${r.error}` };
  }
  if (!Array.isArray(v)) return { ok: false, error: "type mismatch: JSONPatchType.expression should evaluate to array" };
  if (m.typeNameErrors.length) return { ok: false, error: `type mismatch: ${m.typeNameErrors.join("\n")}` };
  const ops: JsonPatchOp[] = [];
  for (const el of v as readonly Value[]) {
    if (!(el instanceof CelMap)) {
      return { ok: false, error: `type mismatch: JSONPatchType.expression should evaluate to array of JSONPatch, got element of ${typeName(el)}` };
    }
    const str = (k: string): string => {
      const x = el.get(k);
      return typeof x === "string" ? x : "";
    };
    const op: JsonPatchOp = { op: str("op"), path: str("path") };
    if (str("from")) op.from = str("from");
    if (el.has("value")) {
      try {
        op.value = celToJSON(el.get("value") ?? null);
      } catch (e) {
        return { ok: false, error: `JSONPath valueExpression evaluated to a type that could not marshal to JSON: ${errText(e)}` };
      }
    }
    ops.push(op);
  }
  const r = applyJsonPatch(object as unknown as JSONValue, ops);
  if (!r.ok) return r.testFailed ? { ok: true, object } : { ok: false, error: `JSONPath: ${r.error}` };
  return { ok: true, object: stripNulls(r.doc) as unknown as KObject };
}

// ---------------------------------------------------------------------------------------------------------------
// Dispatcher

const deepEqual = (a: unknown, b: unknown): boolean => diffJSON(a, b, "", []).length === 0;

interface InvokeOutcome {
  ran: boolean;
  changed: boolean;
  /** At least one patcher call succeeded (VersionedAttributes.Dirty). */
  dirty: boolean;
}

/** Run one invocation (matchConditions, then its mutations when `shouldRun`), updating `st`. */
function invoke(c: Context, inv: Invocation, st: PassState, shouldRun: (key: string) => boolean, reinvocation: boolean): InvokeOutcome {
  const pname = inv.cp.name;
  const fp = failurePolicyOf(inv.policy);
  const bname = inv.binding ? (inv.binding.metadata?.name ?? "") : null;
  const r: MutationResult = { policy: pname, binding: bname, params: paramLabel(inv.param), verdict: "nochange", messages: [] };
  if (reinvocation) r.reinvocation = true;
  const none: InvokeOutcome = { ran: false, changed: false, dirty: false };
  const mc = evalMatchConditions(inv.cp, baseActivation(c, inv, st.object), fp);
  if (mc !== true) {
    if (!shouldRun(inv.key) && mc === false) return none;
    if (mc === false) {
      st.results.push({ ...r, verdict: "skip", skipReason: "matchConditions" });
    } else {
      r.verdict = "error";
      r.messages.push(mc.error);
      st.rejections.push(policyError(pname, bname, mc.error));
      st.results.push(r);
    }
    return none;
  }
  if (!shouldRun(inv.key)) return none;
  const before = st.object;
  let dirty = false;
  let failed = false;
  for (const m of inv.cp.mutations) {
    if (!st.object) continue; // no object to patch (DELETE / CONNECT without body)
    const out = runMutation(c, inv, m, st.object);
    if (!out.ok) {
      r.messages.push(out.error);
      if (fp === "Fail") {
        failed = true;
        st.rejections.push(policyError(pname, bname, out.error));
      }
      continue;
    }
    dirty = true;
    st.object = out.object;
  }
  const changed = !deepEqual(before, st.object);
  if (failed) r.verdict = "error";
  else if (changed) r.verdict = "mutate";
  else if (r.messages.length) {
    r.verdict = "skip";
    r.skipReason = "ignoredError";
  }
  st.results.push(r);
  return { ran: true, changed, dirty };
}

/**
 * Apply the MutatingAdmissionPolicies to the request's object as the 1.36 plugin would (see the header comment for
 * the reinvocation model). Returns the mutated object, one result per invocation and pass, and the rejection.
 */
export function applyMutatingPolicies(input: MutateInput): MutateOutput {
  const req = attributes(input.request);
  const kinds = kindRegistry(input.crds ?? []);
  const mctx: MatchContext = { kinds, namespaces: namespaceMap(input, req) };
  const isNamespaceKind = req.kind.group === "" && req.kind.version === "v1" && req.kind.kind === "Namespace";
  const nsName = isNamespaceKind ? "" : (req.namespace ?? "");
  const c: Context = {
    input,
    req,
    kinds,
    mctx,
    nsVal: nsName ? namespaceValue(mctx.namespaces.get(nsName)) : null,
    authz: authorizerValues(input, req),
  };
  const st: PassState = {
    object: req.object ? (stripNulls(req.object as unknown as JSONValue) as unknown as KObject) : null,
    results: [],
    rejections: [],
  };

  // pass 1
  const previouslyInvoked = new Set<string>();
  const reinvoke = new Set<string>();
  let shouldReinvoke = false;
  let anyDirty = false;
  const requireReinvoking = (): void => {
    for (const k of previouslyInvoked) reinvoke.add(k);
    previouslyInvoked.clear();
  };
  for (const inv of invocations(c, st, true)) {
    const o = invoke(c, inv, st, () => true, false);
    if (!o.ran) continue;
    if (o.changed) {
      requireReinvoking();
      shouldReinvoke = true;
    }
    if (o.dirty) anyDirty = true;
    if (inv.policy.spec?.reinvocationPolicy === "IfNeeded") previouslyInvoked.add(inv.key);
  }
  if (anyDirty) {
    requireReinvoking();
    shouldReinvoke = true;
  }

  // pass 2 (the admission chain reinvokes the plugin once)
  let reinvoked = false;
  if (!st.rejections.length && shouldReinvoke && reinvoke.size) {
    reinvoked = true;
    const invs = invocations(c, st, false);
    for (const inv of invs) invoke(c, inv, st, (k) => reinvoke.has(k), true);
  }

  if (st.rejections.length) return { object: null, results: st.results, error: st.rejections[0]!, reinvoked };
  return { object: st.object, results: st.results, reinvoked };
}

/**
 * kaptest-style verdict of one policy (or of the whole run): "error" if the request was rejected by it or one of its
 * invocations errored, "mutate" if one changed the object, "skip" if none of its invocations ran, else "nochange".
 */
export function verdictOfMutation(out: MutateOutput, policy?: string): MutationVerdict {
  const rs = out.results.filter((r) => policy === undefined || r.policy === policy);
  if (rs.some((r) => r.verdict === "error")) return "error";
  if (rs.some((r) => r.verdict === "mutate")) return "mutate";
  if (rs.every((r) => r.verdict === "skip")) return "skip";
  return "nochange";
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison with an expected object

function diffJSON(a: unknown, b: unknown, path: string, out: string[]): string[] {
  if (a === b) return out;
  const isO = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path || "."}: list length ${a.length} != ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffJSON(a[i], b[i], `${path}[${i}]`, out);
    return out;
  }
  if (isO(a) && isO(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const p = `${path}.${k}`;
      if (!(k in a)) out.push(`${p}: missing in mutated object (expected ${JSON.stringify(b[k])})`);
      else if (!(k in b)) out.push(`${p}: unexpected in mutated object (${JSON.stringify(a[k])})`);
      else diffJSON(a[k], b[k], p, out);
    }
    return out;
  }
  out.push(`${path || "."}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  return out;
}

/**
 * kaptest's mutate check: deep equality of the mutated and the expected object (nulls dropped on both sides, as
 * the typed objects kaptest compares cannot hold them; list order matters). `diff` lists differing paths.
 */
export function mutationMatches(mutated: KObject, expected: KObject): { equal: boolean; diff: string[] } {
  const a = stripNulls(mutated as unknown as JSONValue);
  const b = stripNulls(expected as unknown as JSONValue);
  const diff = diffJSON(a, b, "", []);
  return { equal: diff.length === 0, diff };
}

/** kaptest's expectObject preparation: the expected object takes the tested object's name unless disableNameOverwrite. */
export function kaptestExpected(expected: KObject, object: KObject, disableNameOverwrite = false): KObject {
  if (disableNameOverwrite) return expected;
  return { ...expected, metadata: { ...(expected.metadata ?? {}), name: object.metadata?.name ?? "" } };
}
