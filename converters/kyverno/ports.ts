// A Kyverno policy against the maintainers' own CEL port of it (CEL_PORTS.tsv: `*-cel` ClusterPolicies with
// validate.cel rules, `*-vpol` policies.kyverno.io ValidatingPolicies). For one pair, every resource of both
// `kyverno test` suites (the original's and the port's, each resource with its own suite's values, namespace labels,
// userinfo and operation; a name present in both suites stays two resources) is decided three ways:
//   ours      the original converted by convertKyvernoPolicies, in our VAP engine (bindings forced to Deny);
//   port      the port as Kyverno runs it: a `*-cel` ClusterPolicy through our Kyverno engine (evaluatePolicy; its
//             validate.cel goes through the VAP validator), a ValidatingPolicy through our VAP engine after
//             Kyverno's own ValidatingPolicy autogen (`vpolAsKyverno`, below) — our Kyverno engine does not
//             evaluate ValidatingPolicy, and the converter's pass-through output does not reproduce that autogen;
//   original  the original through our Kyverno engine (to say whether a disagreement is conversion or port drift).
// Recorded: the resource's own suite's expectation for its own policy (the original's suite → the original,
// the port's suite → the port): some entry naming it says fail → deny; admit only when every rule that answers for
// it is recorded pass/skip/warn (entries are per rule; a ValidatingPolicy has none). Every ours ≠ port case is a
// disagreement, with the side the recorded result supports ("neither recorded" when its suite says nothing about
// it for the whole policy). Resources are decided as `kyverno test` sees them (CREATE unless the values set
// `request.operation`, then the old object is the object itself).
// Size: characters of CEL we emit (matchConditions, variables, validation expressions + messageExpressions of the
// converted original) against the port's (celPreconditions / matchConditions, variables, expressions +
// messageExpressions); matchConstraints and messages are not CEL and not counted. Pure: policies and suites come in
// loaded; nothing is read here.
import { evaluate } from "../../src/vap/engine.js";
import { requestForObject } from "../../src/vap/load.js";
import type { KObject, MatchResources, NamedExpression, UserInfo, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, Validation } from "../../src/vap/types.js";
import { convertKyvernoPolicies } from "./convert.js";
import { evaluatePolicy, type RuleResponse } from "./engine/index.js";
import type { JsonObject } from "./engine/pattern.js";
import { resourcesFor } from "./engine/suite.js";
import type { ClusterPolicy, JsonValue, KyvernoPolicy, ValidatingPolicy } from "./model.js";
import { isClusterPolicy } from "./model.js";
import type { KyvernoSuite } from "./testsuite.js";

export type Admission = "admit" | "deny";
export type Support = "ours" | "port" | "neither recorded";

export interface PortPairInput {
  source: KyvernoPolicy;
  port: KyvernoPolicy;
  sourceSuites: readonly KyvernoSuite[];
  portSuites: readonly KyvernoSuite[];
}

export interface PortCase {
  /** Whose suite the resource comes from. */
  from: "source" | "port";
  /** `Kind ns/name` (cluster-scoped: `Kind name`). */
  resource: string;
  /** The converted original in the VAP engine; undefined when the original did not convert at all. */
  ours?: Admission;
  /** The port as Kyverno runs it; undefined when it cannot be evaluated here (see PortComparison.portUnevaluable). */
  port?: Admission;
  /** The original through the Kyverno engine. */
  original: Admission;
  /** The resource's own suite's expectation for its own policy, when it has one. */
  recorded?: Admission;
}

export interface PortDisagreement extends PortCase {
  ours: Admission;
  port: Admission;
  supported: Support;
  /** "conversion" when ours ≠ the original in the Kyverno engine, else "port drift" (original ≠ port). */
  kind: "conversion" | "port drift";
}

export interface PortComparison {
  source: string;
  port: string;
  portKind: "cel" | "vpol";
  /** The original's conversion status and gap ids. */
  conversion: "converted" | "partial" | "unsupported";
  gaps: string[];
  /** Why the port cannot be evaluated offline (Kyverno-only CEL libraries, params), if so. */
  portUnevaluable?: string;
  cases: PortCase[];
  /** Cases where ours and port were both decided. */
  compared: number;
  disagreements: PortDisagreement[];
  /** ratio = ours.total / port.total (null when the original did not convert or the port has no CEL). */
  size: { ours: CelSize; port: CelSize; ratio: number | null; ratioNonWhitespace: number | null; ratioChecks: number | null };
}

