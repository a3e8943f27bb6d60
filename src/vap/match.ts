// Request matching for VAP matchConstraints and binding matchResources, as kube-apiserver's policy matcher does it:
// namespaceSelector, objectSelector, resourceRules / excludeResourceRules (operations, groups, versions,
// resources with subresource wildcards, resourceNames, scope) and matchPolicy Exact / Equivalent. The engine uses
// prepared matchers (compileMatcher / cachedMatcher): the same answers, with the rules' lists turned into lookups once.
import { equivalentResources, type KindRegistry } from "./kinds.js";
import type {
  AdmissionRequest,
  GroupVersionKind,
  GroupVersionResource,
  KObject,
  LabelSelector,
  MatchResources,
  NamedRuleWithOperations,
} from "./types.js";

/** Label selector semantics of metav1.LabelSelectorAsSelector (an empty selector matches everything). */
export function selectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const vals = req.values ?? [];
    switch (req.operator) {
      case "In":
        if (!has || !vals.includes(l[req.key]!)) return false;
        break;
      case "NotIn":
        if (has && vals.includes(l[req.key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const isEmptySelector = (sel: LabelSelector | undefined | null): boolean =>
  !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);

/** What matching needs to know about the cluster. */
export interface MatchContext {
  kinds: KindRegistry;
  /** Namespace objects by name. */
  namespaces: ReadonlyMap<string, KObject>;
}

export type MatchOutcome =
  | { matches: true; gvr: GroupVersionResource; gvk: GroupVersionKind }
  | { matches: false; error?: string };

const opOf = (r: AdmissionRequest): string => r.operation;

function ruleMatches(rule: NamedRuleWithOperations, req: AdmissionRequest, gvr: GroupVersionResource): boolean {
  const ops = rule.operations ?? [];
  if (!ops.some((o) => o === "*" || o === opOf(req))) return false;
  const groups = rule.apiGroups ?? [];
  if (!groups.some((g) => g === "*" || g === gvr.group)) return false;
  const versions = rule.apiVersions ?? [];
  if (!versions.some((v) => v === "*" || v === gvr.version)) return false;
  const sub = req.subResource ?? "";
  const resOk = (rule.resources ?? []).some((r) => {
    const i = r.indexOf("/");
    const [res, s] = i < 0 ? [r, ""] : [r.slice(0, i), r.slice(i + 1)];
    return (res === "*" || res === gvr.resource) && (s === "*" || s === sub);
  });
  if (!resOk) return false;
  const scope = rule.scope ?? "*";
  const isNamespaceResource = gvr.group === "" && gvr.resource === "namespaces";
  const ns = req.namespace ?? "";
  if (scope === "Namespaced") return !isNamespaceResource && ns !== "";
  if (scope === "Cluster") return isNamespaceResource || ns === "";
  return true;
}

function namedRuleMatches(rule: NamedRuleWithOperations, req: AdmissionRequest, gvr: GroupVersionResource): boolean {
  if (!ruleMatches(rule, req, gvr)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(req.name ?? "");
}

/** matchesResourceRules of the apiserver: exact first, then (Equivalent) the equivalent resources. */
export function matchResourceRules(
  rules: readonly NamedRuleWithOperations[],
  matchPolicy: string | undefined,
  req: AdmissionRequest,
  ctx: MatchContext,
): MatchOutcome {
  return rulesMatch(rules, namedRuleMatches, matchPolicy, req, ctx);
}

/** The apiserver's rule loop over any rule form: `ruleMatches` decides one rule for one resource. */
function rulesMatch<R>(
  rules: readonly R[],
  ruleMatches: (rule: R, req: AdmissionRequest, gvr: GroupVersionResource) => boolean,
  matchPolicy: string | undefined,
  req: AdmissionRequest,
  ctx: MatchContext,
): MatchOutcome {
  for (const rule of rules) {
    if (ruleMatches(rule, req, req.resource)) return { matches: true, gvr: req.resource, gvk: req.kind };
  }
  if ((matchPolicy ?? "Equivalent") === "Exact") return { matches: false };
  const equivalents = equivalentResources(req.resource, ctx.kinds);
  for (const rule of rules) {
    for (const eq of equivalents) {
      const same =
        eq.gvr.group === req.resource.group && eq.gvr.version === req.resource.version && eq.gvr.resource === req.resource.resource;
      if (same) continue;
      if (ruleMatches(rule, req, eq.gvr)) return { matches: true, gvr: eq.gvr, gvk: eq.gvk };
    }
  }
  return { matches: false };
}

/** Labels used for namespaceSelector matching, or an error text when the namespace is unknown. */
function namespaceLabels(req: AdmissionRequest, ctx: MatchContext): Record<string, string> | { error: string } {
  const isNs = req.resource.group === "" && req.resource.resource === "namespaces" && !req.subResource;
  if (isNs && (req.operation === "CREATE" || req.operation === "UPDATE")) return req.object?.metadata?.labels ?? {};
  const name = req.namespace || (isNs ? req.name ?? "" : "");
  const ns = ctx.namespaces.get(name);
  if (!ns) return { error: `namespaces "${name}" not found` };
  return ns.metadata?.labels ?? {};
}

function namespaceSelectorMatches(sel: LabelSelector | undefined, req: AdmissionRequest, ctx: MatchContext): boolean | { error: string } {
  const isNamespaceResource = req.resource.group === "" && req.resource.resource === "namespaces";
  if (!req.namespace && !isNamespaceResource) return true; // cluster-scoped non-namespace objects are never filtered
  if (isEmptySelector(sel)) return true;
  const labels = namespaceLabels(req, ctx);
  if (isErr(labels)) return labels;
  return selectorMatches(sel, labels);
}

const isErr = (x: unknown): x is { error: string } =>
  typeof x === "object" && x !== null && typeof (x as { error?: unknown }).error === "string" && Object.keys(x).length === 1;

function objectSelectorMatches(sel: LabelSelector | undefined, req: AdmissionRequest): boolean {
  if (isEmptySelector(sel)) return true;
  const m = (o: KObject | null | undefined): boolean => !!o && selectorMatches(sel, o.metadata?.labels ?? {});
  return m(req.object) || m(req.oldObject);
}

/**
 * Matcher.Matches of the apiserver for one MatchResources (policy matchConstraints or binding matchResources).
 * With no resourceRules everything matches (that is how a binding without matchResources behaves).
 */
export function matches(mr: MatchResources | undefined, req: AdmissionRequest, ctx: MatchContext): MatchOutcome {
  const m = mr ?? {};
  const nsMatch = namespaceSelectorMatches(m.namespaceSelector, req, ctx);
  if (nsMatch === false) return { matches: false };
  if (!objectSelectorMatches(m.objectSelector, req)) return { matches: false };
  const matchPolicy = m.matchPolicy;
  if (m.excludeResourceRules?.length && matchResourceRules(m.excludeResourceRules, matchPolicy, req, ctx).matches) {
    return { matches: false };
  }
  const out: MatchOutcome = m.resourceRules?.length
    ? matchResourceRules(m.resourceRules, matchPolicy, req, ctx)
    : { matches: true, gvr: req.resource, gvk: req.kind };
  if (!out.matches) return out;
  if (isErr(nsMatch)) return { matches: false, error: nsMatch.error };
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Prepared matchers (the engine matches every request against the same MatchResources)

/** A resource rule with its lists turned into lookups once; same answers as ruleMatches / namedRuleMatches. */
interface CompiledRule {
  anyOperation: boolean;
  operations: ReadonlySet<unknown>;
  anyGroup: boolean;
  groups: ReadonlySet<unknown>;
  anyVersion: boolean;
  versions: ReadonlySet<unknown>;
  /** `resource/subresource` entries split at the first slash ("" when there is none). */
  resources: readonly { res: string; sub: string }[];
  scope: unknown;
  resourceNames: readonly unknown[];
}

const isList = (x: unknown): x is readonly unknown[] => x === undefined || x === null || Array.isArray(x);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A rule in the shape the API server accepts; anything else is matched by the uncompiled code (same errors). */
function wellFormedRule(rule: unknown): rule is NamedRuleWithOperations {
  if (!isRecord(rule)) return false;
  const r = rule as Record<string, unknown>;
  if (![r["operations"], r["apiGroups"], r["apiVersions"], r["resources"], r["resourceNames"]].every(isList)) return false;
  return ((r["resources"] as unknown[] | undefined) ?? []).every((x) => typeof x === "string");
}

function compileRule(rule: NamedRuleWithOperations): CompiledRule {
  const ops: readonly unknown[] = rule.operations ?? [];
  const groups: readonly unknown[] = rule.apiGroups ?? [];
  const versions: readonly unknown[] = rule.apiVersions ?? [];
  return {
    anyOperation: ops.includes("*"),
    operations: new Set(ops),
    anyGroup: groups.includes("*"),
    groups: new Set(groups),
    anyVersion: versions.includes("*"),
    versions: new Set(versions),
    resources: (rule.resources ?? []).map((r) => {
      const i = r.indexOf("/");
      return i < 0 ? { res: r, sub: "" } : { res: r.slice(0, i), sub: r.slice(i + 1) };
    }),
    scope: rule.scope ?? "*",
    resourceNames: rule.resourceNames ?? [],
  };
}

function compiledRuleMatches(rule: CompiledRule, req: AdmissionRequest, gvr: GroupVersionResource): boolean {
  if (!rule.anyOperation && !rule.operations.has(opOf(req))) return false;
  if (!rule.anyGroup && !rule.groups.has(gvr.group)) return false;
  if (!rule.anyVersion && !rule.versions.has(gvr.version)) return false;
  const sub = req.subResource ?? "";
  let resOk = false;
  for (const { res, sub: s } of rule.resources) {
    if ((res === "*" || res === gvr.resource) && (s === "*" || s === sub)) {
      resOk = true;
      break;
    }
  }
  if (!resOk) return false;
  const isNamespaceResource = gvr.group === "" && gvr.resource === "namespaces";
  const ns = req.namespace ?? "";
  if (rule.scope === "Namespaced") {
    if (isNamespaceResource || ns === "") return false;
  } else if (rule.scope === "Cluster") {
    if (!isNamespaceResource && ns !== "") return false;
  }
  const names = rule.resourceNames;
  return names.length === 0 || names.includes(req.name ?? "");
}

/** matchResourceRules over compiled rules. */
function compiledRulesMatch(rules: readonly CompiledRule[], matchPolicy: string | undefined, req: AdmissionRequest, ctx: MatchContext): MatchOutcome {
  return rulesMatch(rules, compiledRuleMatches, matchPolicy, req, ctx);
}

/** A selector whose emptiness can be decided up front (an object with object labels and a list of expressions). */
const wellFormedSelector = (sel: unknown): boolean =>
  sel === undefined ||
  sel === null ||
  (isRecord(sel) && (sel["matchLabels"] == null || isRecord(sel["matchLabels"])) && isList(sel["matchExpressions"]));

/** One MatchResources prepared for repeated matching: gives the answers of `matches(mr, req, ctx)`. */
export type Matcher = (req: AdmissionRequest, ctx: MatchContext) => MatchOutcome;

/** Prepare a MatchResources: selector emptiness and the resource rules are worked out once. */
export function compileMatcher(mr: MatchResources | undefined): Matcher {
  const m: Record<string, unknown> = (mr ?? {}) as Record<string, unknown>;
  const exclude = m["excludeResourceRules"];
  const include = m["resourceRules"];
  const shaped =
    isRecord(m) &&
    wellFormedSelector(m["namespaceSelector"]) &&
    wellFormedSelector(m["objectSelector"]) &&
    isList(exclude) &&
    (exclude ?? []).every(wellFormedRule) &&
    isList(include) &&
    (include ?? []).every(wellFormedRule);
  if (!shaped) return (req, ctx) => matches(mr, req, ctx);
  const nsSel = m["namespaceSelector"] as LabelSelector | undefined;
  const nsEmpty = isEmptySelector(nsSel);
  const objSel = m["objectSelector"] as LabelSelector | undefined;
  const objEmpty = isEmptySelector(objSel);
  const matchPolicy = m["matchPolicy"] as string | undefined;
  const excluded = exclude?.length ? (exclude as NamedRuleWithOperations[]).map(compileRule) : undefined;
  const rules = include?.length ? (include as NamedRuleWithOperations[]).map(compileRule) : undefined;
  return (req, ctx) => {
    let nsError: string | undefined;
    const isNamespaceResource = req.resource.group === "" && req.resource.resource === "namespaces";
    // namespaceSelectorMatches: cluster-scoped non-namespace objects are never filtered
    if (!nsEmpty && (req.namespace || isNamespaceResource)) {
      const labels = namespaceLabels(req, ctx);
      if (isErr(labels)) nsError = labels.error;
      else if (!selectorMatches(nsSel, labels)) return { matches: false };
    }
    if (!objEmpty && !objectSelectorMatches(objSel, req)) return { matches: false };
    if (excluded && compiledRulesMatch(excluded, matchPolicy, req, ctx).matches) return { matches: false };
    const out: MatchOutcome = rules ? compiledRulesMatch(rules, matchPolicy, req, ctx) : { matches: true, gvr: req.resource, gvk: req.kind };
    if (!out.matches) return out;
    if (nsError !== undefined) return { matches: false, error: nsError };
    return out;
  };
}

const matcherCache = new WeakMap<object, Matcher>();
const MATCH_ANY = compileMatcher(undefined);

/**
 * The prepared matcher of a MatchResources object, kept while the object lives (as compiled policies are kept per
 * policy object, the object must not be changed in place afterwards).
 */
export function cachedMatcher(mr: MatchResources | undefined): Matcher {
  if (mr === undefined || mr === null) return MATCH_ANY;
  if (typeof mr !== "object") return compileMatcher(mr);
  let m = matcherCache.get(mr);
  if (!m) matcherCache.set(mr, (m = compileMatcher(mr)));
  return m;
}
