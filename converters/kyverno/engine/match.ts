// Whether a Kyverno rule applies to a resource: `match` (any / all / legacy filter) and `exclude`, as Kyverno's
// engine decides it (pkg/engine/utils/match.go): operations, kinds (`Kind`, `v1/Kind`, `group/version/Kind`,
// `Kind/subresource`, wildcards), name(s) and namespaces with wildcards (a Namespace is in its own namespace),
// annotations, label and namespace selectors (wildcard keys/values expanded against the resource's labels), and
// roles / clusterRoles / subjects. With no admission info at all (`kyverno test`), user criteria of `match` are
// ignored and those of `exclude` never match.
import type { KObject, LabelSelector as VapLabelSelector } from "../../../src/vap/types.js";
import type { LabelSelector, MatchBlock, ResourceDescription, ResourceFilter, Subject } from "../model.js";
import { selectorMatches as labelSelectorMatches } from "../../../src/vap/match.js";
import { hasWildcard, wildcardMatch } from "./wildcard.js";

export interface RequestInfo {
  operation: string;
  username?: string;
  groups?: string[];
  roles?: string[];
  clusterRoles?: string[];
  /** Labels of the resource's namespace (namespaceSelector). */
  namespaceLabels?: Record<string, string>;
  subresource?: string;
}

/** `group/version/kind/subresource` of a kind selector (kube.ParseKindSelector). */
export function parseKindSelector(input: string): [group: string, version: string, kind: string, sub: string] {
  let parts = input.split("/");
  parts = [...parts.slice(0, -1), ...parts[parts.length - 1]!.split(".")];
  const isVersion = (s: string): boolean => /^(v\d+((alpha|beta)\d+)?|\*)$/.test(s);
  switch (parts.length) {
    case 1:
      return ["*", "*", parts[0]!, ""];
    case 2:
      if (parts[0] === "*" && parts[1] === "*") return ["*", "*", "*", "*"];
      if (parts[0] === "*" && parts[1]!.toLowerCase() === parts[1]) return ["*", "*", "*", parts[1]!];
      if (isVersion(parts[0]!)) return ["*", parts[0]!, parts[1]!, ""];
      return ["*", "*", parts[0]!, parts[1]!];
    case 3:
      if (isVersion(parts[0]!)) return ["*", parts[0]!, parts[1]!, parts[2]!];
      return [parts[0]!, parts[1]!, parts[2]!, ""];
    case 4:
      return [parts[0]!, parts[1]!, parts[2]!, parts[3]!];
    default:
      return ["", "", "", ""];
  }
}

function gvkOf(r: KObject): { group: string; version: string; kind: string } {
  const av = r.apiVersion ?? "";
  const slash = av.indexOf("/");
  return { group: slash < 0 ? "" : av.slice(0, slash), version: slash < 0 ? av : av.slice(slash + 1), kind: r.kind ?? "" };
}

export function kindMatches(kinds: readonly string[], r: KObject, subresource = ""): boolean {
  const gvk = gvkOf(r);
  return kinds.some((k) => {
    const [g, v, kind, sub] = parseKindSelector(k);
    if (!(wildcardMatch(g, gvk.group) && wildcardMatch(v, gvk.version) && wildcardMatch(kind, gvk.kind))) return false;
    return wildcardMatch(sub, subresource) || (gvk.group === "" && gvk.version === "v1" && gvk.kind === "Pod" && subresource === "ephemeralcontainers");
  });
}