/** Kyverno CEL libraries the VAP engine does not have (context mocks in `kyverno test`). */
export const KYVERNO_ONLY_CEL = /(^|[^.\w])(resource\.(Get|List|PostView)|http\.(Get|Post)|image\.GetMetadata|globalContext\.Get|exceptions\.)/;

// ---------------------------------------------------------------------------------------------------------------
// CEL size

/** CEL text by field: what the size measure sums. */
export interface CelTexts {
  matchConditions: string[];
  variables: string[];
  expressions: string[];
  messageExpressions: string[];
}

/** Characters per field, their total, totals without whitespace, and the runtime glob matchers inside. */
export interface CelSize {
  total: number;
  nonWhitespace: number;
  /** Non-whitespace characters of matchConditions, variables and expressions (messageExpressions left out). */
  checksNonWhitespace: number;
  matchConditions: number;
  variables: number;
  expressions: number;
  messageExpressions: number;
  /** Characters in `.matches('(?s)^' + <escaped operand> + '$')` runtime wildcard matchers (Kyverno operators whose
   *  operand may itself be a glob). */
  runtimeGlob: number;
}

const strs = (xs: unknown, key: string): string[] =>
  (Array.isArray(xs) ? xs : []).map((x) => (typeof x === "object" && x !== null ? (x as Record<string, unknown>)[key] : undefined)).filter((v): v is string => typeof v === "string");

/** The CEL of the VAPs among `manifests`: matchConditions, variables, validations (+ messageExpression). */
export function vapCelTexts(manifests: readonly object[]): CelTexts {
  const out: CelTexts = { matchConditions: [], variables: [], expressions: [], messageExpressions: [] };
  for (const m of manifests as KObject[]) {
    if (m.kind !== "ValidatingAdmissionPolicy") continue;
    const s = (m as ValidatingAdmissionPolicy).spec;
    out.matchConditions.push(...strs(s.matchConditions, "expression"));
    out.variables.push(...strs(s.variables, "expression"));
    out.expressions.push(...strs(s.validations, "expression"));
    out.messageExpressions.push(...strs(s.validations, "messageExpression"));
  }
  return out;
}

/** The CEL a port is written with (same fields; a cel rule's celPreconditions are its matchConditions). */
export function portCelTexts(p: KyvernoPolicy): CelTexts {
  if (isClusterPolicy(p)) {
    const cel = p.rules.map((r) => r.validate?.cel).filter((c) => c !== undefined);
    return {
      matchConditions: p.rules.flatMap((r) => r.celPreconditions.map((c) => c.expression)),
      variables: cel.flatMap((c) => c.variables.map((v) => v.expression)),
      expressions: cel.flatMap((c) => c.expressions.map((e) => e.expression)),
      messageExpressions: cel.flatMap((c) => c.expressions.flatMap((e) => (e.messageExpression !== undefined ? [e.messageExpression] : []))),
    };
  }
  return {
    matchConditions: strs(p.spec.matchConditions, "expression"),
    variables: strs(p.spec.variables, "expression"),
    expressions: strs(p.spec.validations, "expression"),
    messageExpressions: strs(p.spec.validations, "messageExpression"),
  };
}

const RUNTIME_GLOB = /\.matches\(\s*'\(\?s\)\^'[\s\S]*?'\$'\s*\)/g;
const len = (xs: readonly string[]): number => xs.reduce((n, x) => n + x.length, 0);

export function celSize(t: CelTexts): CelSize {
  const checks = [...t.matchConditions, ...t.variables, ...t.expressions];
  const all = [...checks, ...t.messageExpressions];
  const noWs = (xs: readonly string[]): number => len(xs.map((x) => x.replace(/\s+/g, "")));
  return {
    total: len(all),
    nonWhitespace: noWs(all),
    checksNonWhitespace: noWs(checks),
    matchConditions: len(t.matchConditions),
    variables: len(t.variables),
    expressions: len(t.expressions),
    messageExpressions: len(t.messageExpressions),
    runtimeGlob: len(all.flatMap((x) => x.match(RUNTIME_GLOB) ?? [])),
  };
}

