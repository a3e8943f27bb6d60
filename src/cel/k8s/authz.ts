// Kubernetes authorizer library (apiserver pkg/cel/library/authz.go): Authz (env 1.27) — authorizer.path(p),
// .group(g).resource(r).subresource(s).namespace(ns).name(n).check(verb) → Decision (.allowed/.reason/.errored/
// .error), authorizer.serviceAccount(ns, name), `authorizer.requestResource`; AuthzSelectors (env 1.31) —
// ResourceCheck.fieldSelector / labelSelector. The engine builds the `authorizer` value with makeAuthorizer from a
// decision function; parseAuthzTable + authzTableDecider load the `--authz FILE` table:
//
//   # YAML list of ALLOWED checks; every field optional except verb; absent or "*" matches anything.
//   - user: alice                       # username (service accounts: system:serviceaccount:<ns>:<name>)
//     group: system:masters             # the user must be a member of this group
//     verb: create                      # API verb (resource checks) or HTTP verb (path checks)
//     apiGroup: apps                    # "" is the core group
//     resource: deployments
//     subresource: status
//     namespace: default
//     name: backend
//     path: /healthz                    # non-resource check; a rule with path matches only path checks
//     reason: "allowed by table"        # optional reason reported by .reason()
//
// Everything not listed is not allowed (NoOpinion, as RBAC reports it: allowed() == false, reason "").
// A top-level mapping `{rules: [...]}` is accepted as well.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, Opaque, type Value } from "../values.js";
import { KT, TypeNames, asOpaque, asString, member } from "./common.js";
import { isDNS1123Label, isDNS1123Subdomain } from "./format.js";

