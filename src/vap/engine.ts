// The offline ValidatingAdmissionPolicy dispatcher: for a request and a cluster state (policies, bindings, params,
// namespaces, CRDs) it reproduces kube-apiserver 1.36's validating-policy plugin — matching, param resolution,
// matchConditions, lazy variables, validations with message/messageExpression, auditAnnotations, validationActions
// and failurePolicy — and returns one PolicyResult per (policy, binding, param) plus the overall Decision.
// Admission stages run in order; a MutatingAdmissionPolicy stage is meant to be inserted before the validating one.
//
// The per-request path is kept thin: what does not depend on the request is prepared once and kept while its source
// objects live (policy order and bindings per policy for a policies/bindings array pair — checked against the arrays
// on every call —, matchers per MatchResources object, compiled programs per policy object); the request's `request`,
// `namespaceObject` and `authorizer` values are built only when an expression reads them (activation.ts), and the
// request objects are converted once per admission (once per run with an ObjectCache).
import { authzBindings, type AuthzDecide, type AuthzUser } from "../cel/k8s/index.js";
import { fromJSON, type Value } from "../cel/values.js";
import { RequestValues, runActivation } from "./activation.js";
import { compilePolicy } from "./compilepolicy.js";
import { cachedKindRegistry, gvkString, splitApiVersion, type KindRegistry } from "./kinds.js";
import { cachedMatcher, selectorMatches, type MatchContext } from "./match.js";
import type { ObjectCache } from "./objects.js";
import type {
  AdmissionRequest,
  ApiError,
  Decision,
  FailurePolicy,
  KObject,
  ParamKind,
  ParamRef,
  PolicyResult,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidationAction,
  Verdict,
} from "./types.js";
import { validate, type ValidateOutcome } from "./validator.js";

export { LazyVariables } from "./variables.js";
export { ObjectCache } from "./objects.js";

/**
 * The authorizer's decision function. Default (no table given): members of system:masters are allowed everything
 * (as the superuser authorizer of a real cluster), everyone else gets NoOpinion (allowed() == false).
 */
export const defaultAuthorizer: AuthzDecide = (a) =>
  a.user.groups.includes("system:masters") ? { decision: "allow" } : { decision: "noopinion" };

export interface EvaluateInput {
  policies: readonly ValidatingAdmissionPolicy[];
  bindings: readonly ValidatingAdmissionPolicyBinding[];
  /** Objects that may serve as params (any kind). */
  params?: readonly KObject[];
  namespaces?: readonly KObject[];
  crds?: readonly KObject[];
  request: AdmissionRequest;
  /** Answers `authorizer` checks; default `defaultAuthorizer`. */
  authorizer?: AuthzDecide;
  /** Record every expression's own runtime cost in PolicyResult.expressionCosts. */
  expressionCosts?: boolean;
  /**
   * Converted objects (request objects, params) shared by the admissions of one run — the caller must not change
   * those objects while it uses the cache. Without it every admission converts its objects anew.
   */
  objects?: ObjectCache;
}

const VALIDATION_FAILURE_KEY = "validation.policy.admission.k8s.io/validation_failure";
const MAX_AUDIT_VALUE = 10 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Params (CollectParams)

export interface ParamScope {
  known: boolean;
  namespaced: boolean;
}

/** Whether the paramKind is known (built-in, CRD, or present among the inputs) and namespaced. */
export function paramScope(policy: { spec: { paramKind?: ParamKind } }, params: readonly KObject[], kinds: KindRegistry): ParamScope {
  const pk = policy.spec.paramKind!;
  const info = kinds.byKind(pk.apiVersion, pk.kind);
  if (info) return { known: true, namespaced: info.namespaced };
  const objs = params.filter((p) => sameKind(p, pk.apiVersion, pk.kind));
  if (objs.length) return { known: true, namespaced: objs.some((o) => !!o.metadata?.namespace) };
  return { known: false, namespaced: false };
}

function sameKind(o: KObject, apiVersion: string, kind: string): boolean {
  return o.kind === kind && splitApiVersion(o.apiVersion ?? "").group === splitApiVersion(apiVersion).group;
}

type ParamsOutcome = { params: (KObject | null)[] } | { error: string };