/** min / p25 / median / p75 / max (linear interpolation between order statistics). */
export function distribution(values: readonly number[]): { n: number; min: number; p25: number; median: number; p75: number; max: number } {
  const v = [...values].sort((a, b) => a - b);
  const q = (f: number): number => {
    if (!v.length) return NaN;
    const i = (v.length - 1) * f;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return v[lo]! + (v[hi]! - v[lo]!) * (i - lo);
  };
  return { n: v.length, min: q(0), p25: q(0.25), median: q(0.5), p75: q(0.75), max: q(1) };
}

// ---------------------------------------------------------------------------------------------------------------
// ValidatingPolicy as Kyverno evaluates it (pkg/cel/autogen, Kyverno 1.14–1.17). Kept apart from convert.ts's own
// ValidatingPolicy autogen on purpose: this side stands for Kyverno, and replay only catches what was derived twice.

const CONTROLLERS: Record<string, { group: string; kind: string; form: "defaults" | "cronjobs" }> = {
  daemonsets: { group: "apps", kind: "DaemonSet", form: "defaults" },
  deployments: { group: "apps", kind: "Deployment", form: "defaults" },
  replicasets: { group: "apps", kind: "ReplicaSet", form: "defaults" },
  statefulsets: { group: "apps", kind: "StatefulSet", form: "defaults" },
  jobs: { group: "batch", kind: "Job", form: "defaults" },
  cronjobs: { group: "batch", kind: "CronJob", form: "cronjobs" },
};

const REPLACEMENTS: Record<"defaults" | "cronjobs", [string, string][]> = {
  defaults: [["spec", "spec.template.spec"], ["metadata", "spec.template.metadata"]],
  cronjobs: [["spec", "spec.jobTemplate.spec.template.spec"], ["metadata", "spec.jobTemplate.spec.template.metadata"]],
};

type Spec = { [k: string]: JsonValue };
const isObj = (v: unknown): v is Spec => typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmptySelector = (s: JsonValue | undefined): boolean => isObj(s) && ((isObj(s.matchLabels) && Object.keys(s.matchLabels).length > 0) || (Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0));

/** CanAutoGen: one resource rule for core/v1 pods, no selectors, no exclusions, no resource names. */
function canAutoGen(match: JsonValue | undefined): boolean {
  if (!isObj(match)) return false;
  if (nonEmptySelector(match.namespaceSelector) || nonEmptySelector(match.objectSelector)) return false;
  if (Array.isArray(match.excludeResourceRules) && match.excludeResourceRules.length) return false;
  const rules = Array.isArray(match.resourceRules) ? match.resourceRules : [];
  if (rules.length !== 1 || !isObj(rules[0])) return false;
  const r = rules[0];
  const one = (v: JsonValue | undefined, want: string): boolean => Array.isArray(v) && v.length === 1 && v[0] === want;
  if (Array.isArray(r.resourceNames) && r.resourceNames.length) return false;
  return one(r.apiGroups, "") && one(r.apiVersions, "v1") && one(r.resources, "pods");
}

/** The pod controllers a ValidatingPolicy's autogen covers (empty when autogen does not apply). */
export function vpolAutogenControllers(p: ValidatingPolicy): string[] {
  if (!canAutoGen(p.spec.matchConstraints)) return [];
  const auto = p.spec.autogen;
  const pc = isObj(auto) ? auto.podControllers : undefined;
  const listed = isObj(pc) && Array.isArray(pc.controllers) ? pc.controllers.filter((c): c is string => typeof c === "string") : undefined;
  return (listed ?? Object.keys(CONTROLLERS)).filter((c) => c in CONTROLLERS);
}

