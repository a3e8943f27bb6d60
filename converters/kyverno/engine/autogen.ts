// Kyverno autogen as the engine applies it (pkg/autogen/v1): the rules a policy has for a resource kind. A Pod rule
// gains `autogen-<rule>` for DaemonSet/Deployment/Job/StatefulSet/ReplicaSet/ReplicationController (pattern wrapped
// as `{spec: {template: P}}`) and `autogen-cronjob-<rule>` for CronJob (`{spec: {jobTemplate: {spec: {template: P}}}}`),
// with the rule's text rewritten byte for byte (`request.object.spec` → `request.object.spec.template.spec`, …).
// Honours `pod-policies.kyverno.io/autogen-controllers` and the conditions under which Kyverno skips autogen.
import type { ClusterPolicy, JsonValue, KyvernoRule, MatchBlock, ResourceDescription, ResourceFilter, Validate } from "../model.js";
import { parseKindSelector } from "./match.js";

export const AUTOGEN_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers";
const CONTROLLERS = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob"];
const POD_AND_CONTROLLERS = new Set(["Pod", ...CONTROLLERS]);
const NON_CRON = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"];
const GVK: Record<string, string> = {
  DaemonSet: "apps/v1/DaemonSet", Deployment: "apps/v1/Deployment", Job: "batch/v1/Job", StatefulSet: "apps/v1/StatefulSet",
  ReplicaSet: "apps/v1/ReplicaSet", ReplicationController: "v1/ReplicationController", CronJob: "batch/v1/CronJob", Pod: "v1/Pod",
};
const toGvk = (kinds: readonly string[]): string[] => kinds.map((k) => GVK[k] ?? k);
const containsKind = (list: readonly string[] | undefined, kind: string): boolean => (list ?? []).some((e) => parseKindSelector(e)[2] === kind);

function descriptions(m: MatchBlock | undefined): ResourceDescription[] {
  if (!m) return [];
  return [m.legacy?.resources ?? {}, ...(m.any ?? []).map((f) => f.resources ?? {}), ...(m.all ?? []).map((f) => f.resources ?? {})];
}

function kindsOf(m: MatchBlock | undefined): string[] {
  return descriptions(m).flatMap((d) => d.kinds ?? []);
}

/** CanAutoGen: no generate rules, no name/selector/annotation criteria, Pod never mixed with other kinds. */
function canAutoGen(rules: readonly KyvernoRule[]): boolean {
  let needed = false;
  for (const r of rules) {
    if (r.otherTypes.includes("generate")) return false;
    for (const d of [...descriptions(r.match), ...descriptions(r.exclude)]) {
      const kinds = d.kinds ?? [];
      if (d.name || d.names?.length || d.selector !== undefined || d.annotations !== undefined || (kinds.length > 1 && containsKind(kinds, "Pod"))) return false;
      needed ||= kinds.some((k) => POD_AND_CONTROLLERS.has(k));
    }
  }
  return needed;
}

const autogenName = (prefix: string, name: string): string => `${prefix}-${name}`.slice(0, 63);

/** The validate block of a generated rule: the pattern(s) moved under `spec.<tplKey>`, other kinds copied. */
function shiftedValidate(v: Validate | undefined, tplKey: string): Validate | undefined {
  if (!v) return undefined;
  const keep: Validate = {};
  if (v.message !== undefined) keep.message = v.message;
  if (v.failureAction) keep.failureAction = v.failureAction;
  if (v.allowExistingViolations !== undefined) keep.allowExistingViolations = v.allowExistingViolations;
  const wrap = (p: JsonValue): JsonValue => ({ spec: { [tplKey]: p } });
  if (v.pattern !== undefined) return { ...keep, pattern: wrap(v.pattern) };
  if (v.deny) return { ...keep, deny: v.deny };
  if (v.podSecurity) return { ...keep, podSecurity: v.podSecurity };
  if (v.anyPattern) return { ...keep, anyPattern: v.anyPattern.map(wrap) };
  if (v.foreach?.length) return { ...keep, foreach: v.foreach };
  if (v.cel) return { ...v };
  return undefined;
}

function withKinds(filters: readonly ResourceFilter[], replace: (f: ResourceFilter) => boolean, kinds: string[]): ResourceFilter[] {
  return filters.map((f) => (replace(f) ? { ...f, resources: { ...(f.resources ?? {}), kinds: toGvk(kinds) } } : f));
}

