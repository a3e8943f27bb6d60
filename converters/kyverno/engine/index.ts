// The Kyverno source engine: a ClusterPolicy/Policy evaluated on one resource the way Kyverno's engine (and
// `kyverno test`) does — autogen rules for the resource's kind, match/exclude, values-file variables and context
// entries, preconditions (false → skip), then the rule's handler: podSecurity > cel > deny > pattern/anyPattern >
// foreach. Returns one response per applicable validate rule (pass / fail / skip / error); a rule that does not
// match, or a foreach that processed no element, gives no response. Enforce + UPDATE + allowExistingViolations
// skips a rule the old object already failed.
import { evaluate as evaluateVap } from "../../../src/vap/engine.js";
import { requestForObject } from "../../../src/vap/load.js";
import type { KObject, ValidatingAdmissionPolicy } from "../../../src/vap/types.js";
import type { ClusterPolicy, Conditions, ContextEntry, ForEach, JsonValue, KyvernoRule } from "../model.js";
import { rulesForKind } from "./autogen.js";
import { evaluate as jmesEvaluate } from "./jmespath.js";
import { ruleApplies, type RequestInfo as MatchInfo } from "./match.js";
import { evaluateConditionBlock } from "./operators.js";
import { combineAnyPattern, matchPattern, type JsonObject, type PatternResult } from "./pattern.js";
import { evaluateKyvernoPodSecurity } from "./podsecurity/index.js";
import {
  createContext,
  evaluateList,
  isUnknownKeyError,
  query,
  substitute,
  withContextEntry,
  withElement,
  withOperation,
  withVariable,
  type RequestInfo as UserRequestInfo,
  type VariableContext,
} from "./variables.js";

export type RuleStatus = "pass" | "fail" | "skip" | "error";

export interface RuleResponse {
  rule: string;
  status: RuleStatus;
  message: string;
}

export interface EngineRequest {
  resource: JsonObject;
  oldResource?: JsonObject | null;
  /** CREATE (default), UPDATE, DELETE, CONNECT. */
  operation?: string;
  /** Who made the request; omitted for `kyverno test` without a userinfo file. */
  userInfo?: UserRequestInfo;
  /** Labels of the resource's namespace (namespaceSelector). */
  namespaceLabels?: Record<string, string>;
  /** Values-file variables: global, then this resource's, then the rule's (by rule name). */
  values?: { global?: Record<string, JsonValue>; resource?: Record<string, JsonValue>; rules?: Record<string, Record<string, JsonValue>> };
}

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const respond = (rule: string, status: RuleStatus, message: string): RuleResponse => ({ rule, status, message });

interface Evaluation {
  policy: ClusterPolicy;
  rule: KyvernoRule;
  req: EngineRequest;
  operation: string;
}

/** Every validate rule's response for the resource (in rule order). */
export function evaluatePolicy(policy: ClusterPolicy, req: EngineRequest): RuleResponse[] {
  const operation = req.operation ?? "CREATE";
  const resource = (operation === "DELETE" ? req.oldResource ?? req.resource : req.resource) as KObject;
  const info: MatchInfo = {
    operation,
    ...(req.userInfo?.userInfo?.username ? { username: req.userInfo.userInfo.username } : {}),
    ...(req.userInfo?.userInfo?.groups ? { groups: req.userInfo.userInfo.groups } : {}),
    ...(req.userInfo?.roles ? { roles: req.userInfo.roles } : {}),
    ...(req.userInfo?.clusterRoles ? { clusterRoles: req.userInfo.clusterRoles } : {}),
    ...(req.namespaceLabels ? { namespaceLabels: req.namespaceLabels } : {}),
  };
  const out: RuleResponse[] = [];
  for (const rule of rulesForKind(policy, resource.kind ?? "")) {
    if (!rule.validate) continue;
    if (!ruleApplies(rule.match, rule.exclude, resource, info, policy.kind === "Policy" ? policy.namespace ?? "" : undefined)) continue;
    const r = evaluateRule({ policy, rule, req, operation });
    if (r) out.push(r);
    if (r && policy.applyRules === "One" && r.status !== "skip") break;
  }
  return out;
}