function vapOf(name: string, spec: Spec, matchConstraints: JsonValue | undefined): ValidatingAdmissionPolicy {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      failurePolicy: spec.failurePolicy === "Ignore" ? "Ignore" : "Fail",
      ...(matchConstraints !== undefined ? { matchConstraints: matchConstraints as unknown as MatchResources } : {}),
      ...(Array.isArray(spec.matchConditions) ? { matchConditions: spec.matchConditions as unknown as NamedExpression[] } : {}),
      ...(Array.isArray(spec.variables) ? { variables: spec.variables as unknown as NamedExpression[] } : {}),
      validations: (Array.isArray(spec.validations) ? spec.validations : []) as unknown as Validation[],
    },
  };
}

/**
 * The ValidatingPolicy as Kyverno (1.14–1.17) evaluates it: the policy itself, plus — when its match is exactly
 * core/v1 pods without selectors — one generated policy per replacement form (`autogen-<name>` for DaemonSet /
 * Deployment / ReplicaSet / StatefulSet / Job, `autogen-cronjobs-<name>` for CronJob; `autogen.podControllers.
 * controllers` narrows the set, `[]` turns it off) whose spec JSON has `object.spec` → `object.spec.template.spec`,
 * `object.metadata` → `object.spec.template.metadata` (CronJob: under `spec.jobTemplate.spec.template`) replaced
 * byte for byte, oldObject likewise. (Later Kyverno keeps `.metadata.name` / `.metadata.namespace` on the
 * workload — kyverno#16039, after the corpus snapshot — and guards matchConditions with the kind; a no-op here
 * since each generated policy only matches its own kinds.)
 */
export function vpolAsKyverno(p: ValidatingPolicy): ValidatingAdmissionPolicy[] {
  const out = [vapOf(p.name, p.spec, p.spec.matchConstraints)];
  const controllers = vpolAutogenControllers(p);
  const rule0 = (isObj(p.spec.matchConstraints) && Array.isArray(p.spec.matchConstraints.resourceRules) ? p.spec.matchConstraints.resourceRules[0] : undefined) as Spec | undefined;
  const operations = rule0?.operations ?? null;
  for (const form of ["cronjobs", "defaults"] as const) {
    const targets = controllers.filter((c) => CONTROLLERS[c]!.form === form);
    if (!targets.length) continue;
    const byGroup = new Map<string, string[]>();
    for (const t of targets.sort()) byGroup.set(CONTROLLERS[t]!.group, [...(byGroup.get(CONTROLLERS[t]!.group) ?? []), t]);
    const match: JsonValue = {
      resourceRules: [...byGroup].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, rs]) => ({ apiGroups: [g], apiVersions: ["v1"], resources: rs, ...(operations !== null ? { operations } : {}) })),
    };
    let text = JSON.stringify({ ...p.spec, matchConstraints: match });
    for (const [from, to] of REPLACEMENTS[form]) {
      text = text.split(`object.${from}`).join(`object.${to}`).split(`oldObject.${from}`).join(`oldObject.${to}`);
    }
    const spec = JSON.parse(text) as Spec;
    out.push(vapOf(`${form === "defaults" ? "autogen" : "autogen-cronjobs"}-${p.name}`, spec, spec.matchConstraints));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// One resource through the three deciders

interface ResourceContext {
  suite: KyvernoSuite;
  /** The policy the suite tests (values are looked up under its name). */
  subject: string;
  resource: KObject;
}

const nameOf = (r: KObject): string => r.metadata?.name ?? "";
const nsOf = (r: KObject): string => r.metadata?.namespace ?? "";
const label = (r: KObject): string => `${r.kind ?? "?"} ${nsOf(r) ? `${nsOf(r)}/` : ""}${nameOf(r)}`;

function valuesFor(c: ResourceContext): { global: Record<string, JsonValue>; resource: Record<string, JsonValue>; rules: Record<string, Record<string, JsonValue>> } {
  const v = c.suite.values;
  const p = v?.policies.find((x) => x.name === c.subject);
  return {
    global: v?.globalValues ?? {},
    resource: p?.resources.find((x) => x.name === nameOf(c.resource))?.values ?? {},
    rules: Object.fromEntries((p?.rules ?? []).map((r) => [r.name, r.values])),
  };
}