function generateRule(name: string, rule: KyvernoRule | undefined, tplKey: string, kinds: string[], replace: (f: ResourceFilter) => boolean): KyvernoRule | undefined {
  if (!rule) return undefined;
  const validate = shiftedValidate(rule.validate, tplKey);
  if (!validate) return undefined;
  const blockWith = (m: MatchBlock, legacyAlways: boolean): MatchBlock => {
    if (m.any?.length) return { ...m, any: withKinds(m.any, replace, kinds) };
    if (m.all?.length) return { ...m, all: withKinds(m.all, replace, kinds) };
    if (!legacyAlways && !m.legacy?.resources?.kinds?.length) return m;
    return { ...m, legacy: { ...(m.legacy ?? {}), resources: { ...(m.legacy?.resources ?? {}), kinds: toGvk(kinds) } } };
  };
  return { ...rule, name, match: blockWith(rule.match, true), ...(rule.exclude ? { exclude: blockWith(rule.exclude, false) } : {}), validate };
}

function forControllers(rule: KyvernoRule, controllers: string): KyvernoRule | undefined {
  if (rule.name.startsWith("autogen-") || controllers === "") return undefined;
  const excludeKinds = kindsOf(rule.exclude);
  if (!containsKind(kindsOf(rule.match), "Pod") || (excludeKinds.length && !containsKind(excludeKinds, "Pod"))) return undefined;
  let list = controllers;
  if (controllers === "all") list = NON_CRON.join(",");
  else if (controllers !== "none") {
    const valid = controllers.split(",").filter((c) => NON_CRON.includes(c));
    if (valid.length) list = valid.join(",");
  }
  const kinds = list.split(",").sort();
  return generateRule(autogenName("autogen", rule.name), rule, "template", kinds, (f) => containsKind(f.resources?.kinds, "Pod"));
}

function forCronJob(rule: KyvernoRule, controllers: string): KyvernoRule | undefined {
  if (!controllers.includes("CronJob") && !controllers.includes("all")) return undefined;
  return generateRule(autogenName("autogen-cronjob", rule.name), forControllers(rule, controllers), "jobTemplate", ["CronJob"], () => true);
}

const REPLACE_POD: [string, string][] = [
  ["request.object.spec", "request.object.spec.template.spec"],
  ["request.oldObject.spec", "request.oldObject.spec.template.spec"],
  ["request.object.metadata", "request.object.spec.template.metadata"],
  ["request.oldObject.metadata", "request.oldObject.spec.template.metadata"],
];
const REPLACE_CRON: [string, string][] = REPLACE_POD.map(([a, b]) => [a, b.replace(".spec.template.", ".spec.jobTemplate.spec.template.")]);
const celRules = (rs: [string, string][]): [string, string][] => rs.map(([a, b]) => [a.replace("request.", ""), b.replace("request.", "")]);

/** convertRule: the rule's JSON text with Kyverno's byte-level path replacements. */
function rewrite(rule: KyvernoRule, kind: "Pod" | "Cronjob"): KyvernoRule {
  const { source, otherTypes, name, ...rest } = rule;
  let text = JSON.stringify(rest);
  const base = kind === "Pod" ? REPLACE_POD : REPLACE_CRON;
  for (const [from, to] of rule.validate?.cel ? celRules(base) : base) text = text.split(from).join(to);
  return { ...(JSON.parse(text) as Omit<KyvernoRule, "source" | "otherTypes" | "name">), name, source, otherTypes };
}

/** The controllers autogen applies to, or undefined when it does not apply. */
export function autogenControllers(p: ClusterPolicy): Set<string> | undefined {
  if (!canAutoGen(p.rules)) return undefined;
  const ann = p.annotations[AUTOGEN_ANNOTATION];
  const set = new Set(ann !== undefined ? ann.split(",") : CONTROLLERS);
  return set.has("none") ? undefined : set;
}

/** ComputeRules(policy, kind): the policy's rules for a resource of `kind`, autogen rules included. */
export function rulesForKind(p: ClusterPolicy, kind: string): KyvernoRule[] {
  const controllers = autogenControllers(p);
  if (!controllers?.has(kind)) return p.rules;
  const generated: KyvernoRule[] = [];
  for (const r of p.rules) {
    const pod = forControllers(r, kind === "CronJob" ? "" : kind);
    if (pod) generated.push(rewrite(pod, "Pod"));
    const cron = forCronJob(r, kind);
    if (cron) generated.push(rewrite(cron, "Cronjob"));
  }
  if (!generated.length) return p.rules;
  return [...p.rules.filter((r) => !r.name.startsWith("autogen-")), ...generated];
}
