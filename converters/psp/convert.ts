// PSP set → ONE ValidatingAdmissionPolicy (+ binding) and, when some PSP has defaults, ONE MutatingAdmissionPolicy
// (+ binding). Conversion entry point: `convertPsps`.
//
// Semantics (see converters/psp/normalize.ts): PSP admitted a pod when some *usable* PSP validated it, after
// that PSP's own defaulting, preferring a PSP that needed no change, else the first by name. We reproduce it as:
//   * MAP `<name>-defaults` (CREATE of pods): variables say whether each usable PSP admits the pod as is and, for
//     PSPs with defaults, after its defaults; `chosen` names the PSP whose defaults PSP would have applied (none
//     when some usable PSP admits the pod as is, else the first by name that admits it after its defaults). One
//     JSONPatch mutation per PSP with defaults applies them all when that PSP is chosen. Once applied, the pod is
//     admitted as is, so `chosen` (recomputed for every mutation, as the API server does) becomes empty: at most
//     one PSP's defaults apply.
//   * VAP `<name>`: admit when some usable PSP admits the pod *as is* (valid and already defaulted). After the MAP
//     ran this is exactly the PSP verdict; without a MAP (old targets) it is stricter, never weaker, and a gap.
// Usable = `authorizer` allows verb `use` on policy/podsecuritypolicies/<name> in the pod's namespace for the
// requesting user or the pod's service account (rbac: "authorizer"); everything is usable with rbac: "ignore".
//
// Names come from the PSP names (or `name`), never from a hash, so an edit changes objects instead of renaming
// them: one PSP → `psp-<name>`; several → `psp-<a>-<b>-…` while that fits 63 characters, else
// `psp-<first>-and-<n>-more`. Binding `<name>-binding`; MAP `<name>-defaults` (+ `-binding`). Variables are the
// PSP names as identifiers.
import { createHash } from "node:crypto";
import { C, emitAnyOf, emitMatch, envFor, hoist, jsonPatchList, lowering, lowerPred, lowerVal as lowerValImpl, LowerError, simplify, unparse, type CExpr, type NamedCExpr } from "../../src/emit/index.js";
import { field, P, path, root, V, type Gap, type Match, type Pred, type Val } from "../../src/ir/model.js";
import { buildMap, buildMapBinding, buildVap, buildVapBinding, type MapApiVersion, type ValidationAction } from "../../src/vap/build.js";
import type { ConvertResult, ReportGap } from "../../src/convert/types.js";
import type { PodSecurityPolicy } from "./model.js";
import { CONTAINER_LISTS, normalizePsp, POD_ROOTS, policyPredicate, type PodRoots } from "./normalize.js";

export type { ConvertResult };