/** CollectParams of the generic admission dispatcher, shared by the validating and mutating engines. */
export function collectParams(
  policy: { spec: { paramKind?: ParamKind } },
  binding: { spec: { paramRef?: ParamRef } } | null,
  scope: ParamScope,
  allParams: readonly KObject[],
  requestNamespace: string,
): ParamsOutcome {
  const pk = policy.spec.paramKind;
  if (!pk) return { params: [null] };
  const ofKind = allParams.filter((p) => sameKind(p, pk.apiVersion, pk.kind)).sort(byNsName);
  if (!binding) return { params: ofKind.length ? ofKind : [null] }; // implicit binding: every param of the kind
  const ref = binding.spec.paramRef;
  if (!ref) return { params: [null] };
  let ns = "";
  if (scope.namespaced) {
    ns = ref.namespace || requestNamespace;
    if (!ns) return { error: "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources" };
  } else if (ref.namespace) {
    return { error: "paramRef.namespace must not be provided for a cluster-scoped `paramKind`" };
  }
  const inScope = ofKind.filter((p) => (scope.namespaced ? (p.metadata?.namespace ?? "") === ns : true));
  let found: KObject[];
  if (ref.name) {
    if (ref.selector) return { error: "paramRef.name and paramRef.selector are mutually exclusive" };
    found = inScope.filter((p) => p.metadata?.name === ref.name);
  } else if (ref.selector) {
    found = inScope.filter((p) => selectorMatches(ref.selector, p.metadata?.labels));
  } else {
    return { error: "one of name or selector must be provided" };
  }
  if (!found.length && ref.parameterNotFoundAction === "Deny") {
    return { error: "no params found for policy binding with `Deny` parameterNotFoundAction" };
  }
  return { params: found };
}

