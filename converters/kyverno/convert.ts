// Kyverno ClusterPolicy / Policy → one ValidatingAdmissionPolicy (+ binding) per policy, through the rule model.
// Each validate rule becomes one model Rule per form it applies to: the rule itself and — where Kyverno's autogen
// applies — `autogen-<rule>` for Deployment/DaemonSet/StatefulSet/ReplicaSet/Job/ReplicationController (pattern
// under `spec.template`) and `autogen-cronjob-<rule>` for CronJob (`spec.jobTemplate.spec.template`). A rule applies
// (`when`) when its match/exclude filters, preconditions and pattern anchors say so (Kyverno skip admits); its check
// is the pattern / deny conditions / Pod Security checks. validate.cel policies map onto the VAP directly (their CEL
// is the VAP's own language). Whatever is not expressed exactly is a named gap with its effect; never dropped.
//
// Names: `cpol-<name>` for a ClusterPolicy, `pol-<namespace>-<name>` for a Policy (as Kyverno's own generator),
// binding `<name>-binding`. Enforce → [Deny], Audit → [Audit, Warn]; `actions` overrides.
import { context, emitRules, envFor, lowerPred, simplify, unparse, type ValidationOut, type VapParts } from "../../src/emit/index.js";
import { POD_TEMPLATE, union, type Ty } from "../../src/emit/schema.js";
import { P, V, path, root, type Gap, type Path, type Match, type KindMatch as MatchKind, type Operation, type Pred, type Rule, type Val } from "../../src/ir/model.js";
import type { CommonConvertOptions, ConvertResult, ReportGap } from "../../src/convert/types.js";
import { buildVap, buildVapBinding, type ParamRefSpec, type ValidationAction } from "../../src/vap/build.js";
import { kindRegistry } from "../../src/vap/kinds.js";
import { lowerConditions } from "./lower/conditions.js";
import { lowerContext, type ContextParams } from "./lower/context.js";
import { lowerForEach } from "./lower/foreach.js";
import { LowerGap, type JmesScope } from "./lower/jmespath.js";
import { lowerKyvernoCelFunctions, usesKyvernoFunction } from "./lower/kyverno-cel.js";
import { patternRule, type AutogenForm } from "./lower/pattern.js";
import type { ClusterPolicy, Conditions, JsonValue, KyvernoPolicy, KyvernoRule, LabelSelector, MatchBlock, ResourceFilter, ValidatingPolicy } from "./model.js";
import { isClusterPolicy } from "./model.js";
import { lowerPodSecurity, PodSecurityInputError, type PssRoots } from "./podsecurity.js";

export interface KyvernoConvertOptions extends CommonConvertOptions {
  /** Output kind: a ValidatingAdmissionPolicy (default) or Kyverno's own ValidatingPolicy with the same CEL. */
  target?: "vap" | "kyverno";
}

const registry = kindRegistry();

// ---------------------------------------------------------------------------------------------------------------
// Kinds and autogen (converter side: derived from Kyverno's documented behaviour, not from our Kyverno engine)

/** `Kind`, `v1/Kind`, `group/version/Kind`, `Kind/sub`, with `*`: group, version, kind, subresource. */
function kindSelector(s: string): MatchKind {
  const parts = s.split("/");
  const last = parts.pop()!.split(".");
  const kind = last[0]!;
  const sub = last[1] ?? (parts.length === 1 && !/^(v\d+((alpha|beta)\d+)?|\*)$/.test(parts[0]!) ? kind : undefined);
  if (parts.length === 1 && sub === kind) return { group: "*", version: "*", kind: parts[0]!, subresource: kind };
  const version = parts.length >= 1 ? parts[parts.length - 1]! : "*";
  const group = parts.length >= 2 ? parts[0]! : parts.length === 1 ? "*" : "*";
  const out: MatchKind = { group: parts.length === 1 && version !== "*" && registry.byKind("v1", kind) ? "" : group, version, kind };
  if (last[1]) out.subresource = last[1];
  return out;
}

/** A bare kind name of a built-in kind resolves to its group and version (Kyverno matches any group; we pin it). */
function resolveKind(k: MatchKind): MatchKind {
  if (k.group !== "*" || k.kind === "*") return k;
  for (const gv of ["v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "policy/v1", "storage.k8s.io/v1", "autoscaling/v2", "scheduling.k8s.io/v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "node.k8s.io/v1", "certificates.k8s.io/v1"]) {
    if (registry.byKind(gv, k.kind)) {
      const [g, v] = gv.includes("/") ? gv.split("/") : ["", gv];
      return { ...k, group: g!, version: k.version === "*" ? v! : k.version };
    }
  }
  return k;
}

const CONTROLLER_KINDS: Record<string, MatchKind> = {
  DaemonSet: { group: "apps", version: "v1", kind: "DaemonSet" },
  Deployment: { group: "apps", version: "v1", kind: "Deployment" },
  Job: { group: "batch", version: "v1", kind: "Job" },
  StatefulSet: { group: "apps", version: "v1", kind: "StatefulSet" },
  ReplicaSet: { group: "apps", version: "v1", kind: "ReplicaSet" },
  ReplicationController: { group: "", version: "v1", kind: "ReplicationController" },
  CronJob: { group: "batch", version: "v1", kind: "CronJob" },
};

function filters(m: MatchBlock | undefined): ResourceFilter[] {
  if (!m) return [];
  return [...(m.legacy ? [m.legacy] : []), ...(m.any ?? []), ...(m.all ?? [])];
}

const kindName = (s: string): string => kindSelector(s).kind;

/** Pod controllers the policy's autogen covers (Kyverno's autogen conditions and annotation). */
function autogenKinds(p: ClusterPolicy): string[] {
  let needed = false;
  for (const r of p.rules) {
    if (r.otherTypes.includes("generate")) return [];
    for (const f of [...filters(r.match), ...filters(r.exclude)]) {
      const d = f.resources ?? {};
      const kinds = d.kinds ?? [];
      if (d.name || d.names?.length || d.selector !== undefined || d.annotations !== undefined || (kinds.length > 1 && kinds.some((k) => kindName(k) === "Pod"))) return [];
      if (kinds.some((k) => k === "Pod" || k in CONTROLLER_KINDS)) needed = true;
    }
  }
  if (!needed) return [];
  const ann = p.annotations["pod-policies.kyverno.io/autogen-controllers"];
  const list = ann === undefined ? Object.keys(CONTROLLER_KINDS) : ann.split(",").map((s) => s.trim());
  return list.includes("none") ? [] : list.filter((k) => k in CONTROLLER_KINDS);
}

/** Kyverno rewrites an autogen rule's text: `request.object.spec` → `request.object.spec.template.spec`, … */
function rewriteRule(r: KyvernoRule, form: AutogenForm): KyvernoRule {
  const inner = form === "template" ? "spec.template" : "spec.jobTemplate.spec.template";
  const { source, otherTypes, name, ...rest } = r;
  let text = JSON.stringify(rest);
  const pairs = r.validate?.cel
    ? [["object.spec", `object.${inner}.spec`], ["oldObject.spec", `oldObject.${inner}.spec`], ["object.metadata", `object.${inner}.metadata`], ["oldObject.metadata", `oldObject.${inner}.metadata`]]
    : [["request.object.spec", `request.object.${inner}.spec`], ["request.oldObject.spec", `request.oldObject.${inner}.spec`], ["request.object.metadata", `request.object.${inner}.metadata`], ["request.oldObject.metadata", `request.oldObject.${inner}.metadata`]];
  for (const [a, b] of pairs) text = text.split(a!).join(b!);
  return { ...(JSON.parse(text) as Omit<KyvernoRule, "source" | "otherTypes" | "name">), source, otherTypes, name };
}

interface Variant {
  rule: KyvernoRule;
  /** Rule as Kyverno evaluates it for these kinds (text rewritten for autogen). */
  text: KyvernoRule;
  id: string;
  kinds: MatchKind[];
  form?: AutogenForm;
  roots: PssRoots;
}

