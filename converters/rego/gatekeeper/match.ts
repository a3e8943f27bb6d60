// Gatekeeper's constraint `spec.match` (pkg/mutation/match/match.go `Matches`, driven by pkg/target/matcher.go):
// every top-level matcher must pass — kinds, scope, namespaces, excludedNamespaces, labelSelector,
// namespaceSelector, name, source — and the request matches when its object OR its oldObject matches
// (matchAny). Pure functions.
//
// Behaviour worth knowing (all from match.go unless said otherwise):
//  * no `spec.match` at all → matches everything, even a request without objects (matcher.go: nil match).
//  * kinds: an entry matches when its kinds are empty/contain `*`/the kind AND its apiGroups are empty/contain
//    `*`/the group; an empty `kinds` list matches every kind.
//  * namespaces / excludedNamespaces: the namespace is the object's own name for a Namespace, else the namespace
//    object's name when one was found, else the object's metadata.namespace ("such as for the gator CLI"); a
//    cluster-scoped non-Namespace object has none, so neither list can exclude it — `namespaces: [x]` still
//    matches cluster-scoped objects.
//  * scope: Cluster ⇔ a Namespace, or no metadata.namespace and no namespace object; Namespaced ⇔ the opposite
//    for non-Namespaces; any other value (`*`, typos) matches everything.
//  * namespaceSelector: a Namespace is matched on its own labels; a cluster-scoped object (no namespace, no
//    namespace object) always matches; a namespaced object needs its Namespace object — when it is missing
//    (gator: not in the case's inventory) matching fails with an error, which Gatekeeper turns into an
//    "autoreject" violation, not a non-match.
//  * labelSelector is checked against each object's labels (object, and oldObject on UPDATE/DELETE).
//  * name: prefix/suffix/contains glob on metadata.name, or a prefix/contains glob on metadata.generateName.
//  * source: "" / All match everything; gator reviews are Original.
import type { KObject, LabelSelector } from "../../../src/vap/types.js";
import type { ConstraintMatch } from "./model.js";

/** What the matcher reads from a request: its objects, the request namespace, and the review's source. */
export interface MatchRequest {
  object?: unknown;
  oldObject?: unknown;
  /** The AdmissionRequest namespace (used only to find the Namespace object; see `namespaceObject`). */
  namespace?: string;
  /** Original (gator, webhook) or Generated (expansion); "" behaves as unset. Default Original. */
  source?: "Original" | "Generated" | "";
}

/** Matching could not be decided: Gatekeeper reports it as a violation ("autoreject"). */
export class MatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MatchError";
  }
}

export type MatchOutcome = { matched: boolean; error?: undefined } | { matched: false; error: string };