export interface ConvertOptions {
  /** Oldest Kubernetes version the output must work on (default "1.36"). Expressions compile in target−1. */
  targetVersion?: string;
  rbac?: "authorizer" | "ignore";
  /** Also check pod templates of Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob. */
  controllers?: boolean;
  actions?: ValidationAction[];
  /** Base name of the generated objects (default: from the PSP names). */
  name?: string;
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

/** Default object name for a PSP set (sorted names). */
export function defaultName(names: readonly string[]): string {
  if (names.length === 1) return `psp-${names[0]}`;
  const joined = `psp-${names.join("-")}`;
  return joined.length <= 63 ? joined : `psp-${names[0]}-and-${names.length - 1}-more`;
}

function varIdents(names: string[]): Map<string, string> {
  const used = new Set(["containers", "containerPaths", "podSpec", "podMeta", "chosen"]);
  const out = new Map<string, string>();
  for (const n of names) {
    const base = /^[A-Za-z_]/.test(n) ? n.replace(/[^A-Za-z0-9_]/g, "_") : `psp_${n.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let i = 2; used.has(id) || ["true", "false", "null", "in"].includes(id); i++) id = `${base}_${i}`;
    used.add(id);
    out.set(n, id);
  }
  return out;
}

const POD_KINDS: Match = { kinds: [{ group: "", version: "v1", kind: "Pod" }], operations: ["CREATE", "UPDATE"] };
const CONTROLLER_KINDS: Match["kinds"] = ["DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"].map((kind) => ({ group: "apps", version: "v1", kind }))
  .concat(["CronJob", "Job"].map((kind) => ({ group: "batch", version: "v1", kind })));

const varPath = (name: string): ReturnType<typeof path> => path(root.variable(name));
const kindIs = (k: string): Pred => P.cmp(path(root.request, "kind.kind"), "==", k, "error");

/** VAP variables holding the pod spec/metadata of a Pod or of a controller's pod template. */
function templateVariables(): { name: string; val: Val }[] {
  const pick = (suffix: "spec" | "metadata"): Val =>
    V.cond(kindIs("Pod"), V.or(V.at(path(root.object, suffix)), {}),
      V.cond(kindIs("CronJob"), V.or(V.at(path(root.object, `spec.jobTemplate.spec.template.${suffix}`)), {}), V.or(V.at(path(root.object, `spec.template.${suffix}`)), {})));
  return [
    { name: "podSpec", val: pick("spec") },
    { name: "podMeta", val: pick("metadata") },
  ];
}

/** `use` permission on a PSP for the requester or the pod's service account. */
function usable(name: string, roots: PodRoots): Pred {
  const ns = V.at(path(root.request, "namespace"));
  const base = { verb: "use", group: "policy", resource: "podsecuritypolicies", namespace: ns, name };
  const sa = V.or(V.at(field(roots.spec, "serviceAccountName")), "default");
  return P.or(
    { k: "authz", check: { ...base, subject: { k: "serviceAccount", namespace: ns, name: sa } } },
    { k: "authz", check: { ...base, subject: { k: "requester" } } },
  );
}

/**
 * PSP ignored UPDATEs that change nothing but ownerReferences/finalizers (rbac.IsOnlyMutatingGCFields, which also
 * ignores selfLink and managedFields): such an update is skipped.
 */
function gcOnlyUpdate(): Pred {
  const k = V.at(path(root.v("k")));
  const entry = (m: ReturnType<typeof path>): Val => V.at({ root: m.root, segs: [...m.segs, { k: "index", at: k }] });
  /** Maps `a` and `b` hold the same entries, except keys for which `skip` (in a) / `skipOld` (in b) holds. */
  const same = (a: ReturnType<typeof path>, b: ReturnType<typeof path>, skip: Pred, skipOld: Pred): Pred =>
    P.and(
      { k: "quant", q: "all", over: V.at(a), v: "k", entries: true, ifAbsent: "error", body: P.or(skip, P.and(P.in(k, V.at(b), "error"), P.cmp(entry(a), "==", entry(b), "error"))) },
      { k: "quant", q: "all", over: V.at(b), v: "k", entries: true, ifAbsent: "error", body: P.or(skipOld, P.in(k, V.at(a), "error")) },
    );
  const ign = P.in(k, ["finalizers", "managedFields", "ownerReferences", "selfLink"], "error");
  const meta = (r: "object" | "oldObject"): Val => V.or(V.at(path(r === "object" ? root.object : root.oldObject, "metadata")), {});
  return P.and(
    P.cmp(path(root.request, "operation"), "==", "UPDATE", "error"),
    P.cmp(path(root.oldObject), "!=", null, "error"),
    same(path(root.object), path(root.oldObject), P.cmp(k, "==", "metadata", "error"), P.f),
    { k: "let", name: "om", value: meta("object"), body: { k: "let", name: "oldm", value: meta("oldObject"), body: same(path(root.v("om")), path(root.v("oldm")), ign, ign) } },
  );
}

type AddGap = (g: Gap | ReportGap) => void;

function gapCollector(): { gaps: ReportGap[]; add: AddGap } {
  const gaps: ReportGap[] = [];
  const seen = new Set<string>();
  const add: AddGap = (g) => {
    const cg: ReportGap = "id" in g && "effect" in g && typeof g.effect === "string" && !("line" in g)
      ? { rule: g.rule, reason: `[${g.id}] ${g.reason}`, line: g.provenance?.line ?? 0, id: g.id, effect: g.effect, ...(g.provenance ? { file: g.provenance.file } : {}) }
      : (g as ReportGap);
    const key = `${cg.rule}\u0000${cg.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      gaps.push(cg);
    }
  };
  return { gaps, add };
}

export function convertPsps(psps: PodSecurityPolicy[], opts: ConvertOptions = {}): ConvertResult {
  const target = opts.targetVersion ?? "1.36";
  const tMinor = minor(target);
  const envVersion = envFor(target);
  const emitOpts = { targetVersion: target };
  const rbac = opts.rbac ?? "authorizer";
  const actions = opts.actions ?? ["Deny"];
  const { gaps, add: addGap } = gapCollector();

  const sorted = [...psps].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const names = sorted.map((p) => p.metadata.name);
  const ids = varIdents(names);
  const baseName = k8sName(opts.name ?? defaultName(names));
  if (rbac === "authorizer" && tMinor < 28) addGap({ rule: "rbac", reason: "authorizer checks need Kubernetes ≥ 1.28 (env 1.27): PSP `use` permissions are not checked", line: 0 });
  const authz = rbac === "authorizer" && tMinor >= 28;
  // (ValidatingAdmissionPolicy v1alpha1/v1beta1 below 1.30 is set, and named as a gap, by src/convert/output-check.ts)
  const use = (n: string, roots: PodRoots): Pred => (authz ? usable(n, roots) : P.t);
  const labels = { "app.kubernetes.io/managed-by": "vap-migrate" };
  const manifests: object[] = [];

  // --- ValidatingAdmissionPolicy ------------------------------------------------------------------------------
  const controllers = opts.controllers ?? false;
  const base: PodRoots = controllers ? { spec: varPath("podSpec"), meta: varPath("podMeta") } : POD_ROOTS;
  const roots: PodRoots = { ...base, containers: varPath("containers") };
  const ctx = lowering(emitOpts);
  const variables: NamedCExpr[] = controllers ? templateVariables().map((v) => ({ name: v.name, expr: lowerValue(v.val, ctx) })) : [];
  // every container of every kind (names are unique across kinds), checked once per rule
  variables.push({ name: "containers", expr: lowerValue(allContainers(base), ctx) });
  if (controllers && authz)
    addGap({ rule: "controllers", reason: "for pod templates the requesting user is the workload's author, not the controller that creates the pods as PSP saw it; template checks are advisory", line: 0 });
  const mapped = new Set(tMinor >= 33 ? sorted.filter((p) => normalizePsp(p, { mode: "asIs", envVersion }).mutations.length).map((p) => p.metadata.name) : []);
  const sources = sorted.map((psp) => {
    const n = psp.metadata.name;
    const asIs = normalizePsp(psp, { mode: "asIs", roots });
    for (const g of asIs.gaps) addGap(g);
    let rules = asIs.rules;
    if (controllers && mapped.has(n)) {
      // pod templates: their pods will get this PSP's defaults from the MAP, so check the defaulted reading
      const after = normalizePsp(psp, { mode: "afterDefaults", roots }).rules;
      rules = rules.map((r, i) => ({ ...r, check: P.or(P.and(kindIs("Pod"), r.check), P.and(P.not(kindIs("Pod")), after[i]?.check ?? r.check)) }));
    }
    return { id: ids.get(n)!, name: n, rules, ...(authz ? { guard: use(n, roots) } : {}) };
  });
  const match: Match = controllers ? { ...POD_KINDS, kinds: [...POD_KINDS.kinds, ...CONTROLLER_KINDS] } : POD_KINDS;
  const parts = emitAnyOf(
    sources,
    emitOpts,
    { message: sorted.length ? "no usable PodSecurityPolicy admits this pod" : "no PodSecurityPolicy exists (no providers available)", prefix: "pod rejected by every PodSecurityPolicy: " },
    { variables, match, conditions: [{ name: "not-a-gc-only-update", expr: C.not(lowerPred(gcOnlyUpdate(), ctx)) }], roots: { podSpec: "spec", podMeta: "metadata", containers: "containers" } },
  );
  const validations = tMinor >= 30 ? parts.validations : parts.validations.map(({ messageExpression: _m, ...v }) => v);
  manifests.push(
    buildVap({
      name: baseName,
      labels,
      annotations: { "vap-migrate.io/podsecuritypolicies": names.join(",") },
      matchConstraints: parts.matchConstraints,
      failurePolicy: "Fail",
      matchConditions: parts.matchConditions,
      variables: parts.variables,
      validations,
    }),
    buildVapBinding({ name: k8sName(`${baseName}-binding`), policyName: baseName, actions, labels }),
  );

  // --- MutatingAdmissionPolicy --------------------------------------------------------------------------------
  manifests.push(...mutatingPolicy(sorted, { target, tMinor, envVersion, baseName, ids, use, addGap, labels }));
  return { manifests, gaps, status: gaps.length ? "partial" : "converted" };
}

/** Every container of every kind, in one list (names are unique across kinds). */
function allContainers(r: PodRoots): Val {
  return { k: "concat", lists: CONTAINER_LISTS.map((l) => V.or(V.at(field(r.spec, l)), [])) };
}

function lowerValue(v: Val, ctx: ReturnType<typeof lowering>): CExpr {
  return simplify(lowerValImpl(v, ctx));
}

interface MapContext {
  target: string;
  tMinor: number;
  envVersion: string;
  baseName: string;
  ids: Map<string, string>;
  use: (n: string, roots: PodRoots) => Pred;
  addGap: AddGap;
  labels: Record<string, string>;
}

/** One MAP for the set: variables decide which PSP's defaults apply; one JSONPatch mutation per PSP with defaults. */
function mutatingPolicy(sorted: PodSecurityPolicy[], m: MapContext): object[] {
  const withDefaults = sorted.filter((p) => normalizePsp(p, { mode: "asIs", envVersion: m.envVersion }).mutations.length);
  if (!withDefaults.length) return [];
  const ctx = lowering({ targetVersion: m.target });
  let apiVersion: MapApiVersion | undefined;
  if (m.tMinor >= 36) apiVersion = "admissionregistration.k8s.io/v1";
  else if (m.tMinor >= 34) apiVersion = "admissionregistration.k8s.io/v1beta1";
  else if (m.tMinor >= 33) apiVersion = "admissionregistration.k8s.io/v1alpha1";
  const mutations: CExpr[] = [];
  const patchVariables: NamedCExpr[] = [];
  const patched: PodSecurityPolicy[] = [];
  for (const psp of withDefaults) {
    const n = psp.metadata.name;
    const line = psp.source.line;
    if (!apiVersion) {
      m.addGap({ rule: `${n}.defaults`, reason: `MutatingAdmissionPolicy with JSONPatch over container lists needs Kubernetes ≥ 1.33 (target ${m.target}): pods that relied on PSP ${n}'s defaults are denied`, line });
      continue;
    }
    if (apiVersion !== "admissionregistration.k8s.io/v1")
      m.addGap({ rule: `${n}.defaults`, reason: `MutatingAdmissionPolicy is ${apiVersion.split("/")[1]} on ${m.target} and needs the MutatingAdmissionPolicy feature gate and API enabled; without it pods that relied on PSP ${n}'s defaults are denied`, line });
    const normalized = normalizePsp(psp, { mode: "asIs", envVersion: m.envVersion });
    try {
      const list = jsonPatchList(normalized.mutations, ctx);
      mutations.push(C.cond(C.bin("==", C.sel(C.id("variables"), "chosen"), C.lit(n)), list.expr, C.list([])));
      for (const v of list.variables) if (!patchVariables.some((w) => w.name === v.name)) patchVariables.push(v);
      patched.push(psp);
    } catch (e) {
      if (!(e instanceof LowerError)) throw e;
      m.addGap({ rule: `${n}.defaults`, reason: `defaults not expressible as JSONPatch (${e.message}): pods relying on them are denied`, line });
    }
  }
  if (!patched.length || !apiVersion) return [];
  // variables: every PSP's as-is verdict, the defaulted verdict of PSPs with defaults, and the choice
  const roots: PodRoots = { ...POD_ROOTS, containers: varPath("containers") };
  const variables: NamedCExpr[] = [{ name: "containers", expr: lowerValue(allContainers(POD_ROOTS), ctx) }];
  const asIsRefs: CExpr[] = [];
  // `use` checks cost 350,000 each (authorizer check): one `<id>_usable` variable per PSP, evaluated at most once
  // and only for a PSP that admits the pod (it comes last in each conjunction; CEL's && stops at false)
  const usable = (n: string): Pred => {
    const use = m.use(n, POD_ROOTS);
    return use.k === "const" ? use : P.truthy(path(root.variable(`${m.ids.get(n)!}_usable`)), "error");
  };
  for (const psp of sorted) {
    const n = psp.metadata.name;
    const id = m.ids.get(n)!;
    const use = m.use(n, POD_ROOTS);
    if (use.k !== "const") variables.push({ name: `${id}_usable`, expr: lowerPred(use, ctx) });
    variables.push({ name: id, expr: lowerPred(P.and(policyPredicate(normalizePsp(psp, { mode: "asIs", roots })), usable(n)), ctx) });
    asIsRefs.push(C.sel(C.id("variables"), id));
  }
  let chosen: CExpr = C.lit("");
  for (const psp of [...patched].reverse()) {
    const n = psp.metadata.name;
    const id = `${m.ids.get(n)!}_defaulted`;
    variables.push({ name: id, expr: lowerPred(P.and(policyPredicate(normalizePsp(psp, { mode: "afterDefaults", roots })), usable(n)), ctx) });
    chosen = C.cond(C.sel(C.id("variables"), id), C.lit(n), chosen);
  }
  variables.push({ name: "chosen", expr: C.cond(C.or(...asIsRefs), C.lit(""), chosen) }, ...patchVariables);
  const simplified = variables.map((v) => ({ name: v.name, expr: simplify(v.expr) }));
  const h = hoist(mutations.map(simplify), simplified);
  const name = k8sName(`${m.baseName}-defaults`);
  return [
    buildMap({
      name,
      apiVersion,
      labels: m.labels,
      matchConstraints: emitMatch({ ...POD_KINDS, operations: ["CREATE"] }).matchConstraints,
      variables: h.variables.map((v) => ({ name: v.name, expression: unparse(v.expr) })),
      mutations: h.rewritten.map((e) => ({ patchType: "JSONPatch" as const, expression: unparse(e) })),
    }),
    buildMapBinding({ name: k8sName(`${name}-binding`), policyName: name, apiVersion, labels: m.labels }),
  ];
}