const POD_ROOTS: PssRoots = { spec: path(root.object, "spec"), meta: path(root.object, "metadata") };
const TEMPLATE_ROOTS: PssRoots = { spec: path(root.object, "spec.template.spec"), meta: path(root.object, "spec.template.metadata") };
const CRON_ROOTS: PssRoots = { spec: path(root.object, "spec.jobTemplate.spec.template.spec"), meta: path(root.object, "spec.jobTemplate.spec.template.metadata") };

function variants(p: ClusterPolicy, r: KyvernoRule, controllers: string[]): Variant[] {
  const kinds = filters(r.match).flatMap((f) => f.resources?.kinds ?? []).map((k) => resolveKind(kindSelector(k)));
  const out: Variant[] = [{ rule: r, text: r, id: r.name, kinds, roots: POD_ROOTS }];
  const podRule = kinds.some((k) => k.kind === "Pod") && !r.name.startsWith("autogen-");
  const excludeKinds = filters(r.exclude).flatMap((f) => f.resources?.kinds ?? []);
  if (!podRule || (excludeKinds.length && !excludeKinds.some((k) => kindName(k) === "Pod")) || !r.validate) return out;
  const tpl = controllers.filter((c) => c !== "CronJob");
  if (tpl.length) out.push({ rule: r, text: rewriteRule(withKinds(r, tpl), "template"), id: `autogen-${r.name}`.slice(0, 63), kinds: tpl.map((c) => CONTROLLER_KINDS[c]!), form: "template", roots: TEMPLATE_ROOTS });
  if (controllers.includes("CronJob"))
    out.push({ rule: r, text: rewriteRule(withKinds(r, ["CronJob"]), "jobTemplate"), id: `autogen-cronjob-${r.name}`.slice(0, 63), kinds: [CONTROLLER_KINDS["CronJob"]!], form: "jobTemplate", roots: CRON_ROOTS });
  void p;
  return out;
}

/** The rule with its Pod kinds replaced by controller kinds (what autogen does to match/exclude). */
function withKinds(r: KyvernoRule, kinds: string[]): KyvernoRule {
  return withGvks(r, kinds.map((k) => { const m = CONTROLLER_KINDS[k]!; return `${m.group ? `${m.group}/` : ""}${m.version}/${m.kind}`; }));
}