function evaluateRule(ev: Evaluation): RuleResponse | undefined {
  const r = validateRule(ev, ev.req.resource, ev.req.oldResource ?? null, ev.operation);
  const action = ev.rule.validate?.failureAction ?? ev.policy.validationFailureAction;
  const allowExisting = ev.rule.validate?.allowExistingViolations ?? true;
  if (r?.status === "fail" && action === "Enforce" && ev.operation === "UPDATE" && allowExisting && ev.req.oldResource) {
    // the old object, as if it were created: if it already failed, the violation is pre-existing
    const prior = validateRule(ev, ev.req.oldResource, null, "CREATE");
    if (prior?.status === "fail") return respond(ev.rule.name, "skip", "skipping the rule evaluation as pre-existing violations are allowed");
  }
  return r;
}

/** The rule's JSON context: request, values-file variables, then its context entries. */
function ruleContext(ev: Evaluation, object: JsonObject, oldObject: JsonObject | null, operation: string): VariableContext {
  const ns = typeof (object.metadata as JsonObject | undefined)?.namespace === "string" ? ((object.metadata as JsonObject).namespace as string) : "";
  let ctx = createContext({ object, oldObject, operation, namespace: ns, ...(ev.req.userInfo ? { userInfo: ev.req.userInfo } : {}) });
  const vals = ev.req.values;
  for (const layer of [vals?.global, vals?.resource, vals?.rules?.[ev.rule.name]]) for (const [k, v] of Object.entries(layer ?? {})) ctx = withVariable(ctx, k, v);
  // re-validating the old object of an UPDATE sets the operation after the values were added (SetOperation)
  return operation !== ev.operation ? withOperation(ctx, operation) : ctx;
}

/** Context entries a local run can load (variables); others are left to values-file mocks. */
function loadContext(ctx: VariableContext, entries: readonly ContextEntry[]): VariableContext {
  let cur = ctx;
  for (const e of entries) {
    if (e.kind !== "variable") continue;
    const spec = (e.spec ?? {}) as { value?: JsonValue; jmesPath?: string; default?: JsonValue };
    const path = spec.jmesPath !== undefined ? substitute(spec.jmesPath, cur) : "";
    if (typeof path !== "string") throw new Error(`jmespath value must be a string ${e.name}`);
    const def = spec.default !== undefined ? substitute(spec.default, cur) : null;
    let output: JsonValue = def;
    if (spec.value !== undefined) {
      const variable = substitute(spec.value, cur);
      if (path) {
        try {
          output = jmesEvaluate(path, variable);
        } catch (err) {
          if (def === null) throw new Error(`failed to apply jmespath ${path} to variable: ${errMsg(err)}`);
        }
      } else output = variable;
    } else if (path) {
      try {
        const v = query(cur, path);
        if (v !== null) output = v;
      } catch (err) {
        if (def === null) throw new Error(`failed to apply jmespath ${path} to variable: ${errMsg(err)}`);
      }
    }
    if (output === null) throw new Error(`failed to add context entry for variable ${e.name} since it evaluated to nil`);
    cur = withContextEntry(cur, e.name, output);
  }
  return cur;
}

function preconditions(ctx: VariableContext, block: Conditions | undefined): { ok: boolean; message: string } {
  const r = evaluateConditionBlock(block ?? null, { substitute: (v) => substitute(v, ctx) });
  return { ok: r.value, message: r.message };
}