function operationOf(c: ResourceContext): "CREATE" | "UPDATE" | "DELETE" {
  const vals = valuesFor(c);
  const op = vals.resource["request.operation"] ?? vals.global["request.operation"];
  return op === "UPDATE" || op === "DELETE" ? op : "CREATE";
}

function namespacesFor(c: ResourceContext): KObject[] {
  const nss: KObject[] = (c.suite.values?.namespaceSelector ?? []).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: { "kubernetes.io/metadata.name": n.name, ...n.labels } } }));
  const ns = nsOf(c.resource);
  if (ns && !nss.some((n) => n.metadata?.name === ns)) nss.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } } });
  return nss;
}

function vapUser(c: ResourceContext): UserInfo | undefined {
  const u = c.suite.userInfo;
  if (!u) return undefined;
  return { username: u.username ?? "", groups: u.groups ?? [] };
}

/** The VAPs (bindings forced to Deny) on the resource: denied when the decision is deny or error. */
function vapDecides(policies: readonly ValidatingAdmissionPolicy[], bindings: readonly ValidatingAdmissionPolicyBinding[], c: ResourceContext): Admission {
  const operation = operationOf(c);
  const user = vapUser(c);
  const d = evaluate({
    policies,
    bindings: bindings.map((b) => ({ ...b, spec: { ...b.spec, validationActions: ["Deny" as const] } })),
    namespaces: namespacesFor(c),
    request: requestForObject(c.resource, { operation, ...(operation !== "CREATE" ? { oldObject: structuredClone(c.resource) } : {}), ...(user ? { userInfo: user } : {}) }),
  });
  return d.verdict === "deny" || d.verdict === "error" ? "deny" : "admit";
}

/** A ClusterPolicy through the Kyverno engine: denied when some rule fails or errors. */
function kyvernoDecides(p: ClusterPolicy, c: ResourceContext): Admission {
  return kyvernoResponses(p, c).some((r) => r.status === "fail" || r.status === "error") ? "deny" : "admit";
}

/** The rules that answer for the resource (base names: `autogen-x` / `autogen-cronjob-x` → `x`). */
function answeringRules(p: ClusterPolicy, c: ResourceContext): Set<string> {
  return new Set(kyvernoResponses(p, c).map((r) => r.rule.replace(/^autogen-(cronjob-)?/, "")));
}

// Memo by object identity (as compilePolicy's cache): a source shared by a `*-cel` and a `*-vpol` pair, given as the
// same loaded objects, is converted and evaluated once. A resource object belongs to one loaded suite; the subject
// (whose values apply) is part of the key.
const responsesMemo = new WeakMap<ClusterPolicy, WeakMap<KObject, Map<string, RuleResponse[]>>>();
const conversionMemo = new WeakMap<KyvernoPolicy, ReturnType<typeof convertKyvernoPolicies>>();
const oursMemo = new WeakMap<object, WeakMap<KObject, Map<string, Admission>>>();

function memo<K extends object, V>(m: WeakMap<K, WeakMap<KObject, Map<string, V>>>, k: K, c: ResourceContext, f: () => V): V {
  let byRes = m.get(k);
  if (!byRes) m.set(k, (byRes = new WeakMap()));
  let bySubject = byRes.get(c.resource);
  if (!bySubject) byRes.set(c.resource, (bySubject = new Map()));
  const hit = bySubject.get(c.subject);
  if (hit !== undefined) return hit;
  const v = f();
  bySubject.set(c.subject, v);
  return v;
}

function convertOnce(p: KyvernoPolicy): ReturnType<typeof convertKyvernoPolicies> {
  let r = conversionMemo.get(p);
  if (!r) conversionMemo.set(p, (r = convertKyvernoPolicies([p])));
  return r;
}

function kyvernoResponses(p: ClusterPolicy, c: ResourceContext): RuleResponse[] {
  return memo(responsesMemo, p, c, () => kyvernoResponsesUncached(p, c));
}