/** The rule with the Pod kinds of its match/exclude filters replaced by `gvk` (`group/version/Kind`). */
function withGvks(r: KyvernoRule, gvk: string[]): KyvernoRule {
  const fix = (f: ResourceFilter): ResourceFilter => (f.resources?.kinds?.some((k) => kindName(k) === "Pod") ? { ...f, resources: { ...f.resources, kinds: gvk } } : f);
  const block = (m: MatchBlock): MatchBlock => ({ ...(m.any ? { any: m.any.map(fix) } : {}), ...(m.all ? { all: m.all.map(fix) } : {}), ...(m.legacy ? { legacy: fix(m.legacy) } : {}) });
  return { ...r, match: block(r.match), ...(r.exclude ? { exclude: block(r.exclude) } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// match / exclude filters → predicates

const req = (p: string): Val => V.at(path(root.request, p));
const glob = (v: Val, g: string): Pred => (/[*?]/.test(g) ? P.match(v, { k: "glob", glob: g }, false) : P.cmp(v, "==", g, false));

/** Kinds the policy's matchConstraints restrict requests to, when all are known exactly (else undefined). */
type Covered = readonly MatchKind[] | undefined;

function coveredKinds(kinds: readonly MatchKind[]): Covered {
  const exact = kinds.every((k) => k.group !== "*" && k.version !== "*" && k.kind !== "*" && registry.byKind(k.group ? `${k.group}/${k.version}` : k.version, k.kind));
  return exact && kinds.length ? kinds : undefined;
}

const kindCovers = (k: MatchKind, c: MatchKind): boolean =>
  (k.group === "*" || k.group === c.group) && (k.version === "*" || k.version === c.version) && (k.kind === "*" || k.kind === c.kind) && (k.subresource ?? "") === (c.subresource ?? "");

/** The request's kind is one of `kinds` (true when they cover every kind matchConstraints lets in). */
function kindPred(kinds: readonly string[], covered?: Covered): Pred {
  const resolved = kinds.map((s) => resolveKind(kindSelector(s)));
  if (covered?.every((c) => resolved.some((k) => kindCovers(k, c)))) return P.t;
  // matchConstraints lets in exact kinds with distinct names: the kind name alone tells them apart
  const same = (a: MatchKind, b: MatchKind): boolean => a.group === b.group && a.version === b.version && a.kind === b.kind && !a.subresource && !b.subresource;
  if (covered && new Set(covered.map((c) => c.kind)).size === covered.length && resolved.every((k) => covered.some((c) => same(k, c)))) {
    const names = [...new Set(resolved.map((k) => k.kind))];
    return names.length === 1 ? P.cmp(req("kind.kind"), "==", names[0]!, false) : P.in(req("kind.kind"), names, false);
  }
  return P.or(...kinds.map((s) => {
    const k = resolveKind(kindSelector(s));
    const parts: Pred[] = [];
    if (k.group !== "*") parts.push(glob(req("kind.group"), k.group));
    if (k.version !== "*") parts.push(glob(req("kind.version"), k.version));
    if (k.kind !== "*") parts.push(glob(req("kind.kind"), k.kind));
    return P.and(...parts);
  }));
}

/**
 * A criterion the VAP cannot decide is taken in the stricter direction: as matching in `match` (the rule applies to
 * more requests), as not matching in `exclude` (fewer requests escape the rule).
 */
const undecided = (inExclude: boolean): Pred => (inExclude ? P.f : P.t);

function selectorPred(sel: LabelSelector, labels: (k: string) => Val, gaps: string[], inExclude: boolean): Pred {
  const parts: Pred[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (/[*?]/.test(k) || /[*?]/.test(v)) {
      gaps.push(`wildcard label selector ${k}=${v}`);
      parts.push(undecided(inExclude));
    } else parts.push(P.cmp(labels(k), "==", v, false));
  }
  for (const e of sel.matchExpressions ?? []) {
    const l = labels(e.key);
    if (e.operator === "In") parts.push(P.in(l, e.values ?? [], false));
    else if (e.operator === "NotIn") parts.push(P.not(P.in(l, e.values ?? [], false)));
    // the key's presence (`l != null` on a map<string, string> value does not compile on the API server)
    else if (e.operator === "Exists") parts.push(present(l));
    else if (e.operator === "DoesNotExist") parts.push(P.not(present(l)));
    else {
      gaps.push(`label selector operator ${e.operator}`);
      parts.push(undecided(inExclude));
    }
  }
  return P.and(...parts);
}

const present = (label: Val): Pred => (label.k === "path" ? P.present(label.path) : P.cmp(label, "!=", null, false));
const labelOf = (base: "object" | "namespaceObject") => (k: string): Val => ({ k: "path", path: { root: { k: base }, segs: [{ k: "field", name: "metadata" }, { k: "field", name: "labels" }, { k: "key", key: k }] } });

/** Does the filter match the request (all its criteria)? Criteria a VAP cannot see are listed in `gaps`. */
function filterPred(f: ResourceFilter, gaps: string[], covered: Covered, inExclude: boolean): Pred {
  const d = f.resources ?? {};
  const parts: Pred[] = [];
  if (d.operations?.length) parts.push(P.in(req("operation"), d.operations, false));
  if (d.kinds?.length) parts.push(kindPred(d.kinds, covered));
  const name = V.at(path(root.object, "metadata.name"));
  if (d.name) parts.push(glob(name, d.name));
  if (d.names?.length) parts.push(P.or(...d.names.map((n) => glob(name, n))));
  if (d.namespaces?.length) {
    const ns = V.cond(P.cmp(req("kind.kind"), "==", "Namespace", "error"), V.or(V.at(path(root.object, "metadata.name")), ""), req("namespace"));
    parts.push(P.or(...d.namespaces.map((n) => glob(ns, n))));
  }
  for (const [k, v] of Object.entries(d.annotations ?? {})) {
    if (/[*?]/.test(k)) {
      gaps.push(`wildcard annotation key ${k}`);
      parts.push(undecided(inExclude));
      continue;
    }
    parts.push(glob(V.at({ root: { k: "object" }, segs: [{ k: "field", name: "metadata" }, { k: "field", name: "annotations" }, { k: "key", key: k }] }), v));
  }
  if (d.selector) parts.push(selectorPred(d.selector, labelOf("object"), gaps, inExclude));
  if (d.namespaceSelector) parts.push(P.and(P.cmp(req("kind.kind"), "!=", "Namespace", "error"), selectorPred(d.namespaceSelector, labelOf("namespaceObject"), gaps, inExclude)));
  if (f.roles?.length || f.clusterRoles?.length) {
    gaps.push(`roles/clusterRoles (not visible to a ValidatingAdmissionPolicy) ${inExclude ? "never excludes" : "is taken as matching"}`);
    parts.push(undecided(inExclude));
  }
  if (f.subjects?.length) {
    const user = req("userInfo.username");
    parts.push(P.or(...f.subjects.map((s) => {
      if (s.kind === "User") return glob(user, s.name);
      if (s.kind === "ServiceAccount") return glob(user, `system:serviceaccount:${s.namespace ?? ""}:${s.name}`);
      if (s.kind === "Group") return { k: "quant", q: "any", over: req("userInfo.groups"), v: "g", body: glob(V.at(path(root.v("g"))), s.name), ifAbsent: false } as Pred;
      gaps.push(`subject kind ${s.kind}`);
      return undecided(inExclude);
    })));
  }
  return P.and(...parts);
}

function blockPred(m: MatchBlock, gaps: string[], covered?: Covered): Pred {
  if (m.any?.length) return P.or(...m.any.map((f) => filterPred(f, gaps, covered, false)));
  if (m.all?.length) return P.and(...m.all.map((f) => filterPred(f, gaps, covered, false)));
  return m.legacy ? filterPred(m.legacy, gaps, covered, false) : P.f;
}

function excludePred(m: MatchBlock, gaps: string[], covered?: Covered): Pred {
  const nonEmpty = (f: ResourceFilter): boolean => Object.keys(f.resources ?? {}).length > 0 || !!f.subjects?.length || !!f.roles?.length || !!f.clusterRoles?.length;
  if (m.any?.length) return P.or(...m.any.filter(nonEmpty).map((f) => filterPred(f, gaps, covered, true)));
  if (m.all?.length) return P.and(...m.all.map((f) => (nonEmpty(f) ? filterPred(f, gaps, covered, true) : P.f)));
  return m.legacy && nonEmpty(m.legacy) ? filterPred(m.legacy, gaps, covered, true) : P.f;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

type AddGap = (g: Gap) => void;

/** What the rules of one policy share while they are lowered: failurePolicy, namespace, the ConfigMap param. */
interface PolicyState {
  failurePolicy: "Fail" | "Ignore";
  /** Namespace of a namespaced Policy. */
  namespace?: string;
  /** The ConfigMap the VAP takes as params (set by the first rule whose context reads one). */
  params?: ContextParams;
  /** Kinds matchConstraints lets in (a filter naming them all needs no kind test). */
  covered?: Covered;
}

function conditionsPred(c: Conditions, v: Variant, what: string, addGap: AddGap, scope: JmesScope = {}): Pred | undefined {
  try {
    return lowerConditions(c, scope);
  } catch (e) {
    if (!(e instanceof LowerGap)) throw e;
    addGap({ id: e.id, rule: v.id, reason: `${what}: ${e.message}`, effect: "weaker", provenance: { file: v.rule.source.file, line: v.rule.source.line, field: what === "preconditions" ? "preconditions" : "validate.deny" } });
    return undefined;
  }
}

/** Model rules for one variant of a validate rule (undefined parts are gaps already recorded). */
/** Re-rooting of a rule lowered once for all autogen forms (lowerAcrossForms): JMESPath-derived and pattern parts. */
interface Reroot {
  text: (p: Pred) => Pred;
  pattern: (r: Rule) => Rule;
}

function lowerVariant(v: Variant, state: PolicyState, addGap: AddGap, reroot?: Reroot): Rule[] {
  // what the rule's context adds to the VAP (the ConfigMap param and its caveat) counts only if the rule is emitted
  const deferred: Gap[] = [];
  const params = state.params;
  const rules = lowerVariantRules(v, state, addGap, deferred, reroot);
  if (rules.length) for (const g of deferred) addGap(g);
  else state.params = params;
  return rules;
}

function lowerVariantRules(v: Variant, state: PolicyState, addGap: AddGap, deferred: Gap[], reroot?: Reroot): Rule[] {
  const withoutFilter = reroot !== undefined;
  const text = reroot?.text ?? ((x: Pred) => x);
  const failurePolicy = state.failurePolicy;
  const r = v.text;
  const val = r.validate!;
  const prov = { file: v.rule.source.file, line: v.rule.source.line };
  const gap = (id: string, reason: string, effect: Gap["effect"]): void => addGap({ id, rule: v.id, reason, effect, provenance: prov });
  const applies: Pred[] = withoutFilter ? [] : [variantFilter(v, addGap, state.covered)];
  // the kinds tell the lowering what API validation guarantees about names, labels and keys (lower/validated.ts);
  // a rule lowered once for all autogen forms also reads pod templates (`templates`: their names are not validated)
  const kinds = v.kinds.some((k) => k.subresource) ? undefined : v.kinds.map((k) => `${k.group ? `${k.group}/` : ""}${k.version}/${k.kind}`);
  const facts: JmesScope = kinds ? { kinds, ...(reroot ? { templates: true } : {}) } : {};
  let scope: JmesScope = facts;
  if (r.context.length) {
    const low = lowerContext(r.context, { rule: v.id, provenance: prov, ...(state.namespace ? { policyNamespace: state.namespace } : {}), ...(state.params ? { params: state.params } : {}) });
    for (const g of low.gaps) (g.effect === "weaker" ? addGap(g) : deferred.push(g));
    if (low.gaps.some((g) => g.effect === "weaker")) return [];
    scope = { ...low.scope, ...facts };
    if (low.params) state.params = low.params;
  }
  if (r.preconditions) {
    const pre = conditionsPred(r.preconditions, v, "preconditions", addGap, scope);
    if (!pre) return [];
    applies.push(text(pre));
  }
  const when = P.and(...applies);
  const base = { id: v.id, provenance: { ...prov, field: "validate" }, gaps: [] as Gap[] };
  const message = { text: val.message ?? `validation error: rule ${v.id} failed` };
  if (val.deny) {
    const deny = val.deny.conditions ? conditionsPred(val.deny.conditions, v, "deny conditions", addGap, scope) : P.t;
    if (!deny) return [];
    return [{ ...base, field: "deny", when, check: P.not(text(deny)), message }];
  }
  if (val.pattern !== undefined || val.anyPattern) {
    // the pattern as Kyverno evaluates it for this form: its variables rewritten by autogen like the rest of the rule
    const patterned: KyvernoRule = { ...v.rule, validate: { ...v.rule.validate!, pattern: val.pattern, anyPattern: val.anyPattern } };
    const lowered = patternRule(patterned, { ...(v.form ? { autogen: v.form } : {}), failurePolicy, variables: scope });
    const pr = reroot ? reroot.pattern(lowered) : lowered;
    for (const g of pr.gaps) addGap(g);
    return [{ ...pr, when: pr.when ? P.and(when, pr.when) : when, gaps: [] }];
  }
  if (val.podSecurity) {
    try {
      const low = lowerPodSecurity(val.podSecurity, { roots: v.roots, ruleName: v.id, provenance: prov });
      for (const g of low.gaps) addGap(g);
      return low.rules.map((x) => ({ ...x, when: x.when ? P.and(when, x.when) : when }));
    } catch (e) {
      if (!(e instanceof PodSecurityInputError)) throw e;
      gap("kyverno.podSecurity.invalid", e.message, "weaker");
      return [];
    }
  }
  if (val.foreach) {
    try {
      const low = lowerForEach(val.foreach, { at: path(root.object), rule: v.id, provenance: prov, failurePolicy, ...(scope.resolve ? { resolve: scope.resolve } : {}), ...(scope.typeOf ? { typeOf: scope.typeOf } : {}), ...(kinds ? { kinds } : {}), ...(reroot ? { templates: true } : {}) });
      for (const g of low.gaps) addGap(g);
      return [{ ...base, provenance: { ...prov, field: "validate.foreach" }, field: "foreach", when, check: P.not(text(low.fails)), message }];
    } catch (e) {
      if (!(e instanceof LowerGap)) throw e;
      gap(e.id, `validate.foreach: ${e.message}: the rule is left out`, "weaker");
      return [];
    }
  }
  if (val.manifests !== undefined) gap("kyverno.manifests", "validate.manifests (signed YAML) has no VAP form: the rule is left out", "weaker");
  else if (val.cel) gap("kyverno.cel.mixed", "validate.cel in a policy with other rule types is not converted: the rule is left out", "weaker");
  return [];
}

/** The variant's match/exclude filters (criteria a VAP cannot see are stricter gaps). */
function variantFilter(v: Variant, addGap: AddGap, covered?: Covered): Pred {
  const filterGaps: string[] = [];
  const applies: Pred[] = [blockPred(v.text.match, filterGaps, covered)];
  if (v.text.exclude) applies.push(P.not(excludePred(v.text.exclude, filterGaps, covered)));
  for (const g of filterGaps) addGap({ id: "kyverno.match", rule: v.id, reason: `match/exclude: ${g}`, effect: "stricter", provenance: { file: v.rule.source.file, line: v.rule.source.line, field: v.rule.exclude ? "exclude" : "match" } });
  return P.and(...applies);
}

// ---------------------------------------------------------------------------------------------------------------
// Autogen forms as one rule: the pod a rule checks, chosen by kind

/** The variable holding the pod (or pod template) each autogen form checks. */
const POD = "pod";

/** The old object's pod (allowExistingViolations re-checks the old object). */
const OLD_POD = "oldPod";

/** `request.kind.kind == 'Pod' ? object : … 'CronJob' ? object.spec.jobTemplate.spec.template : object.spec.template`. */
function podValue(vs: readonly Variant[], of: "object" | "oldObject" = "object"): Val {
  const kind = req("kind.kind");
  const base = of === "object" ? root.object : root.oldObject;
  const template = V.at(path(base, "spec.template"));
  const cron = V.at(path(base, "spec.jobTemplate.spec.template"));
  const hasTemplate = vs.some((v) => v.form === "template");
  const hasCron = vs.some((v) => v.form === "jobTemplate");
  const controllers = hasTemplate && hasCron ? V.cond(P.cmp(kind, "==", "CronJob", "error"), cron, template) : hasCron ? cron : template;
  return V.cond(P.cmp(kind, "==", "Pod", "error"), V.at(path(base)), controllers);
}

// ---------------------------------------------------------------------------------------------------------------
// allowExistingViolations (validate_resource.go / validate_pss.go): for an Enforce rule on UPDATE (default true),
// Kyverno re-validates the old object as its CREATE (object := oldObject, oldObject := {}, operation CREATE) and skips
// the rule when both fail. A rule therefore applies unless `UPDATE && oldApplies && !oldCheck` — the old-object
// evaluation joins the rule's `when`, so the check and its messages stay as they are.

class ReadsOldObject extends Error {}

const isOperation = (v: Val): boolean => v.k === "path" && v.path.root.k === "request" && v.path.segs.length === 1 && v.path.segs[0]!.k === "field" && v.path.segs[0]!.name === "operation";

/**
 * The rule as Kyverno evaluates it on the old object (paths on the object read the old one; operation CREATE; the
 * old object of that evaluation is the empty resource, null in the JSON context: a value reading request.oldObject —
 * lowered as `oldObject != null ? oldObject.… : null` — reads null). Any other read of the old object is not modelled.
 */
function onOldObject<T>(x: T): T {
  const reroot = (p: Path): Path => {
    const r = p.root;
    if (r.k === "oldObject" || (r.k === "variable" && r.name === OLD_POD)) throw new ReadsOldObject();
    if (r.k === "object") return { root: root.oldObject, segs: p.segs };
    return r.k === "variable" && r.name === POD ? { root: root.variable(OLD_POD), segs: p.segs } : p;
  };
  return mapPaths(x, reroot, (v) => (isOperation(v) ? V.lit("CREATE") : isOldObjectRead(v) ? V.call("dyn", V.lit(null)) : undefined));
}

/** A value reading request.oldObject as the JMESPath lowering writes it: `oldObject` itself, or a field of it behind
 *  its null guard (`oldObject != null ? oldObject.a.b : null`). */
function isOldObjectRead(v: Val): boolean {
  const oldRoot = (x: Val): boolean => x.k === "path" && x.path.root.k === "oldObject";
  if (oldRoot(v) && v.k === "path" && v.path.segs.length === 0) return true;
  return v.k === "cond" && v.test.k === "cmp" && v.test.op === "!=" && v.test.lhs.k === "path" && oldRoot(v.test.lhs) && v.test.lhs.path.segs.length === 0 && v.test.rhs.k === "lit" && v.test.rhs.value === null;
}

function withExistingViolations(r: KyvernoRule, rule: Rule, addGap: AddGap): Rule {
  if (r.validate?.allowExistingViolations === false) return rule;
  const updates = filters(r.match).some((f) => !f.resources?.operations?.length || f.resources.operations.includes("UPDATE"));
  if (!updates) return rule;
  let old: { when: Pred; check: Pred };
  try {
    old = onOldObject({ when: rule.when ?? P.t, check: rule.check });
  } catch (e) {
    if (!(e instanceof ReadsOldObject)) throw e;
    addGap({ id: "kyverno.allowExistingViolations", rule: rule.id, reason: "the rule reads request.oldObject: Kyverno's re-check of the old object (an UPDATE is admitted when the old object also violates) is not converted", effect: "stricter", provenance: rule.provenance });
    return rule;
  }
  const existing = P.and(P.cmp(req("operation"), "==", "UPDATE", "error"), old.when, P.not(old.check));
  return { ...rule, when: P.and(rule.when ?? P.t, P.not(existing)) };
}

const anchorKey = (k: string): string => /^[=X^<+]?\((.*)\)$/.exec(k)?.[1] ?? k;

/**
 * Can the rule be lowered once over `variables.pod` for all its forms? Its match filters name only Pod (so every
 * request that reaches the check is a Pod or an autogen controller), its pattern reads only spec/metadata (Kyverno
 * moves the whole pattern under the template), and it is not podSecurity (checked per form by its own lowering).
 */
function sharedFormEligible(r: KyvernoRule): boolean {
  const val = r.validate;
  if (!val || val.podSecurity || val.cel) return false;
  const onlyPod = filters(r.match).every((f) => (f.resources?.kinds ?? []).length > 0 && f.resources!.kinds!.every((k) => k === "Pod" || k === "v1/Pod"));
  const patterns = [...(val.pattern !== undefined ? [val.pattern] : []), ...(val.anyPattern ?? [])];
  const podKeys = patterns.every((pt) => pt !== null && typeof pt === "object" && !Array.isArray(pt) && Object.keys(pt).every((k) => ["spec", "metadata"].includes(anchorKey(k))));
  return onlyPod && podKeys;
}

/** The rule cannot be lowered once for all its forms (it is lowered per form instead). */
class NotShared extends Error {}

/** Every Path inside a model value mapped by `f` (the model is plain data); `val` may replace a whole value first. */
function mapPaths<T>(x: T, f: (p: Path) => Path, val?: (v: Val) => Val | undefined): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const replaced = val?.(node as Val);
    if (replaced) return replaced;
    const o = node as Record<string, unknown>;
    if ("root" in o && Array.isArray(o.segs)) return f({ root: o.root as Path["root"], segs: (o.segs as unknown[]).map(walk) as Path["segs"] });
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v)]));
  };
  return walk(x) as T;
}

