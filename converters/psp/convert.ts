// PSP set → ONE ValidatingAdmissionPolicy (+ binding) and, for PSPs with defaults, MutatingAdmissionPolicies
// (+ bindings). Conversion entry point: `convertPsps`.
//
// Semantics (see converters/psp/normalize.ts): PSP admitted a pod when some *usable* PSP validated it, after
// that PSP's own defaulting, preferring a PSP that needed no change, else the first by name. We reproduce it as:
//   * MAP `psp-<name>` (one per PSP with defaults, CREATE of pods only) applies <name>'s defaults exactly when
//     no usable PSP admits the pod as is, <name> is usable and admits it after its defaults, and no usable PSP
//     earlier by name does (matchConditions);
//   * VAP `psp-set-<hash8>`: admit when some usable PSP admits the pod *as is* (valid and already defaulted).
//     After the MAPs ran this is exactly the PSP verdict; without a MAP (old targets, inexpressible defaults) it
//     is stricter, never weaker, and reported as a gap.
// Usable = `authorizer` allows verb `use` on policy/podsecuritypolicies/<name> in the pod's namespace for the
// requesting user or the pod's service account (rbac: "authorizer"); everything is usable with rbac: "ignore".
//
// Names: VAP `psp-set-<first 8 hex of sha256(sorted PSP names joined by \n)>`, its binding `<vap>-binding`;
// MAP `psp-<name>` and binding `psp-<name>-binding` (names longer than 253 characters are cut and suffixed
// with 8 hex of their sha256). Variables: `psp_<name with non-alphanumerics as _>` (+ `_violations`).
import { createHash } from "node:crypto";
import { accessText, celString, emitPredicate, emitViolations, guards } from "../../src/cel/emit/index.js";
import { field, P, path, root, type Gap, type MatchScope, type Pred } from "../../src/ir/model.js";
import { buildMap, buildMapBinding, buildVap, buildVapBinding, mutationToJsonPatch, type MapApiVersion, type NamedExpr, type ValidationAction } from "../../src/vap/build.js";
import type { PodSecurityPolicy } from "./model.js";
import { CONTAINER_LISTS, normalizePsp, POD_ROOTS, policyPredicate, type PodRoots } from "./normalize.js";

export interface ConvertOptions {
  /** Oldest Kubernetes version the output must work on (default "1.36"). Expressions compile in target−1. */
  targetVersion?: string;
  rbac?: "authorizer" | "ignore";
  /** Also check pod templates of Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob. */
  controllers?: boolean;
  actions?: ValidationAction[];
}

export interface ConvertGap {
  rule: string;
  reason: string;
  line: number;
}

export interface ConvertResult {
  manifests: object[];
  gaps: ConvertGap[];
  status: "converted" | "partial" | "unsupported";
}

const minor = (v: string): number => {
  const m = /^v?1\.(\d+)/.exec(v.trim());
  if (!m) throw new Error(`bad target version ${v}`);
  return Number(m[1]);
};

function k8sName(s: string): string {
  if (s.length <= 253) return s;
  return `${s.slice(0, 244)}-${createHash("sha256").update(s).digest("hex").slice(0, 8)}`;
}