export interface AuthzUser {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The authorizer.AttributesRecord a check produces. */
export interface AuthzAttributes {
  user: AuthzUser;
  verb: string;
  /** true for group/resource checks, false for path checks. */
  resourceRequest: boolean;
  group: string;
  /** Always "*" for CEL resource checks. */
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  /** Raw selector strings (AuthzSelectors); parse errors never fail the check. */
  fieldSelector?: string;
  labelSelector?: string;
}

export interface AuthzDecision {
  decision: "allow" | "deny" | "noopinion";
  reason?: string;
  error?: string;
}

export type AuthzDecide = (attrs: AuthzAttributes) => AuthzDecision;

export interface RequestResource {
  group: string;
  version?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Object values of this library are "receiver only": equal only to themselves. */
abstract class ReceiverOnly extends Opaque {
  equals(other: Opaque): boolean {
    return other === this;
  }
}

export class AuthorizerValue extends ReceiverOnly {
  readonly typeName = TypeNames.authorizer;
  constructor(
    readonly user: AuthzUser,
    readonly decide: AuthzDecide,
  ) {
    super();
  }
}

export class PathCheckValue extends ReceiverOnly {
  readonly typeName = TypeNames.pathCheck;
  constructor(
    readonly authorizer: AuthorizerValue,
    readonly path: string,
  ) {
    super();
  }
}

export class GroupCheckValue extends ReceiverOnly {
  readonly typeName = TypeNames.groupCheck;
  constructor(
    readonly authorizer: AuthorizerValue,
    readonly group: string,
  ) {
    super();
  }
}

export interface ResourceCheckFields {
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  fieldSelector: string;
  labelSelector: string;
}

export class ResourceCheckValue extends ReceiverOnly {
  readonly typeName = TypeNames.resourceCheck;
  constructor(
    readonly groupCheck: GroupCheckValue,
    readonly f: ResourceCheckFields,
  ) {
    super();
  }
  with(patch: Partial<ResourceCheckFields>): ResourceCheckValue {
    return new ResourceCheckValue(this.groupCheck, { ...this.f, ...patch });
  }
}

export class DecisionValue extends ReceiverOnly {
  readonly typeName = TypeNames.decision;
  constructor(readonly d: AuthzDecision) {
    super();
  }
}

/** Create the `authorizer` variable value for a request's user. */
export function makeAuthorizer(decide: AuthzDecide, user: AuthzUser, requestResource?: RequestResource): Value {
  const a = new AuthorizerValue(user, decide);
  if (requestResource) requestResourceOf.set(a, requestCheck(a, requestResource));
  return a;
}

const requestResourceOf = new WeakMap<AuthorizerValue, ResourceCheckValue>();

/** `authorizer.requestResource`: a ResourceCheck pre-filled from the request (NewResourceAuthorizerVal). */
export function makeRequestResourceCheck(authorizer: Value, rr: RequestResource): Value {
  return requestCheck(asOpaque(authorizer, AuthorizerValue), rr);
}

function requestCheck(a: AuthorizerValue, rr: RequestResource): ResourceCheckValue {
  return new ResourceCheckValue(new GroupCheckValue(a, rr.group), {
    resource: rr.resource,
    subresource: rr.subresource ?? "",
    namespace: rr.namespace ?? "",
    name: rr.name ?? "",
    fieldSelector: "",
    labelSelector: "",
  });
}

/** The `authorizer.requestResource` value recorded by makeAuthorizer (undefined when none was given). */
export function requestResourceFor(authorizer: Value): Value | undefined {
  return authorizer instanceof AuthorizerValue ? requestResourceOf.get(authorizer) : undefined;
}

/** Variable bindings `authorizer` and `authorizer.requestResource` for an activation. */
export function authzBindings(decide: AuthzDecide, user: AuthzUser, requestResource?: RequestResource): Record<string, Value> {
  const a = makeAuthorizer(decide, user, requestResource);
  const out: Record<string, Value> = { authorizer: a };
  const rr = requestResourceFor(a);
  if (rr) out["authorizer.requestResource"] = rr;
  return out;
}

/** serviceaccount.ServiceAccountInfo.UserInfo(). */
export function serviceAccountUser(namespace: string, name: string): AuthzUser {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`],
  };
}

function authorize(a: AuthorizerValue, attrs: Omit<AuthzAttributes, "user">): DecisionValue {
  const d = a.decide({ ...attrs, user: a.user });
  return new DecisionValue(d);
}

const blank = { resourceRequest: false, group: "", version: "", resource: "", subresource: "", namespace: "", name: "", path: "" };

function path(a: Value, p: Value): Value {
  const az = asOpaque(a, AuthorizerValue);
  const s = asString(p);
  if (s.trim().length === 0) throw new CelError("path must not be empty");
  return new PathCheckValue(az, s);
}

function serviceAccount(a: Value, ns: Value, n: Value): Value {
  const az = asOpaque(a, AuthorizerValue);
  const namespace = asString(ns);
  const name = asString(n);
  if (isDNS1123Subdomain(name).length > 0) throw new CelError("Invalid service account name");
  if (isDNS1123Label(namespace).length > 0) throw new CelError("Invalid service account namespace");
  return new AuthorizerValue(serviceAccountUser(namespace, name), az.decide);
}

function resource(g: Value, r: Value): Value {
  const gc = asOpaque(g, GroupCheckValue);
  const s = asString(r);
  if (s.trim().length === 0) throw new CelError("resource must not be empty");
  return new ResourceCheckValue(gc, { resource: s, subresource: "", namespace: "", name: "", fieldSelector: "", labelSelector: "" });
}

const setField =
  (k: keyof ResourceCheckFields) =>
  (rc: Value, v: Value): Value =>
    asOpaque(rc, ResourceCheckValue).with({ [k]: asString(v) });

function resourceCheck(rc: Value, verb: Value): Value {
  const r = asOpaque(rc, ResourceCheckValue);
  const attrs: Omit<AuthzAttributes, "user"> = {
    ...blank,
    resourceRequest: true,
    verb: asString(verb),
    group: r.groupCheck.group,
    version: "*",
    resource: r.f.resource,
    subresource: r.f.subresource,
    namespace: r.f.namespace,
    name: r.f.name,
  };
  if (r.f.fieldSelector) attrs.fieldSelector = r.f.fieldSelector;
  if (r.f.labelSelector) attrs.labelSelector = r.f.labelSelector;
  return authorize(r.groupCheck.authorizer, attrs);
}

function pathCheck(pc: Value, verb: Value): Value {
  const p = asOpaque(pc, PathCheckValue);
  return authorize(p.authorizer, { ...blank, verb: asString(verb), path: p.path });
}

const D = (v: Value): AuthzDecision => asOpaque(v, DecisionValue).d;

export const authzLibrary: Library = {
  name: "kubernetes.authz",
  since: "1.27",
  overloads: [
    member("authorizer_path", "path", [KT.authorizer, T.string], KT.pathCheck, path),
    member("authorizer_group", "group", [KT.authorizer, T.string], KT.groupCheck, (a, g) => new GroupCheckValue(asOpaque(a, AuthorizerValue), asString(g))),
    member("authorizer_serviceaccount", "serviceAccount", [KT.authorizer, T.string, T.string], KT.authorizer, serviceAccount),
    member("groupcheck_resource", "resource", [KT.groupCheck, T.string], KT.resourceCheck, resource),
    member("resourcecheck_subresource", "subresource", [KT.resourceCheck, T.string], KT.resourceCheck, setField("subresource")),
    member("resourcecheck_namespace", "namespace", [KT.resourceCheck, T.string], KT.resourceCheck, setField("namespace")),
    member("resourcecheck_name", "name", [KT.resourceCheck, T.string], KT.resourceCheck, setField("name")),
    member("pathcheck_check", "check", [KT.pathCheck, T.string], KT.decision, pathCheck),
    member("resourcecheck_check", "check", [KT.resourceCheck, T.string], KT.decision, resourceCheck),
    member("decision_errored", "errored", [KT.decision], T.bool, (d) => D(d).error !== undefined),
    member("decision_error", "error", [KT.decision], T.string, (d) => D(d).error ?? ""),
    member("decision_allowed", "allowed", [KT.decision], T.bool, (d) => D(d).decision === "allow"),
    member("decision_reason", "reason", [KT.decision], T.string, (d) => D(d).reason ?? ""),
  ],
};

export const authzSelectorsLibrary: Library = {
  name: "kubernetes.authzSelectors",
  since: "1.31",
  overloads: [
    member("authorizer_fieldselector", "fieldSelector", [KT.resourceCheck, T.string], KT.resourceCheck, setField("fieldSelector")),
    member("authorizer_labelselector", "labelSelector", [KT.resourceCheck, T.string], KT.resourceCheck, setField("labelSelector")),
  ],
};

/** One allowed check of the `--authz` table. Absent fields match anything. */
export interface AuthzRule {
  user?: string;
  group?: string;
  verb: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
  reason?: string;
}

const RULE_KEYS = ["user", "group", "verb", "apiGroup", "resource", "subresource", "namespace", "name", "path", "reason"] as const;

/** Validate a parsed YAML/JSON document as an authorization table. Throws Error naming the bad entry. */
export function parseAuthzTable(doc: unknown): AuthzRule[] {
  let list = doc;
  if (list !== null && typeof list === "object" && !Array.isArray(list) && "rules" in list) list = (list as { rules: unknown }).rules;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new Error("authz table: expected a list of rules");
  return list.map((e: unknown, i) => {
    if (e === null || typeof e !== "object" || Array.isArray(e)) throw new Error(`authz table: rule ${i} is not a mapping`);
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!(RULE_KEYS as readonly string[]).includes(k)) throw new Error(`authz table: rule ${i}: unknown field ${JSON.stringify(k)}`);
    }
    const rule: Partial<AuthzRule> = {};
    for (const k of RULE_KEYS) {
      const v = o[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") throw new Error(`authz table: rule ${i}: field ${k} must be a string`);
      rule[k] = v;
    }
    if (rule.verb === undefined) throw new Error(`authz table: rule ${i}: verb is required`);
    return rule as AuthzRule;
  });
}

const matches = (pattern: string | undefined, v: string): boolean => pattern === undefined || pattern === "*" || pattern === v;

export function ruleMatches(r: AuthzRule, a: AuthzAttributes): boolean {
  if (!matches(r.user, a.user.username)) return false;
  if (r.group !== undefined && r.group !== "*" && !a.user.groups.includes(r.group)) return false;
  if (!matches(r.verb, a.verb)) return false;
  if (!a.resourceRequest) return r.path !== undefined && matches(r.path, a.path);
  if (r.path !== undefined) return false;
  return (
    matches(r.apiGroup, a.group) &&
    matches(r.resource, a.resource) &&
    matches(r.subresource, a.subresource) &&
    matches(r.namespace, a.namespace) &&
    matches(r.name, a.name)
  );
}

/** Decision function over an authz table: first matching rule allows; otherwise NoOpinion (not allowed). */
export function authzTableDecider(rules: readonly AuthzRule[]): AuthzDecide {
  return (a) => {
    const r = rules.find((x) => ruleMatches(x, a));
    return r ? { decision: "allow", reason: r.reason ?? "" } : { decision: "noopinion", reason: "" };
  };
}