type Obj = { [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------------------------
// Wildcards (pkg/wildcard/wildcard.go)

/** `*x*` contains, `*x` suffix, `x*` prefix, else exact (`*` alone matches everything). */
export function wildcardMatches(w: string, candidate: string): boolean {
  const pre = w.startsWith("*");
  const suf = w.endsWith("*");
  if (pre && suf) return candidate.includes(w.replace(/^\*/, "").replace(/\*$/, ""));
  if (pre) return candidate.endsWith(w.slice(1));
  if (suf) return candidate.startsWith(w.slice(0, -1));
  return w === candidate;
}

/** generateName is matched only by `*x*` (contains) and `x*` (prefix) globs. */
export function wildcardMatchesGenerateName(w: string, candidate: string): boolean {
  const pre = w.startsWith("*");
  const suf = w.endsWith("*");
  if (pre && suf) return candidate.includes(w.replace(/^\*/, "").replace(/\*$/, ""));
  if (suf) return candidate.startsWith(w.slice(0, -1));
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Label selectors (apimachinery metav1.LabelSelectorAsSelector + labels.Selector.Matches)

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyError(key: string): string | undefined {
  const parts = key.split("/");
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (!prefix || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return `invalid label key "${key}": prefix part must be a DNS-1123 subdomain`;
  } else if (parts.length > 2) return `invalid label key "${key}": a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'`;
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) return `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)`;
  return undefined;
}

function labelValueError(v: string): string | undefined {
  if (v === "") return undefined;
  if (v.length > 63 || !QUALIFIED_NAME.test(v)) return `invalid label value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

/** Why a selector is invalid (empty when it is valid), as LabelSelectorAsSelector / ValidateLabelSelector reject it. */
export function labelSelectorErrors(sel: LabelSelector): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const ke = labelKeyError(k);
    if (ke) out.push(`matchLabels: ${ke}`);
    const ve = labelValueError(v);
    if (ve) out.push(`matchLabels: ${ve}`);
  }
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const ke = labelKeyError(e.key);
    if (ke) out.push(`matchExpressions[${i}].key: ${ke}`);
    const values = e.values ?? [];
    switch (e.operator as string) {
      case "In":
      case "NotIn":
        if (!values.length) out.push(`matchExpressions[${i}].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
        for (const v of values) {
          const ve = labelValueError(v);
          if (ve) out.push(`matchExpressions[${i}].values: ${ve}`);
        }
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length) out.push(`matchExpressions[${i}].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
        break;
      default:
        out.push(`matchExpressions[${i}].operator: "${e.operator}" is not a valid label selector operator`);
    }
  }
  return out;
}

/** Does a (valid) selector select these labels? An empty selector selects everything. Throws MatchError when invalid. */
export function labelSelectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  const errs = labelSelectorErrors(sel);
  if (errs.length) throw new MatchError(errs.join("; "));
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (!has(k) || labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has(e.key) || !values.includes(labels[e.key]!)) return false;
        break;
      case "NotIn":
        if (has(e.key) && values.includes(labels[e.key]!)) return false;
        break;
      case "Exists":
        if (!has(e.key)) return false;
        break;
      case "DoesNotExist":
        if (has(e.key)) return false;
        break;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Object accessors (unstructured.Unstructured getters: a wrongly typed field reads as empty)

const meta = (o: Obj): Obj => (isObj(o.metadata) ? o.metadata : {});
const metaString = (o: Obj, key: string): string => {
  const v = meta(o)[key];
  return typeof v === "string" ? v : "";
};
const labelsOf = (o: Obj): Record<string, string> => {
  const l = meta(o).labels;
  if (!isObj(l)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) {
    if (typeof v !== "string") return {}; // NestedStringMap fails as a whole
    out[k] = v;
  }
  return out;
};

/** Group and kind of an object as unstructured.GroupVersionKind() reads them (an unparsable apiVersion → empty). */
export function groupKindOf(o: Obj): { group: string; kind: string } {
  const av = typeof o.apiVersion === "string" ? o.apiVersion : "";
  const parts = av.split("/");
  if (parts.length > 2) return { group: "", kind: "" };
  return { group: parts.length === 2 ? parts[0]! : "", kind: typeof o.kind === "string" ? o.kind : "" };
}

/** A core/v1-group Namespace object (match.IsNamespace: kind Namespace, group ""). */
export function isNamespaceObject(o: unknown): boolean {
  if (!isObj(o)) return false;
  const gk = groupKindOf(o);
  return gk.kind === "Namespace" && gk.group === "";
}

// ---------------------------------------------------------------------------------------------------------------
// The matchers

interface Target {
  obj: Obj;
  ns: Obj | undefined;
  source: string;
}

function kindsMatch(m: ConstraintMatch, t: Target): boolean {
  if (!m.kinds?.length) return true;
  const { group, kind } = groupKindOf(t.obj);
  return m.kinds.some((k) => {
    const ks = k.kinds ?? [];
    const gs = k.apiGroups ?? [];
    const kindOk = ks.length === 0 || ks.includes("*") || ks.includes(kind);
    const groupOk = gs.length === 0 || gs.includes("*") || gs.includes(group);
    return kindOk && groupOk;
  });
}

function scopeMatch(m: ConstraintMatch, t: Target): boolean {
  const hasNamespace = metaString(t.obj, "namespace") !== "" || t.ns !== undefined;
  const isNs = isNamespaceObject(t.obj);
  if (m.scope === "Cluster") return isNs || !hasNamespace;
  if (m.scope === "Namespaced") return !isNs && hasNamespace;
  return true;
}

/** The namespace name the namespace matchers compare, or undefined for a cluster-scoped non-Namespace. */
function namespaceName(t: Target): string | undefined {
  if (isNamespaceObject(t.obj)) return metaString(t.obj, "name");
  if (t.ns) return metaString(t.ns, "name");
  const own = metaString(t.obj, "namespace");
  return own !== "" ? own : undefined;
}

function namespacesMatch(m: ConstraintMatch, t: Target): boolean {
  if (!m.namespaces?.length) return true;
  const ns = namespaceName(t);
  if (ns === undefined) return true;
  return m.namespaces.some((w) => wildcardMatches(w, ns));
}

function excludedNamespacesMatch(m: ConstraintMatch, t: Target): boolean {
  if (!m.excludedNamespaces?.length) return true;
  const ns = namespaceName(t);
  if (ns === undefined) return true;
  return !m.excludedNamespaces.some((w) => wildcardMatches(w, ns));
}

function labelSelectorMatch(m: ConstraintMatch, t: Target): boolean {
  return m.labelSelector ? labelSelectorMatches(m.labelSelector, labelsOf(t.obj)) : true;
}

function namespaceSelectorMatch(m: ConstraintMatch, t: Target): boolean {
  if (!m.namespaceSelector) return true;
  const isNs = isNamespaceObject(t.obj);
  if (!isNs && !t.ns && metaString(t.obj, "namespace") === "") return true;
  if (isNs) return labelSelectorMatches(m.namespaceSelector, labelsOf(t.obj));
  if (!t.ns) throw new MatchError("namespace selector for namespace-scoped object but missing Namespace");
  return labelSelectorMatches(m.namespaceSelector, labelsOf(t.ns));
}

function namesMatch(m: ConstraintMatch, t: Target): boolean {
  if (!m.name) return true;
  return wildcardMatches(m.name, metaString(t.obj, "name")) || wildcardMatchesGenerateName(m.name, metaString(t.obj, "generateName"));
}

function sourceMatch(m: ConstraintMatch, t: Target): boolean {
  const want = m.source || "All";
  if (!["All", "Generated", "Original"].includes(want)) throw new MatchError(`invalid source field "${want}"`);
  if (t.source === "" && want !== "All") throw new MatchError(`source field not specified for resource ${metaString(t.obj, "name")}`);
  if (want === "All") return true;
  return want === t.source;
}

const MATCHERS = [kindsMatch, scopeMatch, namespacesMatch, excludedNamespacesMatch, labelSelectorMatch, namespaceSelectorMatch, namesMatch, sourceMatch];

/** match.Matches for one object. Throws MatchError ("failed to run Match criteria: …"). */
export function objectMatches(m: ConstraintMatch, obj: KObject, namespaceObject?: KObject, source: "Original" | "Generated" | "" = "Original"): boolean {
  const t: Target = { obj: obj as Obj, ns: isObj(namespaceObject) ? (namespaceObject as Obj) : undefined, source };
  for (const fn of MATCHERS) {
    let ok: boolean;
    try {
      ok = fn(m, t);
    } catch (e) {
      throw new MatchError(`failed to run Match criteria: ${(e as Error).message}`);
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * Gatekeeper's Matcher.Match for a request: no match block → true; else the object or the oldObject matches.
 * `namespaceObject` is the Namespace Gatekeeper found for the request (webhook: the API server; gator: the
 * case's inventory, looked up by request.namespace). Errors become `{matched: false, error}` with Gatekeeper's
 * wording (the "autoreject" message is `unable to match constraints: ` + error).
 */
export function matchConstraint(match: ConstraintMatch | undefined, request: MatchRequest, namespaceObject?: KObject): MatchOutcome {
  if (!match) return { matched: true };
  const objs = [request.object, request.oldObject];
  // gkReviewToObject decodes both as unstructured objects first, which needs a `kind`.
  for (const [i, o] of objs.entries()) {
    if (o === undefined || o === null) continue;
    if (!isObj(o) || typeof o.kind !== "string" || o.kind === "") {
      return { matched: false, error: `invalid request object: failed to unmarshal gkReview ${i ? "oldObject" : "object"} ${JSON.stringify(o)}` };
    }
  }
  let missing = 0;
  for (const o of objs) {
    if (!isObj(o)) {
      missing++;
      continue;
    }
    try {
      if (objectMatches(match, o as KObject, namespaceObject, request.source ?? "Original")) return { matched: true };
    } catch (e) {
      return { matched: false, error: `error matching the requested object: ${metaString(o, "name")} :${(e as Error).message}` };
    }
  }
  if (missing === objs.length) return { matched: false, error: "invalid request object: neither object nor old object are defined" };
  return { matched: false };
}

/** Boolean form of `matchConstraint`; throws MatchError when Gatekeeper could not decide (autoreject). */
export function constraintMatches(match: ConstraintMatch | undefined, request: MatchRequest, namespaceObject?: KObject): boolean {
  const r = matchConstraint(match, request, namespaceObject);
  if (r.error !== undefined) throw new MatchError(r.error);
  return r.matched;
}