function validateRule(ev: Evaluation, object: JsonObject, oldObject: JsonObject | null, operation: string): RuleResponse | undefined {
  const { rule } = ev;
  const v = rule.validate!;
  const name = rule.name;
  let ctx: VariableContext;
  try {
    ctx = loadContext(ruleContext(ev, object, oldObject, operation), rule.context);
  } catch (e) {
    return respond(name, "error", `failed to load context: ${errMsg(e)}`);
  }
  let pre: { ok: boolean; message: string };
  try {
    pre = preconditions(ctx, rule.preconditions);
  } catch (e) {
    return respond(name, "error", `failed to evaluate preconditions: ${errMsg(e)}`);
  }
  if (!pre.ok) return respond(name, "skip", ["preconditions not met", pre.message].filter(Boolean).join("; "));
  if (v.podSecurity) {
    const r = evaluateKyvernoPodSecurity(object, { name, validate: { podSecurity: v.podSecurity } });
    return respond(name, r.status, r.message);
  }
  if (v.cel) return celRule(ev, object, oldObject, operation);
  return validateBlock(name, v, ctx, object, operation, 0);
}

interface Block {
  message?: string;
  pattern?: JsonValue;
  anyPattern?: JsonValue[];
  deny?: { conditions?: Conditions };
  foreach?: ForEach[];
}

/** deny > pattern/anyPattern > foreach, on the resource or (inside foreach with a map element) the element. */
function validateBlock(name: string, b: Block, ctx: VariableContext, target: JsonObject, operation: string, nesting: number): RuleResponse | undefined {
  if (b.deny) {
    let r: { value: boolean; message: string };
    try {
      r = evaluateConditionBlock(b.deny.conditions ?? null, { substitute: (x) => substitute(x, ctx) });
    } catch (e) {
      return respond(name, "error", `failed to check deny conditions: ${errMsg(e)}`);
    }
    if (!r.value) return respond(name, "pass", `validation rule '${name}' passed.`);
    return respond(name, "fail", denyMessage(name, b.message, r.message, ctx));
  }
  if (b.pattern !== undefined || b.anyPattern) {
    if (operation === "DELETE" && nesting === 0) return undefined;
    let pattern: JsonValue | undefined;
    let anyPattern: JsonValue[] | undefined;
    try {
      if (b.pattern !== undefined) pattern = substitute(b.pattern, ctx);
      else anyPattern = substitute(b.anyPattern!, ctx) as JsonValue[];
    } catch (e) {
      return respond(name, "error", `variable substitution failed: ${errMsg(e)}`);
    }
    const res: PatternResult = pattern !== undefined ? matchPattern(target, pattern) : combineAnyPattern(anyPattern!.map((p) => matchPattern(target, p)), name);
    return respond(name, res.status, patternMessage(name, b.message, res, ctx));
  }
  if (b.foreach) return validateForEach(name, b.foreach, ctx, operation, nesting);
  return undefined;
}

function denyMessage(name: string, message: string | undefined, condMsg: string, ctx: VariableContext): string {
  if (!message && !condMsg) return `validation error: rule ${name} failed`;
  const s = [message ?? "", condMsg].filter(Boolean).join("; ");
  try {
    const m = substitute(s, ctx);
    return typeof m === "string" ? m : "the produced message didn't resolve to a string, check your policy definition.";
  } catch {
    return condMsg;
  }
}

function patternMessage(name: string, message: string | undefined, r: PatternResult, ctx: VariableContext): string {
  if (r.status === "pass") return `validation rule '${name}' passed.`;
  if (!message) return r.message ?? `validation error: rule ${name} failed`;
  try {
    const m = substitute(message, ctx);
    const text = typeof m === "string" ? (m.endsWith(".") ? m : `${m}.`) : String(m);
    return r.path ? `validation error: ${text} rule ${name} failed at path ${r.path}` : `validation error: ${text} ${r.message ?? ""}`.trim();
  } catch {
    return r.message ?? `validation error: rule ${name} failed`;
  }
}

function validateForEach(name: string, list: readonly ForEach[], ctx: VariableContext, operation: string, nesting: number): RuleResponse | undefined {
  let applied = 0;
  let listError: string | undefined;
  for (const fe of list) {
    let elements: JsonValue[];
    try {
      elements = evaluateList(ctx, fe.list);
    } catch (e) {
      if (isUnknownKeyError(e) || /Unknown key/.test(errMsg(e))) continue;
      listError = errMsg(e);
      continue;
    }
    const { response, count } = validateElements(name, fe, elements, ctx, operation, nesting);
    if (response.status !== "pass") return response;
    applied += count;
  }
  if (applied === 0) return listError !== undefined ? respond(name, "error", `failed to evaluate list: ${listError}`) : undefined;
  return respond(name, "pass", "rule passed");
}