const byNsName = (a: KObject, b: KObject): number => {
  const ka = `${a.metadata?.namespace ?? ""}/${a.metadata?.name ?? ""}`;
  const kb = `${b.metadata?.namespace ?? ""}/${b.metadata?.name ?? ""}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const paramLabel = (p: KObject | null): string | null =>
  p ? (p.metadata?.namespace ? `${p.metadata.namespace}/${p.metadata.name ?? ""}` : (p.metadata?.name ?? "")) : null;

// ---------------------------------------------------------------------------------------------------------------
// Dispatcher (dispatcher.go)

interface Rejection {
  policy: string;
  binding: string | null;
  message: string;
  reason: string;
  evaluation: "deny" | "error";
}

interface StageOutput {
  results: PolicyResult[];
  rejections: Rejection[];
  warnings: string[];
}

/** The request as admission attributes: kind/resource are the ones the client sent (requestKind/requestResource when given). */
function attributes(req: AdmissionRequest): AdmissionRequest {
  const kind = req.requestKind ?? req.kind;
  const resource = req.requestResource ?? req.resource;
  const sub = req.requestSubResource ?? req.subResource;
  if (kind === req.kind && resource === req.resource && (!sub || sub === req.subResource)) return req; // already the client's kind/resource
  return {
    ...req,
    kind: req.requestKind ?? req.kind,
    resource: req.requestResource ?? req.resource,
    ...(req.requestSubResource ?? req.subResource ? { subResource: req.requestSubResource ?? req.subResource } : {}),
  };
}

/** Namespaces by name; a namespace the inputs lack exists with only its automatic name label (offline convenience). */
export function namespaceMap(input: { namespaces?: readonly KObject[] }, req: AdmissionRequest): Map<string, KObject> {
  const m = new Map<string, KObject>();
  for (const ns of input.namespaces ?? []) if (ns.metadata?.name) m.set(ns.metadata.name, ns);
  // Offline convenience: a namespace not among the inputs exists with only its automatic name label.
  const name = req.namespace;
  if (name && !m.has(name)) {
    m.set(name, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name } } });
  }
  return m;
}

/** `authorizer` and `authorizer.requestResource` for the request's user (NewAuthorizerVal / NewResourceAuthorizerVal). */
export function authorizerValues(input: { authorizer?: AuthzDecide }, req: AdmissionRequest): Record<string, Value> {
  const u = req.userInfo ?? {};
  const user: AuthzUser = {
    username: u.username ?? "",
    groups: u.groups ?? [],
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.extra ? { extra: u.extra } : {}),
  };
  return authzBindings(input.authorizer ?? defaultAuthorizer, user, {
    group: req.resource.group,
    version: req.resource.version,
    resource: req.resource.resource,
    subresource: req.subResource ?? "",
    namespace: req.namespace ?? "",
    name: req.name ?? "",
  });
}

const byName = <T extends KObject>(a: T, b: T): number => {
  const x = a.metadata?.name ?? "";
  const y = b.metadata?.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

// ---------------------------------------------------------------------------------------------------------------
// What a policies/bindings pair gives every request: policies by name, each with its explicit bindings by name

interface PolicyPlan {
  policy: ValidatingAdmissionPolicy;
  name: string;
  /** The explicit bindings by name, or the implicit binding (null) of a policy without any. */
  bindings: readonly (ValidatingAdmissionPolicyBinding | null)[];
}

interface StagePlan {
  bindingsArray: readonly ValidatingAdmissionPolicyBinding[];
  /** The arrays' contents when planned: every element with its name (and a binding's policyName). */
  policies: readonly ValidatingAdmissionPolicy[];
  policyNames: readonly string[];
  bindings: readonly ValidatingAdmissionPolicyBinding[];
  bindingKeys: readonly (readonly [string, unknown])[];
  plans: readonly PolicyPlan[];
}

const stagePlans = new WeakMap<readonly ValidatingAdmissionPolicy[], StagePlan>();

const bindingKey = (b: ValidatingAdmissionPolicyBinding): readonly [string, unknown] => [b.metadata?.name ?? "", b.spec?.policyName];

/** Whether a plan still describes the arrays (same elements, same names: changed arrays are planned anew). */
function planFits(p: StagePlan, policies: readonly ValidatingAdmissionPolicy[], bindings: readonly ValidatingAdmissionPolicyBinding[]): boolean {
  if (p.bindingsArray !== bindings || p.policies.length !== policies.length || p.bindings.length !== bindings.length) return false;
  for (let i = 0; i < policies.length; i++) {
    const x = policies[i]!;
    if (x !== p.policies[i] || (x.metadata?.name ?? "") !== p.policyNames[i]) return false;
  }
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i]!;
    const [name, policyName] = p.bindingKeys[i]!;
    if (b !== p.bindings[i] || (b.metadata?.name ?? "") !== name || b.spec?.policyName !== policyName) return false;
  }
  return true;
}

function stagePlan(policies: readonly ValidatingAdmissionPolicy[], bindings: readonly ValidatingAdmissionPolicyBinding[]): readonly PolicyPlan[] {
  const hit = stagePlans.get(policies);
  if (hit && planFits(hit, policies, bindings)) return hit.plans;
  const byPolicy = new Map<unknown, ValidatingAdmissionPolicyBinding[]>();
  for (const b of bindings) {
    const k = b.spec?.policyName;
    const list = byPolicy.get(k);
    if (list) list.push(b);
    else byPolicy.set(k, [b]);
  }
  const plans = [...policies].sort(byName).map((policy): PolicyPlan => {
    const name = policy.metadata?.name ?? "";
    const explicit = [...(byPolicy.get(name) ?? [])].sort(byName);
    return { policy, name, bindings: explicit.length ? explicit : [null] };
  });
  stagePlans.set(policies, {
    bindingsArray: bindings,
    policies: [...policies],
    policyNames: policies.map((p) => p.metadata?.name ?? ""),
    bindings: [...bindings],
    bindingKeys: bindings.map(bindingKey),
    plans,
  });
  return plans;
}

/** The match context of one request; the namespaces are indexed only when a selector needs their labels. */
class RequestMatchContext implements MatchContext {
  private indexed?: Map<string, KObject>;
  constructor(
    readonly kinds: KindRegistry,
    private readonly input: { namespaces?: readonly KObject[] },
    private readonly req: AdmissionRequest,
  ) {}
  get namespaces(): ReadonlyMap<string, KObject> {
    return (this.indexed ??= namespaceMap(this.input, this.req));
  }
}

const NO_PARAM: { params: (KObject | null)[] } = { params: [null] };
const NO_PARAM_SCOPE: ParamScope = { known: true, namespaced: false };
const IMPLICIT_ACTIONS: readonly ValidationAction[] = ["Deny"];
const NONE: readonly never[] = [];

function policyResult(policy: string, binding: ValidatingAdmissionPolicyBinding | null, p: KObject | null, verdict: Verdict): PolicyResult {
  return {
    policy,
    binding: binding ? (binding.metadata?.name ?? "") : null,
    params: paramLabel(p),
    verdict,
    messages: [],
    warnings: [],
    auditAnnotations: {},
    cost: 0,
  };
}

/** A policy or binding that cannot be evaluated: failurePolicy decides (Fail rejects, Ignore skips). */
function configurationError(
  out: StageOutput,
  policy: string,
  failurePolicy: FailurePolicy,
  binding: ValidatingAdmissionPolicyBinding | null,
  err: string,
): void {
  const message = binding ? `failed to configure binding: ${err}` : `failed to configure policy: ${err}`;
  const r = policyResult(policy, binding, null, failurePolicy === "Ignore" ? "skip" : "error");
  r.messages.push(message);
  if (failurePolicy === "Ignore") r.skipReason = "configurationError";
  else out.rejections.push({ policy, binding: r.binding, message, reason: "Invalid", evaluation: "error" });
  out.results.push(r);
}

function runValidatingStage(input: EvaluateInput): StageOutput {
  const req = attributes(input.request);
  const kinds = cachedKindRegistry(input.crds ?? []);
  const ctx = new RequestMatchContext(kinds, input, req);
  const params = input.params ?? NONE;
  const out: StageOutput = { results: [], rejections: [], warnings: [] };
  const values = new RequestValues(req, ctx, () => authorizerValues(input, req), input.objects);

  const plans = stagePlan(input.policies, input.bindings);
  for (let i = 0; i < plans.length; i++) {
    const { policy, name: pname, bindings } = plans[i]!;
    const failurePolicy: FailurePolicy = policy.spec?.failurePolicy === "Ignore" ? "Ignore" : "Fail";

    const pm = cachedMatcher(policy.spec?.matchConstraints)(req, ctx);
    if (!pm.matches) {
      if (pm.error) {
        configurationError(out, pname, failurePolicy, null, pm.error);
        continue;
      }
      for (const b of bindings) out.results.push({ ...policyResult(pname, b, null, "skip"), skipReason: "matchConstraints" });
      continue;
    }
    let scope: ParamScope = NO_PARAM_SCOPE;
    if (policy.spec.paramKind) {
      scope = paramScope(policy, params, kinds);
      if (!scope.known) {
        const pk = policy.spec.paramKind;
        const err = `failed to find resource referenced by paramKind: '${gvkString(pk.apiVersion, pk.kind)}'`;
        configurationError(out, pname, failurePolicy, null, err);
        continue;
      }
    }
    const cp = compilePolicy(policy);
    const matched = pm; // the kind/resource it matched as (request.kind / request.resource)

    for (let j = 0; j < bindings.length; j++) {
      const binding = bindings[j]!;
      if (binding) {
        const bm = cachedMatcher(binding.spec.matchResources)(req, ctx);
        if (!bm.matches) {
          if (bm.error) configurationError(out, pname, failurePolicy, binding, bm.error);
          else out.results.push({ ...policyResult(pname, binding, null, "skip"), skipReason: "matchResources" });
          continue;
        }
      }
      const collected = policy.spec.paramKind ? collectParams(policy, binding, scope, params, req.namespace ?? "") : NO_PARAM;
      if ("error" in collected) {
        configurationError(out, pname, failurePolicy, binding, collected.error);
        continue;
      }
      if (!collected.params.length) {
        out.results.push({ ...policyResult(pname, binding, null, "skip"), skipReason: "paramNotFound" });
        continue;
      }
      const actions: readonly ValidationAction[] = binding ? (binding.spec.validationActions ?? NONE) : IMPLICIT_ACTIONS;
      const bname = binding ? (binding.metadata?.name ?? "") : null;
      const ps = collected.params;
      for (let k = 0; k < ps.length; k++) {
        const p = ps[k]!;
        const paramsVal = cp.hasParams ? (p ? (input.objects ? input.objects.json(p) : fromJSON(p)) : null) : undefined;
        const costs = input.expressionCosts ? new Map<string, number>() : undefined;
        const vr = validate(cp, failurePolicy, runActivation(values, matched, paramsVal), costs);
        out.results.push(judged(out, vr, pname, binding, bname, p, actions, costs));
      }
    }
  }
  return out;
}

/** The result of one (policy, binding, param) from its validator outcome; its rejections and warnings go to `out`. */
function judged(
  out: StageOutput,
  vr: ValidateOutcome,
  pname: string,
  binding: ValidatingAdmissionPolicyBinding | null,
  bname: string | null,
  p: KObject | null,
  actions: readonly ValidationAction[],
  costs: Map<string, number> | undefined,
): PolicyResult {
  const r = policyResult(pname, binding, p, "admit");
  r.cost = vr.cost;
  if (costs) r.expressionCosts = Object.fromEntries(costs);
  const decisions = vr.decisions;
  if (!decisions) {
    r.verdict = "skip";
    r.skipReason = "matchConditions";
    return r;
  }
  let denied = false;
  let errored = false;
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!;
    if (d.action !== "deny") continue;
    r.messages.push(d.message);
    if (d.evaluation === "deny" && r.reason === undefined) r.reason = d.reason ?? "Invalid";
    for (let j = 0; j < actions.length; j++) {
      const action = actions[j]!;
      if (action === "Deny") {
        if (d.evaluation === "deny") denied = true;
        else errored = true;
        out.rejections.push({
          policy: pname,
          binding: bname,
          message: d.message,
          reason: d.reason ?? "Invalid",
          evaluation: d.evaluation === "deny" ? "deny" : "error",
        });
      } else if (action === "Warn") {
        const w = `Validation failed for ValidatingAdmissionPolicy '${pname}' with binding '${bname ?? ""}': ${d.message}`;
        r.warnings.push(w);
        out.warnings.push(w);
      } else if (action === "Audit" && r.auditAnnotations[VALIDATION_FAILURE_KEY] === undefined) {
        // attributes.AddAnnotation keeps the first value of a key
        r.auditAnnotations[VALIDATION_FAILURE_KEY] = JSON.stringify([
          { message: d.message, policy: pname, binding: bname ?? "", expressionIndex: d.index, validationActions: actions },
        ]);
      }
    }
  }
  for (const e of vr.auditErrors) {
    r.messages.push(e);
    errored = true;
    out.rejections.push({ policy: pname, binding: bname, message: e, reason: "Invalid", evaluation: "error" });
  }
  for (const { key, value } of vr.auditAnnotations) {
    const k = `${pname}/${key}`;
    const v = value.length > MAX_AUDIT_VALUE ? value.slice(0, MAX_AUDIT_VALUE) : value;
    const prev = r.auditAnnotations[k];
    if (prev === undefined) r.auditAnnotations[k] = v;
    else if (!prev.split(", ").includes(v)) r.auditAnnotations[k] = `${prev}, ${v}`;
  }
  r.verdict = denied ? "deny" : errored ? "error" : "admit";
  return r;
}

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** admission.NewForbidden(a, err): `<resource>.<group> "<name>" is forbidden: <err>`. */
function forbidden(req: AdmissionRequest, message: string): string {
  const gr = req.resource.group ? `${req.resource.resource}.${req.resource.group}` : req.resource.resource;
  const name = req.name || req.object?.metadata?.name || req.oldObject?.metadata?.name || "";
  if (!gr) return `forbidden: ${message}`;
  return name ? `${gr} "${name}" is forbidden: ${message}` : `${gr} is forbidden: ${message}`;
}

/**
 * Evaluate a request against the given policies and cluster state, as the 1.36 ValidatingAdmissionPolicy plugin
 * would. Policies are visited by name; each policy × matching binding × param gives one result.
 */
export function evaluate(input: EvaluateInput): Decision {
  // Stage order of the apiserver: mutating admission first (MutatingAdmissionPolicies rewrite request.object, then
  // are re-invoked per reinvocationPolicy), then validating admission on the final object. A MAP stage plugs in
  // here as `request = runMutatingStage(input).request` before the validating stage; only validating exists so far.
  const stage = runValidatingStage(input);
  const anyDeny = stage.rejections.some((r) => r.evaluation === "deny");
  const verdict: Verdict = anyDeny
    ? "deny"
    : stage.rejections.length
      ? "error"
      : stage.results.some((r) => r.verdict !== "skip")
        ? "admit"
        : "skip";
  let apiError: ApiError | null = null;
  const first = stage.rejections[0];
  if (first) {
    const who = first.binding !== null
      ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.message}`
      : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.message}`;
    const reason = first.reason || "Invalid";
    apiError = { message: forbidden(attributes(input.request), who), code: REASON_CODES[reason] ?? 422, reason };
  }
  return {
    verdict,
    results: stage.results,
    messages: stage.rejections.map((r) => r.message),
    warnings: stage.warnings,
    apiError,
    cost: stage.results.reduce((sum, r) => sum + r.cost, 0),
  };
}

/** The `-o json` output contract of the CLI, plus the total runtime CEL cost. */
export function decisionToJSON(d: Decision): {
  verdict: Verdict;
  results: PolicyResult[];
  cost: number;
} {
  return { verdict: d.verdict, results: d.results, cost: d.cost };
}

