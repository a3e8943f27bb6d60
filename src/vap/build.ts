// Builders for admissionregistration objects from IR pieces: ValidatingAdmissionPolicy (+Binding) and
// MutatingAdmissionPolicy (+Binding), and the lowering of IR mutations to MAP JSONPatch CEL expressions.
// Plain JSON objects with a fixed key order (deterministic YAML/JSON output). No evaluation here.
import { accessText, celLiteral, celString, emitPredicate, guards } from "../cel/emit/index.js";
import type { Json, MatchScope, Mutation, Path, Segment } from "../ir/model.js";

export type ValidationAction = "Deny" | "Warn" | "Audit";

export interface NamedExpr {
  name: string;
  expression: string;
}

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: "Unauthorized" | "Forbidden" | "Invalid" | "RequestEntityTooLarge";
}

/** matchConstraints / matchResources from an IR match scope. */
export function matchResources(scope: MatchScope): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  if (scope.namespaceSelector !== undefined) out.namespaceSelector = scope.namespaceSelector;
  if (scope.objectSelector !== undefined) out.objectSelector = scope.objectSelector;
  out.resourceRules = scope.resources.map((r) => ({
    apiGroups: [...r.apiGroups],
    apiVersions: [...r.apiVersions],
    operations: [...scope.operations],
    resources: [...r.resources],
  }));
  return out;
}

export interface VapSpec {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  match: MatchScope;
  failurePolicy?: "Fail" | "Ignore";
  matchConditions?: NamedExpr[];
  variables?: NamedExpr[];
  validations: Validation[];
  paramKind?: { apiVersion: string; kind: string };
}

function meta(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): { [k: string]: Json } {
  const m: { [k: string]: Json } = { name };
  if (labels && Object.keys(labels).length) m.labels = labels;
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return m;
}

export function buildVap(v: VapSpec): { [k: string]: Json } {
  const spec: { [k: string]: Json } = { failurePolicy: v.failurePolicy ?? "Fail" };
  if (v.paramKind) spec.paramKind = v.paramKind;
  spec.matchConstraints = matchResources(v.match);
  if (v.matchConditions?.length) spec.matchConditions = v.matchConditions.map((m) => ({ name: m.name, expression: m.expression }));
  if (v.variables?.length) spec.variables = v.variables.map((m) => ({ name: m.name, expression: m.expression }));
  spec.validations = v.validations.map((x) => {
    const o: { [k: string]: Json } = { expression: x.expression };
    if (x.message !== undefined) o.message = x.message;
    if (x.messageExpression !== undefined) o.messageExpression = x.messageExpression;
    if (x.reason !== undefined) o.reason = x.reason;
    return o;
  });
  return { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: meta(v.name, v.labels, v.annotations), spec };
}

export function buildVapBinding(b: { name: string; policyName: string; actions: ValidationAction[]; labels?: Record<string, string>; match?: MatchScope }): { [k: string]: Json } {
  if (b.actions.includes("Deny") && b.actions.includes("Warn")) throw new Error("validationActions Deny and Warn cannot be combined");
  const spec: { [k: string]: Json } = { policyName: b.policyName, validationActions: [...new Set(b.actions)].sort() };
  if (b.match) spec.matchResources = matchResources(b.match);
  return { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: meta(b.name, b.labels), spec };
}

export type MapApiVersion = "admissionregistration.k8s.io/v1" | "admissionregistration.k8s.io/v1beta1" | "admissionregistration.k8s.io/v1alpha1";

export interface MapSpec {
  name: string;
  apiVersion: MapApiVersion;
  labels?: Record<string, string>;
  match: MatchScope;
  failurePolicy?: "Fail" | "Ignore";
  matchConditions?: NamedExpr[];
  variables?: NamedExpr[];
  mutations: { patchType: "JSONPatch" | "ApplyConfiguration"; expression: string }[];
  reinvocationPolicy?: "Never" | "IfNeeded";
}

export function buildMap(m: MapSpec): { [k: string]: Json } {
  const spec: { [k: string]: Json } = { failurePolicy: m.failurePolicy ?? "Fail" };
  spec.matchConstraints = matchResources(m.match);
  if (m.matchConditions?.length) spec.matchConditions = m.matchConditions.map((x) => ({ name: x.name, expression: x.expression }));
  if (m.variables?.length) spec.variables = m.variables.map((x) => ({ name: x.name, expression: x.expression }));
  spec.mutations = m.mutations.map((x): Json =>
    x.patchType === "JSONPatch"
      ? { patchType: "JSONPatch", jsonPatch: { expression: x.expression } }
      : { patchType: "ApplyConfiguration", applyConfiguration: { expression: x.expression } },
  );
  spec.reinvocationPolicy = m.reinvocationPolicy ?? "Never";
  return { apiVersion: m.apiVersion, kind: "MutatingAdmissionPolicy", metadata: meta(m.name, m.labels), spec };
}