function kyvernoResponsesUncached(p: ClusterPolicy, c: ResourceContext): RuleResponse[] {
  const operation = operationOf(c);
  const u = c.suite.userInfo;
  const nsLabels = c.suite.values?.namespaceSelector.find((n) => n.name === nsOf(c.resource))?.labels;
  const object = c.resource as unknown as JsonObject;
  const responses = evaluatePolicy(p, {
    resource: object,
    operation,
    ...(operation !== "CREATE" ? { oldResource: structuredClone(object) } : {}),
    values: valuesFor(c),
    ...(u
      ? {
          userInfo: {
            ...(u.roles ? { roles: u.roles } : {}),
            ...(u.clusterRoles ? { clusterRoles: u.clusterRoles } : {}),
            userInfo: { ...(u.username !== undefined ? { username: u.username } : {}), ...(u.groups ? { groups: u.groups } : {}) },
          },
        }
      : {}),
    ...(nsLabels ? { namespaceLabels: nsLabels } : {}),
  });
  return responses;
}

/**
 * The suite's expectation for its own policy on the resource (entries naming it, as `kyverno test` resolves names):
 * some entry says fail → deny. Entries are per rule, so admit needs every rule that answers for the resource (in
 * the Kyverno engine; a ValidatingPolicy has no rules) to be recorded pass/skip/warn; else nothing is recorded for
 * the policy as a whole.
 */