function varIdents(names: string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const n of names) {
    const base = `psp_${n.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    out.set(n, id);
  }
  return out;
}

const CONTROLLER_RESOURCES: MatchScope["resources"] = [
  { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["daemonsets", "deployments", "replicasets", "statefulsets"] },
  { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["cronjobs", "jobs"] },
];

const POD_SCOPE: MatchScope = { resources: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }], operations: ["CREATE", "UPDATE"] };

/** VAP variables holding the pod spec/metadata of a Pod or of a controller's pod template. */
function templateVariables(): NamedExpr[] {
  const pick = (suffix: "spec" | "metadata"): string => {
    const g = (segs: string[]): string => segs.map((_, i) => `has(object.${segs.slice(0, i + 1).join(".")})`).join(" && ");
    const cron = ["spec", "jobTemplate", "spec", "template", suffix];
    const tmpl = ["spec", "template", suffix];
    return (
      `request.kind.kind == 'Pod' ? (has(object.${suffix}) ? object.${suffix} : {}) : ` +
      `request.kind.kind == 'CronJob' ? (${g(cron)} ? object.${cron.join(".")} : {}) : ` +
      `(${g(tmpl)} ? object.${tmpl.join(".")} : {})`
    );
  };
  return [
    { name: "podSpec", expression: pick("spec") },
    { name: "podMeta", expression: pick("metadata") },
  ];
}

/** `use` permission on a PSP for the requester or the pod's service account. */
function usable(name: string, roots: PodRoots): Pred {
  const base = { verb: "use", group: "policy", resource: "podsecuritypolicies", namespace: { k: "ref" as const, ref: path(root.request, "namespace") }, name };
  const sa = { k: "ref" as const, ref: field(roots.spec, "serviceAccountName"), ifAbsent: "default" };
  return P.or(
    { k: "authz", check: { ...base, subject: { k: "serviceAccount", namespace: { k: "ref", ref: path(root.request, "namespace") }, name: sa } } },
    { k: "authz", check: { ...base, subject: { k: "requester" } } },
  );
}

export function convertPsps(psps: PodSecurityPolicy[], opts: ConvertOptions = {}): ConvertResult {
  const target = opts.targetVersion ?? "1.36";
  const tMinor = minor(target);
  const envVersion = `1.${tMinor - 1}`;
  const rbac = opts.rbac ?? "authorizer";
  const actions = opts.actions ?? ["Deny"];
  const gaps: ConvertGap[] = [];
  const seenGap = new Set<string>();
  const addGap = (g: Gap | ConvertGap): void => {
    const cg: ConvertGap = "id" in g ? { rule: g.rule, reason: `[${g.id}] ${g.reason}`, line: g.provenance?.line ?? 0 } : g;
    const key = `${cg.rule}\u0000${cg.reason}`;
    if (!seenGap.has(key)) {
      seenGap.add(key);
      gaps.push(cg);
    }
  };

  const sorted = [...psps].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const ids = varIdents(sorted.map((p) => p.metadata.name));
  const useAuthz = rbac === "authorizer";
  if (useAuthz && tMinor < 28) addGap({ rule: "rbac", reason: "authorizer checks need Kubernetes ≥ 1.28 (env 1.27): PSP `use` permissions are not checked", line: 0 });
  const authz = useAuthz && tMinor >= 28;
  if (tMinor < 30) addGap({ rule: "vap", reason: `ValidatingAdmissionPolicy v1 is GA in 1.30; target ${target} needs the beta API`, line: 0 });

  // MAP availability: JSONPatch over container lists needs two-variable comprehensions (env ≥ 1.32 → target ≥ 1.33).
  let mapVersion: MapApiVersion | undefined;
  if (tMinor >= 36) mapVersion = "admissionregistration.k8s.io/v1";
  else if (tMinor >= 34) mapVersion = "admissionregistration.k8s.io/v1beta1";
  else if (tMinor >= 33) mapVersion = "admissionregistration.k8s.io/v1alpha1";

  const podAsIs = new Map<string, Pred>();
  const podAfter = new Map<string, Pred>();
  const mapped = new Set<string>();
  const manifests: object[] = [];
  for (const psp of sorted) {
    const n = psp.metadata.name;
    const a = normalizePsp(psp, { mode: "asIs", roots: POD_ROOTS });
    podAsIs.set(n, policyPredicate(a));
    podAfter.set(n, policyPredicate(normalizePsp(psp, { mode: "afterDefaults", roots: POD_ROOTS })));
    for (const g of a.gaps) addGap(g);
  }
  const use = (n: string, roots: PodRoots): Pred => (authz ? usable(n, roots) : P.t);

  // --- MutatingAdmissionPolicies ------------------------------------------------------------------------------
  for (const psp of sorted) {
    const n = psp.metadata.name;
    const normalized = normalizePsp(psp, { mode: "asIs", envVersion });
    const muts = normalized.mutations;
    for (const g of normalized.gaps) addGap(g);
    if (!muts.length) continue;
    const line = psp.source.line;
    if (!mapVersion) {
      addGap({ rule: `${n}.defaults`, reason: `MutatingAdmissionPolicy with JSONPatch over container lists needs Kubernetes ≥ 1.33 (target ${target}): pods that relied on PSP ${n}'s defaults are denied`, line });
      continue;
    }
    if (mapVersion !== "admissionregistration.k8s.io/v1")
      addGap({ rule: `${n}.defaults`, reason: `MutatingAdmissionPolicy is ${mapVersion.split("/")[1]} on ${target} and needs the MutatingAdmissionPolicy feature gate and API enabled; without it pods that relied on PSP ${n}'s defaults are denied`, line });
    let exprs: string[];
    try {
      exprs = muts.map((m) => mutationToJsonPatch(m));
    } catch (e) {
      addGap({ rule: `${n}.defaults`, reason: `defaults not expressible as JSONPatch (${(e as Error).message}): pods relying on them are denied`, line });
      continue;
    }
    mapped.add(n);
    const anyAsIs = P.or(...sorted.map((q) => P.and(use(q.metadata.name, POD_ROOTS), podAsIs.get(q.metadata.name)!)));
    const earlier = sorted.filter((r) => r.metadata.name < n);
    const conds: NamedExpr[] = [
      { name: "no-psp-admits-as-is", expression: emitPredicate(P.not(anyAsIs), { envVersion }) },
      { name: "psp-admits-after-defaults", expression: emitPredicate(P.and(use(n, POD_ROOTS), podAfter.get(n)!), { envVersion }) },
    ];
    if (earlier.length)
      conds.push({ name: "no-earlier-psp-admits-after-defaults", expression: emitPredicate(P.not(P.or(...earlier.map((r) => P.and(use(r.metadata.name, POD_ROOTS), podAfter.get(r.metadata.name)!)))), { envVersion }) });
    const name = k8sName(`psp-${n}`);
    manifests.push(
      buildMap({
        name,
        apiVersion: mapVersion,
        labels: { "app.kubernetes.io/managed-by": "vap-migrate" },
        match: { ...POD_SCOPE, operations: ["CREATE"] },
        matchConditions: conds,
        mutations: exprs.map((expression) => ({ patchType: "JSONPatch", expression })),
      }),
      buildMapBinding({ name: k8sName(`psp-${n}-binding`), policyName: name, apiVersion: mapVersion }),
    );
  }

  // --- ValidatingAdmissionPolicy ------------------------------------------------------------------------------
  const controllers = opts.controllers ?? false;
  const base: PodRoots = controllers
    ? { spec: path({ k: "variable", name: "podSpec" }), meta: path({ k: "variable", name: "podMeta" }) }
    : POD_ROOTS;
  const roots: PodRoots = { ...base, containers: path({ k: "variable", name: "containers" }) };
  const variables: NamedExpr[] = controllers ? templateVariables() : [];
  // every container of every kind (names are unique across kinds), checked once per rule
  variables.push({
    name: "containers",
    expression: CONTAINER_LISTS.map((l) => {
      const p = field(base.spec, l);
      return `(${guards(p).join(" && ")} ? ${accessText(p)} : [])`;
    }).join(" + "),
  });
  const display = { podSpec: "spec", podMeta: "metadata", containers: "containers" };
  if (controllers && authz)
    addGap({ rule: "controllers", reason: "for pod templates the requesting user is the workload's author, not the controller that creates the pods as PSP saw it; template checks are advisory", line: 0 });
  const terms: Pred[] = [];
  const messages: string[] = [];
  for (const psp of sorted) {
    const n = psp.metadata.name;
    const id = ids.get(n)!;
    const asIs = policyPredicate(normalizePsp(psp, { mode: "asIs", roots }));
    let pred = asIs;
    if (controllers && mapped.has(n)) {
      // pod templates: their pods will get this PSP's defaults from the MAP, so check the defaulted reading
      const after = policyPredicate(normalizePsp(psp, { mode: "afterDefaults", roots }));
      pred = P.or(P.and(P.cel("request.kind.kind == 'Pod'"), asIs), P.and(P.cel("request.kind.kind != 'Pod'"), after));
    }
    variables.push({ name: id, expression: emitPredicate(pred, { envVersion }) });
    const rules = normalizePsp(psp, { mode: "asIs", roots }).rules;
    const viol = rules.map((r) => emitViolations(r.predicate, r.field, display)).filter((x) => x !== "[]");
    variables.push({ name: `${id}_violations`, expression: viol.length ? viol.map((x) => (x.includes(" ? ") && viol.length > 1 ? `(${x})` : x)).join(" + ") : "[]" });
    terms.push(P.and(use(n, roots), P.cel(`variables.${id}`)));
    messages.push(`${celString(`${n}: `)} + variables.${id}_violations.join(', ')`);
  }
  const expression = sorted.length ? emitPredicate(P.or(...terms), { envVersion }) : "false";
  const vapName = k8sName(`psp-set-${createHash("sha256").update(sorted.map((p) => p.metadata.name).join("\n")).digest("hex").slice(0, 8)}`);
  const message = sorted.length ? "no usable PodSecurityPolicy admits this pod" : "no PodSecurityPolicy exists (no providers available)";
  const messageExpression =
    sorted.length && tMinor >= 30 ? `'pod rejected by every PodSecurityPolicy: ' + [${messages.join(", ")}].join('; ')` : undefined;
  const match: MatchScope = controllers ? { ...POD_SCOPE, resources: [...POD_SCOPE.resources, ...CONTROLLER_RESOURCES] } : POD_SCOPE;
  // PSP ignored UPDATEs that change nothing but ownerReferences/finalizers (rbac.IsOnlyMutatingGCFields, which
  // also ignores selfLink and managedFields): skip exactly those.
  const ign = "['finalizers', 'managedFields', 'ownerReferences', 'selfLink']";
  const om = "(has(object.metadata) ? object.metadata : {})";
  const oldm = "(has(oldObject.metadata) ? oldObject.metadata : {})";
  const gcOnly =
    `!(request.operation == 'UPDATE' && oldObject != null && ` +
    `object.all(k, k == 'metadata' || (k in oldObject && object[k] == oldObject[k])) && oldObject.all(k, k in object) && ` +
    `${om}.all(k, k in ${ign} || (k in ${oldm} && ${om}[k] == ${oldm}[k])) && ${oldm}.all(k, k in ${ign} || k in ${om}))`;
  manifests.unshift(
    buildVap({
      name: vapName,
      labels: { "app.kubernetes.io/managed-by": "vap-migrate" },
      annotations: { "vap-migrate.io/podsecuritypolicies": sorted.map((p) => p.metadata.name).join(",") },
      match,
      failurePolicy: "Fail",
      matchConditions: [{ name: "not-a-gc-only-update", expression: gcOnly }],
      variables,
      validations: [{ expression, message, ...(messageExpression ? { messageExpression } : {}), reason: "Forbidden" }],
    }),
    buildVapBinding({ name: k8sName(`${vapName}-binding`), policyName: vapName, actions, labels: { "app.kubernetes.io/managed-by": "vap-migrate" } }),
  );
  return { manifests, gaps, status: gaps.length ? "partial" : "converted" };
}