const firstField = (p: Path): string | undefined => (p.segs[0]?.k === "field" ? p.segs[0].name : undefined);
const podPath = (field: string, p: Path): Path => ({ root: root.variable(POD), segs: [{ k: "field", name: field }, ...p.segs.slice(1)] });

/**
 * Kyverno's autogen rewrites the rule's *text* (`request.object.spec` → `request.object.spec.template.spec`, …) and
 * moves the pattern under the template. The rule is lowered once from text where those literal prefixes are replaced
 * by markers: a marked path reads the pod (`variables.pod`), an object spec/metadata path without a marker is a
 * reference the rewrite does not reach (e.g. `request."object".metadata`) and keeps the rule per form, as does a
 * marked old-object path. Pattern paths on spec/metadata read the pod.
 */
const MARKERS: [string, string][] = [["request.object.spec", "request.object.zzpodspec"], ["request.object.metadata", "request.object.zzpodmetadata"], ["request.oldObject.spec", "request.oldObject.zzpodspec"], ["request.oldObject.metadata", "request.oldObject.zzpodmetadata"]];

function markedText(r: KyvernoRule): KyvernoRule {
  const { source, otherTypes, name, validate, ...rest } = r;
  const { pattern, anyPattern, ...checks } = validate ?? {};
  let text = JSON.stringify({ ...rest, validate: checks });
  for (const [a, b] of MARKERS) text = text.split(a).join(b);
  const back = JSON.parse(text) as Omit<KyvernoRule, "source" | "otherTypes" | "name">;
  return { ...back, validate: { ...back.validate!, ...(pattern !== undefined ? { pattern } : {}), ...(anyPattern ? { anyPattern } : {}) }, source, otherTypes, name };
}