function validateElements(name: string, fe: ForEach, elements: JsonValue[], ctx: VariableContext, operation: string, nesting: number): { response: RuleResponse; count: number } {
  let count = 0;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i]!;
    if (el === null) continue;
    const isMap = typeof el === "object" && !Array.isArray(el);
    if (fe.elementScope === true && !isMap) return { response: respond(name, "error", "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps"), count };
    const scoped = fe.elementScope ?? isMap;
    let ectx = withElement(ctx, el, i, nesting);
    let r: RuleResponse | undefined;
    try {
      ectx = loadContext(ectx, fe.context);
      const pre = preconditions(ectx, fe.preconditions);
      if (!pre.ok) r = respond(name, "skip", "preconditions not met");
    } catch (e) {
      r = respond(name, "error", `failed to evaluate preconditions: ${errMsg(e)}`);
    }
    if (!r) {
      const target = scoped ? (el as JsonObject) : (query(ctx, "request.object") as JsonObject);
      r = validateBlock(name, { ...(fe.pattern !== undefined ? { pattern: fe.pattern } : {}), ...(fe.anyPattern ? { anyPattern: fe.anyPattern } : {}), ...(fe.deny ? { deny: fe.deny } : {}), ...(fe.foreach ? { foreach: fe.foreach } : {}) }, ectx, target, operation, nesting + 1);
    }
    if (!r || r.status === "skip") continue;
    if (r.status !== "pass") {
      if (r.status === "error" && r.message.includes("failed to evaluate preconditions")) continue;
      return { response: respond(name, r.status, `validation failure: ${r.message}`), count };
    }
    count++;
  }
  return { response: respond(name, "pass", ""), count };
}

/** validate.cel: the upstream VAP validator with celPreconditions as matchConditions (false → skip). */
function celRule(ev: Evaluation, object: JsonObject, oldObject: JsonObject | null, operation: string): RuleResponse {
  const { rule } = ev;
  const cel = rule.validate!.cel!;
  const name = rule.name;
  if (cel.paramKind) return respond(name, "error", "validate.cel with paramKind: params are not supported by this engine");
  const policy = celPolicyOf(ev.policy.name, rule);
  const request = requestForObject(object as KObject, { operation: operation as "CREATE", ...(oldObject ? { oldObject: oldObject as KObject } : {}) });
  const d = evaluateVap({ policies: [policy], bindings: [], request });
  const res = d.results[0];
  if (!res || res.verdict === "skip") return respond(name, "skip", "cel preconditions not met");
  if (res.verdict === "admit") return respond(name, "pass", `validation rule '${name}' passed.`);
  // an evaluation error is a denial of the validator (failurePolicy Fail): Kyverno reports the rule as failed
  return respond(name, "fail", res.messages.join("; "));
}

/** One VAP per validate.cel rule, kept per rule object so its compiled programs are reused across resources. */
const celPolicies = new WeakMap<KyvernoRule, ValidatingAdmissionPolicy>();

function celPolicyOf(policyName: string, rule: KyvernoRule): ValidatingAdmissionPolicy {
  const hit = celPolicies.get(rule);
  if (hit) return hit;
  const cel = rule.validate!.cel!;
  const name = rule.name;
  const policy: ValidatingAdmissionPolicy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: `${policyName}-${name}` },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*/*"] }] },
      ...(rule.celPreconditions.length ? { matchConditions: rule.celPreconditions.map((c) => ({ name: c.name, expression: c.expression })) } : {}),
      ...(cel.variables.length ? { variables: cel.variables } : {}),
      validations: cel.expressions.map((x) => ({ ...x })),
      ...(cel.auditAnnotations.length ? { auditAnnotations: cel.auditAnnotations } : {}),
    } as ValidatingAdmissionPolicy["spec"],
  };
  celPolicies.set(rule, policy);
  return policy;
}