/** metav1.LabelSelector semantics (src/vap/match.ts), after Kyverno expands wildcard keys/values of matchLabels
 *  against the labels (the first matching label, else the pattern with `*`/`?` replaced by `0`). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!hasWildcard(k) && !hasWildcard(v)) {
      matchLabels[k] = v;
      continue;
    }
    const hit = Object.entries(labels).find(([lk, lv]) => wildcardMatch(k, lk) && wildcardMatch(v, lv));
    const [key, value] = hit ?? [k.replace(/[*?]/g, "0"), v.replace(/[*?]/g, "0")];
    matchLabels[key] = value;
  }
  // an operator outside In/NotIn/Exists/DoesNotExist does not match (Kyverno: a selector parse error, no match)
  return labelSelectorMatches({ ...sel, matchLabels } as VapLabelSelector, labels);
}

function subjectsMatch(subjects: readonly Subject[], info: RequestInfo): boolean {
  return subjects.some((s) => {
    if (s.kind === "ServiceAccount") return wildcardMatch(`system:serviceaccount:${s.namespace ?? ""}:${s.name}`, info.username ?? "");
    if (s.kind === "Group") return (info.groups ?? []).some((g) => wildcardMatch(s.name, g));
    if (s.kind === "User") return wildcardMatch(s.name, info.username ?? "");
    return false;
  });
}

const isEmptyDescription = (d: ResourceDescription | undefined): boolean => !d || Object.values(d).every((v) => v === undefined || (Array.isArray(v) && v.length === 0) || v === "");

/** Reasons a filter does not match (empty: it matches). */
function filterMismatches(f: ResourceFilter, r: KObject, info: RequestInfo, userCriteria: boolean): string[] {
  const d = f.resources ?? {};
  const errs: string[] = [];
  if (d.operations?.length && !d.operations.includes(info.operation)) return ["operation does not match"];
  if (d.kinds?.length && !kindMatches(d.kinds, r, info.subresource)) errs.push("kind does not match");
  const meta = r.metadata ?? {};
  const name = meta.name || (meta as { generateName?: string }).generateName || "";
  if (d.name && !wildcardMatch(d.name, name)) errs.push("name does not match");
  if (d.names?.length && !d.names.some((n) => wildcardMatch(n, name))) errs.push("none of the names match");
  if (d.namespaces?.length) {
    const ns = r.kind === "Namespace" ? (meta.name ?? "") : (meta.namespace ?? "");
    if (!d.namespaces.some((n) => wildcardMatch(n, ns))) errs.push("namespace does not match");
  }
  if (d.annotations && Object.keys(d.annotations).length) {
    const actual = Object.entries(meta.annotations ?? {});
    if (!Object.entries(d.annotations).every(([k, v]) => actual.some(([ak, av]) => wildcardMatch(k, ak) && wildcardMatch(v, av)))) errs.push("annotations does not match");
  }
  if (d.selector && !selectorMatches(d.selector, meta.labels ?? {})) errs.push("selector does not match");
  if (d.namespaceSelector) {
    if (r.kind === "Namespace") errs.push("namespace selector is not applicable for namespace resource");
    else if (!selectorMatches(d.namespaceSelector, info.namespaceLabels ?? {})) errs.push("namespace selector does not match labels");
  }
  if (userCriteria) {
    if (f.roles?.length && !(info.roles ?? []).some((x) => f.roles!.includes(x))) errs.push("user info does not match roles");
    if (f.clusterRoles?.length && !(info.clusterRoles ?? []).some((x) => f.clusterRoles!.includes(x))) errs.push("user info does not match clusterRoles");
    if (f.subjects?.length && !subjectsMatch(f.subjects, info)) errs.push("user info does not match subject");
  }
  return errs;
}

const hasUserCriteria = (f: ResourceFilter): boolean => !!(f.roles?.length || f.clusterRoles?.length || f.subjects?.length);
const noAdmissionInfo = (info: RequestInfo): boolean => !info.username && !info.groups?.length && !info.roles?.length && !info.clusterRoles?.length;

function matchFilter(f: ResourceFilter, r: KObject, info: RequestInfo): boolean {
  const user = !noAdmissionInfo(info);
  if (isEmptyDescription(f.resources) && !(user && hasUserCriteria(f))) return false; // "match cannot be empty"
  return filterMismatches(f, r, info, user).length === 0;
}

/** An exclude filter excludes when all its (non-empty) criteria hold. */
function excludeFilter(f: ResourceFilter, r: KObject, info: RequestInfo): boolean {
  if (isEmptyDescription(f.resources) && !hasUserCriteria(f)) return false;
  return filterMismatches(f, r, info, true).length === 0;
}

/** Does the rule apply (matched and not excluded)? `policyNamespace` for a namespaced Policy. */
export function ruleApplies(match: MatchBlock, exclude: MatchBlock | undefined, r: KObject, info: RequestInfo, policyNamespace?: string): boolean {
  if (policyNamespace !== undefined && policyNamespace !== (r.metadata?.namespace ?? "")) return false;
  let matched: boolean;
  if (match.any?.length) matched = match.any.some((f) => matchFilter(f, r, info));
  else if (match.all?.length) matched = match.all.every((f) => matchFilter(f, r, info));
  else matched = matchFilter(match.legacy ?? {}, r, info);
  if (!matched || !exclude) return matched;
  if (exclude.any?.length) return !exclude.any.some((f) => excludeFilter(f, r, info));
  if (exclude.all?.length) return !exclude.all.every((f) => excludeFilter(f, r, info));
  if (exclude.legacy) return !excludeFilter(exclude.legacy, r, info);
  return true;
}