const rerootText = (p: Path): Path => {
  const f = firstField(p);
  if (p.root.k === "object" && (f === "zzpodspec" || f === "zzpodmetadata")) return podPath(f.slice(5), p);
  if ((p.root.k === "object" || p.root.k === "oldObject") && (!f || f.startsWith("zzpod") || (p.root.k === "object" && (f === "spec" || f === "metadata")))) throw new NotShared();
  return p;
};

const rerootPattern = (p: Path): Path => {
  const f = firstField(p);
  if (p.root.k === "object" && (f === "spec" || f === "metadata")) return podPath(f, p);
  if (p.root.k === "object" || p.root.k === "oldObject") throw new NotShared();
  return p;
};

/** A rule with autogen forms lowered once over `variables.pod`, its filter the union of the forms' filters. */
function lowerAcrossForms(vs: readonly Variant[], state: PolicyState, addGap: AddGap): Rule[] | undefined {
  const podForm = vs[0]!;
  if (vs.length < 2 || podForm.form || !sharedFormEligible(podForm.rule)) return undefined;
  const gaps: Gap[] = [];
  const trial: PolicyState = { ...state };
  const reroot: Reroot = { text: (p) => mapPaths(p, rerootText), pattern: (r) => mapPaths(r, rerootPattern) };
  let lowered: Rule[];
  const unmark = (t: string): string => MARKERS.reduce((acc, [orig, marker]) => acc.split(marker).join(orig), t);
  try {
    // the markers never reach the output: gap reasons and messages (the validate.message text) read as written
    lowered = lowerVariant({ ...podForm, text: markedText(podForm.text) }, trial, (g) => gaps.push({ ...g, reason: unmark(g.reason) }), reroot)
      .map((rule) => ({ ...rule, message: { ...rule.message, text: unmark(rule.message.text) } }));
  } catch (e) {
    if (e instanceof NotShared) return undefined;
    throw e;
  }
  const allKinds = vs.flatMap((v) => v.kinds.map((k) => `${k.group ? `${k.group}/` : ""}${k.version}/${k.kind}`));
  const filter = variantFilter({ ...podForm, text: withGvks(podForm.rule, allKinds) }, (g) => gaps.push(g), state.covered);
  for (const g of gaps) addGap(g);
  Object.assign(state, trial);
  return lowered.map((rule) => ({ ...rule, when: rule.when ? P.and(filter, rule.when) : filter }));
}

// ---------------------------------------------------------------------------------------------------------------
// Policies

function vapName(p: KyvernoPolicy): string {
  const base = p.kind === "ClusterPolicy" || p.kind === "ValidatingPolicy" ? `cpol-${p.name}` : `pol-${p.namespace ?? "default"}-${p.name}`;
  return base.slice(0, 253);
}

function actionsFor(action: "Audit" | "Enforce", opts: KyvernoConvertOptions): ValidationAction[] {
  return opts.actions ?? (action === "Enforce" ? ["Deny"] : ["Audit", "Warn"]);
}

const reportGap = (g: Gap): ReportGap => ({ rule: g.rule, reason: `[${g.id}] ${g.reason}`, line: g.provenance?.line ?? 0, id: g.id, effect: g.effect, ...(g.provenance ? { file: g.provenance.file } : {}) });

/** The policy-level match: every kind any variant applies to, CREATE and UPDATE (rules narrow it themselves). */
function policyMatch(vs: readonly Variant[], namespace?: string): Match {
  const seen = new Set<string>();
  const kinds: MatchKind[] = [];
  for (const k of vs.flatMap((v) => v.kinds)) {
    const key = JSON.stringify(k);
    if (!seen.has(key)) kinds.push(k);
    seen.add(key);
  }
  const ops = new Set<Operation>();
  for (const v of vs) for (const f of filters(v.text.match)) for (const o of f.resources?.operations ?? ["CREATE", "UPDATE"]) ops.add(o as Operation);
  return { kinds: kinds.length ? kinds : [{ group: "*", version: "*", kind: "*" }], operations: [...ops].sort(), ...(namespace ? { namespaces: [namespace] } : {}) };
}

/**
 * A gap that points at its rule, moved to the rule's field it names (`context.<entry>`, `validate.pattern`,
 * `preconditions` …; a field not in the rule falls back to its parent, then to `validate`, then to the rule).
 */