export function buildMapBinding(b: { name: string; policyName: string; apiVersion: MapApiVersion; labels?: Record<string, string> }): { [k: string]: Json } {
  return { apiVersion: b.apiVersion, kind: "MutatingAdmissionPolicyBinding", metadata: meta(b.name, b.labels), spec: { policyName: b.policyName } };
}

// ---------------------------------------------------------------------------------------------------------------
// IR mutation → JSONPatch CEL expression (list of JSONPatch)

const ptrEscape = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");
const segName = (s: Segment): string => (s.k === "field" ? s.name : s.k === "key" ? s.key : "*");

/** CEL map literal nesting `inner` (CEL text) under the given segments. */
function nest(segs: Segment[], inner: string): string {
  let out = inner;
  for (let i = segs.length - 1; i >= 0; i--) out = `{${celString(segName(segs[i]!))}: ${out}}`;
  return out;
}

/** JSON-pointer CEL string text for `base` (CEL string expression or literal prefix) + segments. */
function pointer(basePrefix: string | undefined, staticPrefix: string, segs: Segment[]): string {
  const tail = staticPrefix + segs.map((s) => `/${ptrEscape(segName(s))}`).join("");
  return basePrefix === undefined ? celString(tail) : `${basePrefix} + ${celString(tail)}`;
}

/**
 * Conditional chain creating the first missing object on the way to `target` (relative segments `rest` below
 * `base`), or — when the whole path exists — the `whenPresent` patch (or none).
 */
function chain(base: Path, rest: Segment[], ptrBase: string | undefined, ptrStatic: string, leaf: string, whenPresent: string | undefined): string {
  const full: Path = { root: base.root, segs: [...base.segs, ...rest] };
  const g = guards(full).slice(base.segs.length);
  let out = whenPresent ?? "";
  for (let k = rest.length - 1; k >= 0; k--) {
    const patch = `JSONPatch{op: 'add', path: ${pointer(ptrBase, ptrStatic, rest.slice(0, k + 1))}, value: ${nest(rest.slice(k + 1), leaf)}}`;
    out = out === "" ? patch : `!${g[k]!.includes(" in ") ? `(${g[k]})` : g[k]} ? ${patch} : ${out}`;
  }
  return out;
}

/**
 * Lower one IR mutation to a MAP JSONPatch expression (CEL list of JSONPatch). Mutations over a list use the
 * two-variable `transformList` (CEL env ≥ 1.32). Throws when not expressible (nested lists, non-object roots).
 */
export function mutationToJsonPatch(m: Mutation): string {
  if (m.target.root.k !== "object") throw new Error("mutation targets must be rooted at object");
  const eachAt = m.target.segs.findIndex((s) => s.k === "each");
  if (m.target.segs.filter((s) => s.k === "each").length > 1) throw new Error("nested list mutations are not supported");
  const v = m.vars?.[0] ?? "e";
  const listPath: Path | undefined = eachAt >= 0 ? { root: m.target.root, segs: m.target.segs.slice(0, eachAt) } : undefined;
  const base: Path = listPath ? { root: { k: "var", name: v }, segs: [] } : { root: m.target.root, segs: [] };
  const rest = eachAt >= 0 ? m.target.segs.slice(eachAt + 1) : m.target.segs;
  const ptrBase = listPath ? `${celString(`/${listPath.segs.map((s) => ptrEscape(segName(s))).join("/")}/`)} + string(i)` : undefined;
  const target: Path = { root: base.root, segs: rest };
  const when = m.when ? emitPredicate(m.when) : "true";
  const presentT = guards(target).join(" && ") || "true";

  let cond: string;
  let patch: string;
  if (m.k === "setExpr") {
    cond = `${wrapC(when)} && (${m.whenCel})`;
    const full = `JSONPatch{op: 'add', path: ${pointer(ptrBase, "", rest)}, value: ${m.valueCel}}`;
    patch = chain(base, rest, ptrBase, "", m.valueCel, full);
  } else if (m.k === "setIfAbsent") {
    cond = `${wrapC(when)} && !(${presentT})`;
    patch = chain(base, rest, ptrBase, "", celLiteral(m.value), undefined);
  } else {
    const existing = (p: Path): string => `(${guards(p).join(" && ") || "true"} ? ${accessText(p)} : [])`;
    const except = m.exceptIn ? ` && !(x_ in ${existing(m.exceptIn)})` : "";
    const missing = `${celLiteral(m.values)}.filter(x_, !(x_ in ${existing(target)})${except})`;
    cond = `${wrapC(when)} && size(${missing}) > 0`;
    const replace = `JSONPatch{op: 'replace', path: ${pointer(ptrBase, "", rest)}, value: ${accessText(target)} + ${missing}}`;
    patch = chain(base, rest, ptrBase, "", missing, replace);
  }
  if (!listPath) return `${cond} ? [${patch}] : []`;
  const lp = guards(listPath).join(" && ") || "true";
  return `${lp} ? ${accessText(listPath)}.transformList(i, ${v}, ${cond}, ${patch}) : []`;
}

const wrapC = (s: string): string => (/\|\||\?/.test(s) ? `(${s})` : s);