function recordedFor(c: ResourceContext, policy: KyvernoPolicy): Admission | undefined {
  const objects = c.suite.resources.map((r) => r.object);
  const entries = c.suite.results.filter((e) => e.policy.split("/").pop() === c.subject && resourcesFor(e, objects).includes(c.resource));
  if (!entries.length) return undefined;
  if (entries.some((e) => e.result === "fail" || e.result === "error")) return "deny";
  if (!isClusterPolicy(policy)) return "admit";
  const covered = new Set(entries.map((e) => e.rule ?? ""));
  return [...answeringRules(policy, c)].every((r) => covered.has(r)) ? "admit" : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// A pair

/** Why a port cannot be run offline, if so. */
export function portUnevaluable(p: KyvernoPolicy): string | undefined {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(isClusterPolicy(p) ? p.rules.map((r) => [r.validate?.cel ?? null, r.celPreconditions]) : p.spec);
  for (const t of texts) {
    const m = KYVERNO_ONLY_CEL.exec(t);
    if (m) return `Kyverno-only CEL library ${m[2]}`;
  }
  if (isClusterPolicy(p) && p.rules.some((r) => r.validate?.cel?.paramKind)) return "validate.cel paramKind";
  if (isClusterPolicy(p) && p.rules.some((r) => r.context.some((e) => e.kind !== "variable"))) return "context entries (apiCall/configMap)";
  return undefined;
}

/** The original converted and replayed next to its port on the union of both suites' resources. */
export function comparePortPair(input: PortPairInput): PortComparison {
  const { source, port } = input;
  if (!isClusterPolicy(source)) throw new Error(`${source.name}: the original of a port pair must be a ClusterPolicy`);
  const conv = convertOnce(source);
  const vaps = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
  const bindings = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[];
  const decideOurs = (c: ResourceContext): Admission | undefined => (vaps.length ? memo(oursMemo, conv, c, () => vapDecides(vaps, bindings, c)) : undefined);
  const unevaluable = portUnevaluable(port);
  const portVaps = isClusterPolicy(port) ? [] : vpolAsKyverno(port);
  const decidePort = (c: ResourceContext): Admission | undefined => (unevaluable ? undefined : isClusterPolicy(port) ? kyvernoDecides(port, c) : vapDecides(portVaps, [], c));

  const cases: PortCase[] = [];
  const disagreements: PortDisagreement[] = [];
  const sides: ["source" | "port", readonly KyvernoSuite[], string][] = [["source", input.sourceSuites, source.name], ["port", input.portSuites, port.name]];
  for (const [from, suites, subject] of sides) {
    for (const suite of suites) {
      for (const { object } of suite.resources) {
        const c: ResourceContext = { suite, subject, resource: object };
        const ours = decideOurs(c);
        const portV = decidePort(c);
        const original = kyvernoDecides(source, c);
        const recorded = recordedFor(c, from === "source" ? source : port);
        const pc: PortCase = { from, resource: label(object), original, ...(ours ? { ours } : {}), ...(portV ? { port: portV } : {}), ...(recorded ? { recorded } : {}) };
        cases.push(pc);
        if (ours && portV && ours !== portV) {
          disagreements.push({
            ...pc,
            ours,
            port: portV,
            supported: recorded === undefined ? "neither recorded" : recorded === ours ? "ours" : "port",
            kind: ours !== original ? "conversion" : "port drift",
          });
        }
      }
    }
  }
  const oursSize = celSize(vapCelTexts(conv.manifests));
  const portSize = celSize(portCelTexts(port));
  return {
    source: source.name,
    port: port.name,
    portKind: isClusterPolicy(port) ? "cel" : "vpol",
    conversion: conv.status as PortComparison["conversion"],
    gaps: [...new Set(conv.gaps.map((g) => g.id ?? "?"))],
    ...(unevaluable ? { portUnevaluable: unevaluable } : {}),
    cases,
    compared: cases.filter((c) => c.ours && c.port).length,
    disagreements,
    size: {
      ours: oursSize,
      port: portSize,
      ratio: vaps.length && portSize.total ? oursSize.total / portSize.total : null,
      ratioNonWhitespace: vaps.length && portSize.nonWhitespace ? oursSize.nonWhitespace / portSize.nonWhitespace : null,
      ratioChecks: vaps.length && portSize.checksNonWhitespace ? oursSize.checksNonWhitespace / portSize.checksNonWhitespace : null,
    },
  };
}

/** One line per disagreement, stable for a test constant. */
export function formatDisagreement(pairLabel: string, d: PortDisagreement): string {
  return `${pairLabel} [${d.from}] ${d.resource}: ours ${d.ours}, port ${d.port} (original ${d.original}; ${d.kind}) → recorded supports ${d.supported}`;
}

// ---------------------------------------------------------------------------------------------------------------
// A ValidatingPolicy port converted by convertKyvernoPolicies (the near pass-through) and replayed on its own suite

export interface VpolConversionCheck {
  vpol: string;
  status: "converted" | "partial" | "unsupported";
  gaps: string[];
  /** Pod controllers Kyverno's autogen adds to it (vpolAutogenControllers). */
  autogen: string[];
  /** Resources of its own suite with a recorded result. */
  cases: number;
  /** `Kind ns/name: converted <v>, recorded <v>` where the converted VAP contradicts the recorded result. */
  vsRecorded: string[];
  /** `Kind ns/name: converted <v>, kyverno <v>` where it differs from the policy as Kyverno runs it (autogen …). */
  vsKyverno: string[];
}

/** Convert a ValidatingPolicy and replay its own suites through the result, beside vpolAsKyverno. */
export function checkVpolConversion(vpol: ValidatingPolicy, suites: readonly KyvernoSuite[]): VpolConversionCheck {
  const conv = convertKyvernoPolicies([vpol]);
  const vaps = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
  const bindings = conv.manifests.filter((m) => (m as KObject).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[];
  const kyverno = vpolAsKyverno(vpol);
  const evaluable = !portUnevaluable(vpol);
  const out: VpolConversionCheck = { vpol: vpol.name, status: conv.status as VpolConversionCheck["status"], gaps: [...new Set(conv.gaps.map((g) => g.id ?? "?"))], autogen: vpolAutogenControllers(vpol), cases: 0, vsRecorded: [], vsKyverno: [] };
  if (!vaps.length || !evaluable) return out;
  for (const suite of suites) {
    for (const { object } of suite.resources) {
      const c: ResourceContext = { suite, subject: vpol.name, resource: object };
      const recorded = recordedFor(c, vpol);
      if (!recorded) continue;
      out.cases++;
      const mine = vapDecides(vaps, bindings, c);
      const theirs = vapDecides(kyverno, [], c);
      if (mine !== recorded) out.vsRecorded.push(`${label(object)}: converted ${mine}, recorded ${recorded}`);
      if (mine !== theirs) out.vsKyverno.push(`${label(object)}: converted ${mine}, kyverno ${theirs}`);
    }
  }
  return out;
}