function atField(g: Gap, r: KyvernoRule): Gap {
  const lines = r.source.fieldLines;
  const pv = g.provenance;
  if (!lines || !pv || pv.line !== r.source.line) return g;
  const field = pv.field ?? "validate";
  const parts = field.split(/[.[]/);
  const line = lines[field] ?? lines[parts.slice(0, 2).join(".")] ?? lines[parts[0]!] ?? lines["validate"];
  return line === undefined ? g : { ...g, provenance: { ...pv, line } };
}

function convertClusterPolicy(p: ClusterPolicy, opts: KyvernoConvertOptions): ConvertResult {
  const gaps: ReportGap[] = [];
  const addGap: AddGap = (g) => gaps.push(reportGap(g));
  const controllers = autogenKinds(p);
  const rules: Rule[] = [];
  // a rule's validate.failureAction overrides the policy's: rules are emitted per action (one VAP + binding each)
  const actionOf = new Map<Rule, "Audit" | "Enforce">();
  const formsOf = new Map(p.rules.filter((r) => r.validate && !r.validate.cel).map((r) => [r, variants(p, r, controllers)]));
  const match = policyMatch([...formsOf.values()].flat(), p.kind === "Policy" ? p.namespace : undefined);
  const state: PolicyState = { failurePolicy: p.failurePolicy, ...(p.kind === "Policy" && p.namespace ? { namespace: p.namespace } : {}), covered: coveredKinds(match.kinds) };
  const podForms: Variant[] = [];
  for (const r of p.rules) {
    const addRuleGap: AddGap = (g) => addGap(atField(g, r));
    for (const t of r.otherTypes) addRuleGap({ id: `kyverno.${t}`, rule: r.name, reason: `${t} rules are not converted (validate only)`, effect: "weaker", provenance: { file: r.source.file, line: r.source.line, field: t } });
    if (!r.validate) continue;
    if (r.validate.cel) {
      addRuleGap({ id: "kyverno.cel.mixed", rule: r.name, reason: "validate.cel rules are converted only when every rule of the policy is validate.cel", effect: "weaker", provenance: { file: r.source.file, line: r.source.line, field: "validate.cel" } });
      continue;
    }
    const vs = formsOf.get(r)!;
    const shared = lowerAcrossForms(vs, state, addRuleGap);
    const action = r.validate.failureAction ?? p.validationFailureAction;
    const lowered = (shared ?? vs.flatMap((v) => lowerVariant(v, state, addRuleGap))).map((x) => (action === "Enforce" ? withExistingViolations(r, x, addRuleGap) : x));
    if (shared?.length) podForms.push(...vs);
    for (const x of lowered) actionOf.set(x, action);
    rules.push(...lowered);
  }
  if (p.applyRules === "One") addGap({ id: "kyverno.applyRules", rule: p.name, reason: "applyRules: One stops at the first applicable rule; every rule is checked here", effect: "stricter" });
  if (!rules.length) return { manifests: [], gaps, status: "unsupported" };
  const target = opts.targetVersion ?? "1.36";
  const groups = (["Enforce", "Audit"] as const).map((action) => ({ action, rules: rules.filter((x) => actionOf.get(x) === action) })).filter((g) => g.rules.length);
  const manifests: object[] = [];
  for (const g of groups) {
    let parts: VapParts;
    try {
      const reads = (name: string): boolean => g.rules.some((x) => JSON.stringify(x).includes(`"k":"variable","name":"${name}"`));
      const variables = [
        ...(reads(POD) ? [{ name: POD, value: podValue(podForms) }] : []),
        ...(reads(OLD_POD) ? [{ name: OLD_POD, value: podValue(podForms, "oldObject") }] : []),
      ];
      // the pod (a Pod, or the template of a built-in controller) is a map whenever it has a value; typed as a pod
      // template (a Pod has every field a template has), null where the object is (DELETE; the old one on CREATE)
      const podType = (nullable: boolean): Ty => union([POD_TEMPLATE, ...(nullable ? ["null" as Ty] : [])]);
      const variableTypes: Record<string, Ty> = {
        ...(reads(POD) ? { [POD]: podType(match.operations.includes("DELETE")) } : {}),
        ...(reads(OLD_POD) ? { [OLD_POD]: podType(match.operations.includes("CREATE")) } : {}),
      };
      // (not a map on DELETE: the pod is then the null object)
      parts = emitRules(g.rules, match, { targetVersion: target, ...(variables.length ? { variables, variableTypes } : {}), ...(reads(POD) && !match.operations.includes("DELETE") ? { mapVariables: [POD] } : {}) });
    } catch (e) {
      gaps.push({ rule: p.name, reason: `[kyverno.emit] ${(e as Error).message}`, line: p.source.line, id: "kyverno.emit", effect: "weaker", file: p.source.file });
      return { manifests: [], gaps, status: "unsupported" };
    }
    // the policy's own action keeps the policy's name; rules that override it get `-audit` / `-enforce`
    const suffix = g.action === p.validationFailureAction ? "" : `-${g.action.toLowerCase()}`;
    manifests.push(...assemble(p, parts, opts, gaps, target, state.params, { suffix, action: g.action }).manifests);
  }
  return { manifests, gaps, status: gaps.length ? "partial" : "converted" };
}

function assemble(p: KyvernoPolicy, parts: VapParts, opts: KyvernoConvertOptions, gaps: ReportGap[], target: string, params?: ContextParams | CelParams, group?: { suffix: string; action: "Audit" | "Enforce" }): ConvertResult {
  const name = `${opts.name ?? vapName(p)}${group?.suffix ?? ""}`;
  const labels = { "app.kubernetes.io/managed-by": "vap-migrate" };
  const failurePolicy = isClusterPolicy(p) ? p.failurePolicy : "Fail";
  const action = group?.action ?? (isClusterPolicy(p) ? p.validationFailureAction : "Enforce");
  void envFor(target);
  const manifests = [
    buildVap({
      name,
      labels,
      annotations: { "vap-migrate.io/kyverno-policy": p.namespace ? `${p.namespace}/${p.name}` : p.name },
      matchConstraints: parts.matchConstraints,
      failurePolicy,
      ...(params ? { paramKind: params.paramKind } : {}),
      matchConditions: parts.matchConditions,
      variables: parts.variables,
      validations: parts.validations,
    }),
    buildVapBinding({ name: `${name}-binding`, policyName: name, actions: actionsFor(action, opts), labels, ...(params ? { paramRef: params.paramRef } : {}) }),
  ];
  return { manifests, gaps, status: gaps.length ? "partial" : "converted" };
}

/**
 * Kyverno-only CEL libraries (not in the API server): `resource.*`, `http.*`, `image.*` / `imagedata.*`,
 * `globalContext.*`, `exceptions.*` — as namespaces, not as a field of some value (`container.image.contains(…)`).
 */
export const KYVERNO_ONLY_CEL = /(^|[^.?\w])(resource\.(Get|List|PostView)|http\.(Get|Post)|image\.|imagedata\.|globalContext\.|exceptions\.)/;

/** A policy whose rules are all validate.cel: the CEL is the VAP's own (Kyverno's generator does the same). */
function convertCelPolicy(p: ClusterPolicy, opts: KyvernoConvertOptions): ConvertResult | undefined {
  if (!p.rules.length || !p.rules.every((r) => r.validate?.cel)) return undefined;
  const gaps: ReportGap[] = [];
  const gap = (r: KyvernoRule, id: string, reason: string, effect: Gap["effect"]): void => {
    gaps.push({ rule: r.name, reason: `[${id}] ${reason}`, line: r.source.line, id, effect, file: r.source.file });
  };
  const controllers = autogenKinds(p);
  const vs = p.rules.flatMap((r) => variants(p, r, controllers));
  const autogen = vs.some((v) => v.form);
  // autogen: Kyverno rewrites `object.spec` → `object.spec.template.spec` (…) per form; one VAP reads the pod
  // spec/metadata of any form through variables chosen by kind, so the rule's CEL keeps its shape
  const names = new Set(p.rules.flatMap((r) => r.validate!.cel!.variables.map((v) => v.name)));
  const fresh = (n: string): string => { let x = n; for (let i = 2; names.has(x); i++) x = `${n}${i}`; names.add(x); return x; };
  const pod = autogen ? { spec: fresh("podSpec"), meta: fresh("podMeta"), oldSpec: fresh("oldPodSpec"), oldMeta: fresh("oldPodMeta") } : undefined;
  const viaVariables = (t: string): string =>
    pod ? t.split("oldObject.spec").join(`variables.${pod.oldSpec}`).split("oldObject.metadata").join(`variables.${pod.oldMeta}`).split("object.spec").join(`variables.${pod.spec}`).split("object.metadata").join(`variables.${pod.meta}`) : t;
  const podVariables = pod
    ? (["spec", "metadata"] as const).flatMap((f) => (["object", "oldObject"] as const).map((o) => ({
        name: o === "object" ? (f === "spec" ? pod.spec : pod.meta) : f === "spec" ? pod.oldSpec : pod.oldMeta,
        expression: podFormExpression(o, f, true),
      })))
    : [];
  const variables: { name: string; expression: string }[] = [...podVariables];
  const validations: ValidationOut[] = [];
  const matchConditions: { name: string; expression: string }[] = [];
  const single = p.rules.length === 1;
  let params: CelParams | undefined;
  for (const r of p.rules) {
    const cel = r.validate!.cel!;
    const texts = [...cel.expressions.flatMap((e) => [e.expression, e.messageExpression ?? ""]), ...cel.variables.map((v) => v.expression)];
    if (texts.some((t) => KYVERNO_ONLY_CEL.test(t))) gap(r, "kyverno.cel.library", "uses a Kyverno-only CEL library (resource/http/image/globalContext/exceptions): the rule is left out", "weaker");
    // paramKind/paramRef: the VAP's and its binding's own (one per VAP: every rule that takes params must agree)
    const ref = cel.paramKind ? celParams(cel.paramKind, cel.paramRef) : undefined;
    if (cel.paramKind && (!ref || (params && JSON.stringify(params) !== JSON.stringify(ref))))
      gap(r, "kyverno.cel.params", ref ? "a second paramKind/paramRef (one per VAP): the rule is left out" : "paramRef must name its params (name or selector): the rule is left out", "weaker");
    if (texts.some((t) => KYVERNO_ONLY_CEL.test(t)) || (cel.paramKind && (!ref || (params && JSON.stringify(params) !== JSON.stringify(ref))))) continue;
    if (ref) params = ref;
    for (const v of cel.variables) {
      const prev = variables.find((x) => x.name === v.name);
      if (prev && prev.expression !== viaVariables(v.expression)) gap(r, "kyverno.cel.variable-clash", `variable ${v.name} is defined differently by several rules`, "unverified");
      else if (!prev) variables.push({ name: v.name, expression: viaVariables(v.expression) });
    }
    // the rule's own match/exclude (over every autogen form) guards it: a matchCondition for a single rule,
    // else `!(applies) || check` in each of its validations
    const filterGaps: string[] = [];
    const applies = P.or(...vs.filter((v) => v.rule === r).map((v) => P.and(blockPred(v.text.match, filterGaps), v.text.exclude ? P.not(excludePred(v.text.exclude, filterGaps)) : P.t)));
    for (const g of filterGaps) gap(r, "kyverno.match", `match/exclude: ${g}`, "stricter");
    const appliesText = unparse(simplify(lowerPred(applies, context({ envVersion: envFor(opts.targetVersion ?? "1.36") }))));
    if (single) matchConditions.push({ name: "match", expression: appliesText });
    // preconditions: matchConditions for a single rule (exact skip); otherwise each validation is `!pre || check`
    const pres = [...(single ? [] : [appliesText]), ...r.celPreconditions.map((c) => viaVariables(c.expression))];
    if (single) {
      r.celPreconditions.forEach((c, i) => {
        const forms = vs.filter((v) => v.rule === r);
        const expr = forms.length > 1 ? forms.map((f, j) => (j < forms.length - 1 ? `${kindPredText(f)} ? (${f.text.celPreconditions[i]!.expression}) :` : `(${f.text.celPreconditions[i]!.expression})`)).join("\n") : c.expression;
        matchConditions.push({ name: c.name || `precondition-${i}`, expression: expr });
      });
    }
    const guard = !single && pres.length ? `!(${pres.map((x) => `(${x})`).join(" && ")}) || ` : "";
    for (const e of cel.expressions) {
      validations.push({
        expression: guard ? `${guard}(${viaVariables(e.expression)})` : viaVariables(e.expression),
        message: e.message ?? "",
        ...(e.messageExpression !== undefined ? { messageExpression: viaVariables(e.messageExpression) } : {}),
        ...(e.reason !== undefined ? { reason: e.reason as ValidationOut["reason"] } : {}),
      });
    }
  }
  if (!validations.length) return { manifests: [], gaps, status: "unsupported" };
  const used = [...variables.map((v) => v.expression), ...validations.flatMap((v) => [v.expression, v.messageExpression ?? ""])].join("\n");
  const parts: VapParts = {
    matchConstraints: emitMatchConstraints(policyMatch(vs, p.kind === "Policy" ? p.namespace : undefined)),
    matchConditions,
    variables: variables.filter((v) => !podVariables.includes(v) || used.includes(`variables.${v.name}`)),
    validations,
  };
  // rule-level failureAction: one VAP holds every rule, so any Enforce rule makes it Enforce (Audit rules then deny)
  const actions = new Set(p.rules.map((r) => r.validate?.failureAction ?? p.validationFailureAction));
  if (actions.size > 1) gaps.push({ rule: p.name, reason: "[kyverno.failureAction.mixed] rules with Audit and Enforce failureAction share one VAP: it enforces them all", line: p.source.line, id: "kyverno.failureAction.mixed", effect: "stricter", file: p.source.file });
  const action = actions.has("Enforce") ? "Enforce" : "Audit";
  return assemble(p, parts, opts, gaps, opts.targetVersion ?? "1.36", params, { suffix: "", action });
}

interface CelParams {
  paramKind: { apiVersion: string; kind: string };
  paramRef: ParamRefSpec;
}

/** validate.cel paramKind + paramRef (name or selector, namespace, parameterNotFoundAction) as the VAP's. */
function celParams(kind: { apiVersion: string; kind: string }, raw: JsonValue | undefined): CelParams | undefined {
  const ref = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? raw : {};
  const name = typeof ref.name === "string" ? ref.name : undefined;
  const selector = ref.selector !== null && typeof ref.selector === "object" && !Array.isArray(ref.selector) ? (ref.selector as ParamRefSpec["selector"]) : undefined;
  if (!name && !selector) return undefined;
  const action = ref.parameterNotFoundAction === "Allow" ? "Allow" : "Deny";
  return {
    paramKind: { apiVersion: kind.apiVersion, kind: kind.kind },
    paramRef: { ...(name ? { name } : {}), ...(selector ? { selector } : {}), ...(typeof ref.namespace === "string" ? { namespace: ref.namespace } : {}), parameterNotFoundAction: action },
  };
}

function kindPredText(v: Variant): string {
  return `(${v.kinds.map((k) => `request.kind.kind == '${k.kind}'`).join(" || ") || "true"})`;
}

function emitMatchConstraints(m: Match): VapParts["matchConstraints"] {
  return emitRules([], m, { targetVersion: "1.36" }).matchConstraints;
}

// ValidatingPolicy autogen (Kyverno pkg/cel/autogen): a policy whose matchConstraints match exactly core/v1 pods
// (one resource rule, no names, no object selector, no exclusions) also applies to the pod controllers listed in
// `autogen.podControllers.controllers` (default: all six), with `object.spec`/`object.metadata` (and oldObject's)
// rewritten to the template's — except `metadata.namespace`, which stays the workload's own.

const VPOL_CONTROLLERS: Record<string, { group: string; resource: string; kind: string }> = {
  daemonsets: { group: "apps", resource: "daemonsets", kind: "DaemonSet" },
  deployments: { group: "apps", resource: "deployments", kind: "Deployment" },
  replicasets: { group: "apps", resource: "replicasets", kind: "ReplicaSet" },
  statefulsets: { group: "apps", resource: "statefulsets", kind: "StatefulSet" },
  jobs: { group: "batch", resource: "jobs", kind: "Job" },
  cronjobs: { group: "batch", resource: "cronjobs", kind: "CronJob" },
};

type JsonMap = { [k: string]: unknown };
const asMap = (x: unknown): JsonMap | undefined => (typeof x === "object" && x !== null && !Array.isArray(x) ? (x as JsonMap) : undefined);
const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** The controllers Kyverno generates rules for, or [] when the policy is not eligible (CanAutoGen). */
function vpolControllers(spec: JsonMap): string[] {
  const m = asMap(spec.matchConstraints);
  if (!m) return [];
  const sel = asMap(m.objectSelector);
  if (sel && (Object.keys(asMap(sel.matchLabels) ?? {}).length || asList(sel.matchExpressions).length)) return [];
  if (asList(m.excludeResourceRules).length) return [];
  const rules = asList(m.resourceRules);
  const r = asMap(rules[0]);
  if (rules.length !== 1 || !r || asList(r.resourceNames).length) return [];
  const one = (x: unknown, v: string): boolean => asList(x).length === 1 && asList(x)[0] === v;
  if (!one(r.apiGroups, "") || !one(r.apiVersions, "v1") || !one(r.resources, "pods")) return [];
  const configured = asMap(asMap(spec.autogen)?.podControllers)?.controllers;
  const names = Array.isArray(configured) ? configured.filter((c): c is string => typeof c === "string") : Object.keys(VPOL_CONTROLLERS);
  return names.filter((c) => c in VPOL_CONTROLLERS);
}

/**
 * `object.spec…` / `object.metadata…` (and oldObject's) of CEL text read through the pod variables chosen by kind;
 * `object.metadata.namespace` stays (Kyverno protects it).
 */
function viaPodVariables(text: string, names: { spec: string; meta: string; oldSpec: string; oldMeta: string }): string {
  return text.replace(POD_FIELD_READ, (_m, o: string, f: string) =>
    `variables.${o === "object" ? (f === "spec" ? names.spec : names.meta) : f === "spec" ? names.oldSpec : names.oldMeta}`);
}

/** The pod spec/metadata of the request's object (or old object) for the Pod and its controllers. */
/** `object.spec` / `object.metadata` (and oldObject's) as Kyverno's autogen rewrites them; not `metadata.namespace`. */
const POD_FIELD_READ = /(?<![\w.])(oldObject|object)\.(spec|metadata)(?![\w])(?!\.namespace(?![\w]))/g;

function podFormExpression(o: "object" | "oldObject", f: "spec" | "metadata", cronJob: boolean): string {
  return `request.kind.kind == 'Pod' ? ${o}.${f} :\n${cronJob ? `request.kind.kind == 'CronJob' ? ${o}.spec.jobTemplate.spec.template.${f} :\n` : ""}${o}.spec.template.${f}`;
}

function convertValidatingPolicy(p: ValidatingPolicy, opts: KyvernoConvertOptions): ConvertResult {
  const s = p.spec;
  const gaps: ReportGap[] = [];
  const gap = (id: string, reason: string): void => {
    gaps.push({ rule: p.name, reason: `[${id}] ${reason}`, line: p.source.line, id, effect: "weaker", file: p.source.file });
  };
  const spec = s as unknown as JsonMap;
  const controllers = vpolControllers(spec);
  const kept = withoutKyvernoLibraries(withKyvernoFunctionsLowered({
    matchConstraints: (s.matchConstraints ?? {}) as unknown as VapParts["matchConstraints"],
    matchConditions: (s.matchConditions ?? []) as unknown as VapParts["matchConditions"],
    variables: (s.variables ?? []) as unknown as VapParts["variables"],
    validations: (s.validations ?? []) as unknown as VapParts["validations"],
  }));
  if (kept.dropped.length) gap("kyverno.cel.library", `${kept.dropped.join(", ")} call a Kyverno-only CEL library or function (resource/http/image/imagedata/globalContext/exceptions, parseServiceAccount other than .Name/.Namespace): left out`);
  if (!kept.parts) return { manifests: [], gaps, status: "unsupported" };
  let parts = kept.parts;
  if (controllers.length) parts = withVpolAutogen(parts, controllers);
  const action = Array.isArray(s.validationActions) && s.validationActions.includes("Deny") ? "Enforce" : "Audit";
  return assemble(p, parts, { ...opts, ...(opts.actions ? {} : { actions: action === "Enforce" ? ["Deny"] : ["Audit", "Warn"] }) }, gaps, opts.targetVersion ?? "1.36");
}

/**
 * The VAP parts without what calls a Kyverno-only library: variables that call one (or read such a variable) and
 * validations that do; undefined parts when a matchCondition does or no validation is left.
 */
function withoutKyvernoLibraries(parts: VapParts): { parts?: VapParts; dropped: string[] } {
  const bad = new Set<string>();
  const reads = (t: string): boolean => KYVERNO_ONLY_CEL.test(t) || usesKyvernoFunction(t) !== undefined || [...bad].some((n) => new RegExp(`\\bvariables\\.${n}\\b`).test(t));
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of parts.variables) if (!bad.has(v.name) && reads(v.expression)) (bad.add(v.name), (grew = true));
  }
  const dropped = [...[...bad].map((n) => `variable ${n}`)];
  const validations = parts.validations.filter((v, i) => {
    const out = reads(v.expression) || reads(v.messageExpression ?? "");
    if (out) dropped.push(`validation ${i + 1}`);
    return !out;
  });
  const conditions = parts.matchConditions.filter((m) => reads(m.expression));
  dropped.push(...conditions.map((m) => `matchCondition ${m.name}`));
  if (conditions.length || !validations.length) return { dropped };
  return { parts: { ...parts, variables: parts.variables.filter((v) => !bad.has(v.name)), validations }, dropped };
}

/** The VAP parts with Kyverno's pure CEL functions written in plain CEL where they can be (lower/kyverno-cel.ts). */
function withKyvernoFunctionsLowered(parts: VapParts): VapParts {
  const low = lowerKyvernoCelFunctions;
  return {
    matchConstraints: parts.matchConstraints,
    matchConditions: parts.matchConditions.map((m) => ({ ...m, expression: low(m.expression) })),
    variables: parts.variables.map((v) => ({ ...v, expression: low(v.expression) })),
    validations: parts.validations.map((v) => ({ ...v, expression: low(v.expression), ...(v.messageExpression !== undefined ? { messageExpression: low(v.messageExpression) } : {}) })),
  };
}

/** One VAP for the Pod and its controllers: their resource rules added, the CEL reading the pod through variables. */
function withVpolAutogen(parts: VapParts, controllers: string[]): VapParts {
  const taken = new Set(parts.variables.map((v) => v.name));
  const fresh = (n: string): string => { let x = n; for (let i = 2; taken.has(x); i++) x = `${n}${i}`; taken.add(x); return x; };
  const names = { spec: fresh("podSpec"), meta: fresh("podMeta"), oldSpec: fresh("oldPodSpec"), oldMeta: fresh("oldPodMeta") };
  const cronJob = controllers.includes("cronjobs");
  const all = [...parts.variables.map((v) => v.expression), ...parts.validations.flatMap((v) => [v.expression, v.messageExpression ?? ""])].join("\n");
  const via = (t: string): string => viaPodVariables(t, names);
  const rewritten = via(all);
  const podVariables = ([["spec", "object", names.spec], ["metadata", "object", names.meta], ["spec", "oldObject", names.oldSpec], ["metadata", "oldObject", names.oldMeta]] as const)
    .filter(([, , n]) => rewritten.includes(`variables.${n}`))
    .map(([f, o, n]) => ({ name: n, expression: podFormExpression(o, f, cronJob) }));
  // matchConditions cannot read variables: the choice by kind is written out there
  const inline = (t: string): string =>
    t.replace(POD_FIELD_READ, (_m, o: "object" | "oldObject", f: "spec" | "metadata") => `(${podFormExpression(o, f, cronJob).split("\n").join(" ")})`);
  const rule = asMap(asList(parts.matchConstraints.resourceRules)[0])!;
  const targets = controllers.map((c) => VPOL_CONTROLLERS[c]!).sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource));
  const groups = [...new Set(targets.map((t) => t.group))];
  const extra = groups.map((g) => ({ ...rule, apiGroups: [g], apiVersions: ["v1"], resources: targets.filter((t) => t.group === g).map((t) => t.resource) }));
  return {
    matchConstraints: { ...parts.matchConstraints, resourceRules: [rule, ...extra] } as VapParts["matchConstraints"],
    matchConditions: parts.matchConditions.map((m) => ({ ...m, expression: inline(m.expression) })),
    variables: [...podVariables, ...parts.variables.map((v) => ({ ...v, expression: via(v.expression) }))],
    validations: parts.validations.map((v) => ({ ...v, expression: via(v.expression), ...(v.messageExpression !== undefined ? { messageExpression: via(v.messageExpression) } : {}) })),
  };
}

/** Convert each policy into its own VAP + binding. */
export function convertKyvernoPolicies(policies: readonly KyvernoPolicy[], opts: KyvernoConvertOptions = {}): ConvertResult {
  const manifests: object[] = [];
  const gaps: ReportGap[] = [];
  let converted = 0;
  for (const p of policies) {
    const one = isClusterPolicy(p) ? convertCelPolicy(p, opts) ?? convertClusterPolicy(p, opts) : convertValidatingPolicy(p, opts);
    manifests.push(...one.manifests);
    gaps.push(...one.gaps);
    if (one.manifests.length) converted++;
  }
  const status = !converted ? "unsupported" : gaps.length ? "partial" : "converted";
  return { manifests, gaps, status };
}
