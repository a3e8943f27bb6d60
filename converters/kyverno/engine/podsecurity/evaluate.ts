// Pod Security Standards evaluation as k8s.io/pod-security-admission's check registry does it (policy/registry.go):
// privileged evaluates nothing; baseline runs the baseline checks; restricted runs the restricted checks plus every
// baseline check not overridden by a restricted check at that version. A check runs at a version in its newest
// implementation whose MinimumVersion is <= the version, and not at all before its first MinimumVersion. "latest"
// and versions newer than the newest check revision evaluate as that newest revision. Results are ordered baseline
// check IDs (sorted) then restricted check IDs (sorted).
import { checkDefinitions, type CheckDefinition, type CheckProfile, type FieldError, type VersionedCheck } from "./checks.js";
import { goCompare } from "./format.js";
import { decodeMeta, decodeSpec, type ApiServerDefaults, type PodMeta, type PodSpec } from "./pod.js";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** A policy version: "latest" or "v1.<minor>". */
export type PodSecurityVersion = "latest" | `v1.${number}`;

/** One failing check, as upstream's check function reports it. */
export interface CheckResult {
  /** Check ID: "hostNamespaces", "runAsNonRoot", "capabilities_restricted", … */
  id: string;
  /** ForbiddenReason ("host namespaces"). */
  reason: string;
  /** ForbiddenDetail ("hostNetwork=true, hostPID=true"). */
  detail: string;
  /** The field errors Kyverno's fork attaches (absent for checks that report none, e.g. hostProbesAndHostLifecycle). */
  forbiddenFields?: FieldError[];
}

export interface EvaluateOptions {
  level: PodSecurityLevel;
  version: PodSecurityVersion | string;
  /** Which check set to use; default "upstream" (kubernetes/pod-security-admission master). */
  profile?: CheckProfile;
  /**
   * Apply the API server's defaulting first, as admission sees the object: "pod" (sourceless volumes → emptyDir,
   * hostNetwork hostPorts), "template" (volumes only) or "none" (default: evaluate the object as given).
   */
  apiServerDefaults?: ApiServerDefaults;
}

const VERSION_RE = /^v1\.(0|[1-9][0-9]*)$/;

/** api.ParseVersion: "latest" → Infinity, "v1.x" → x; anything else throws `must be "latest" or "v1.x"`. */
export function parseVersion(version: string): number {
  if (version === "latest") return Number.POSITIVE_INFINITY;
  const m = VERSION_RE.exec(version);
  if (!m) throw new Error(`must be "latest" or "v1.x"`);
  return Number(m[1]);
}

/** api.ParseLevel, but throwing instead of defaulting to restricted. */
export function parseLevel(level: string): PodSecurityLevel {
  if (level === "privileged" || level === "baseline" || level === "restricted") return level;
  throw new Error("must be one of privileged, baseline, restricted");
}

/** The implementation of `check` that applies at `minor`, or undefined before its first MinimumVersion. */
export function versionAt(check: CheckDefinition, minor: number): VersionedCheck | undefined {
  let selected: VersionedCheck | undefined;
  for (const v of check.versions) if (v.minimumVersion <= minor) selected = v;
  return selected;
}

/** The newest MinimumVersion over all checks of a profile (what "latest" evaluates as). */
export function maxPolicyVersion(profile: CheckProfile = "upstream"): number {
  return Math.max(...checkDefinitions(profile).map((c) => c.versions.at(-1)?.minimumVersion ?? 0));
}

interface Registry {
  max: number;
  /** Checks in evaluation order (baseline IDs sorted, then restricted IDs sorted). */
  ordered: readonly CheckDefinition[];
}

const registries = new Map<CheckProfile, Registry>();

function registry(profile: CheckProfile): Registry {
  let r = registries.get(profile);
  if (!r) {
    const all = checkDefinitions(profile);
    const byId = (level: string): CheckDefinition[] => all.filter((c) => c.level === level).sort((a, b) => goCompare(a.id, b.id));
    r = { max: maxPolicyVersion(profile), ordered: [...byId("baseline"), ...byId("restricted")] };
    registries.set(profile, r);
  }
  return r;
}

/** The (check, implementation) pairs upstream runs for a level and version, in order. */
export function checksFor(level: PodSecurityLevel, version: string, profile: CheckProfile = "upstream"): { id: string; check: VersionedCheck }[] {
  if (level === "privileged") return [];
  const reg = registry(profile);
  const minor = Math.min(parseVersion(version), reg.max);
  // registry.go: baseline runs the baseline checks, any other level the restricted set.
  const selected = reg.ordered
    .filter((c) => level !== "baseline" || c.level === "baseline")
    .map((c) => ({ def: c, check: versionAt(c, minor) }))
    .filter((x): x is { def: CheckDefinition; check: VersionedCheck } => x.check !== undefined);
  const overridden = new Set(selected.filter((x) => x.def.level === "restricted").flatMap((x) => x.check.overrideCheckIDs ?? []));
  return selected.filter((x) => x.def.level === "restricted" || !overridden.has(x.def.id)).map((x) => ({ id: x.def.id, check: x.check }));
}

function run(meta: PodMeta, spec: PodSpec, opts: EvaluateOptions): CheckResult[] {
  const out: CheckResult[] = [];
  for (const { id, check } of checksFor(opts.level, opts.version, opts.profile)) {
    const r = check.checkPod(meta, spec);
    if (!r) continue;
    out.push(r.errors ? { id, reason: r.reason, detail: r.detail, forbiddenFields: r.errors } : { id, reason: r.reason, detail: r.detail });
  }
  return out;
}

/**
 * Evaluates a pod's metadata and spec (raw JSON, as in a Pod or a pod template) against a Pod Security Standards
 * level and version; returns the failing checks (empty = allowed). Throws PodDecodeError when a field the checks
 * read has the wrong JSON type, and an Error for an invalid version.
 */
export function evaluatePodSecurity(podMeta: unknown, podSpec: unknown, opts: EvaluateOptions): CheckResult[] {
  return run(decodeMeta(podMeta), decodeSpec(podSpec, "spec", opts.apiServerDefaults ?? "none"), opts);
}

/** evaluatePodSecurity for a whole Pod object. */
export function evaluatePod(pod: unknown, opts: EvaluateOptions): CheckResult[] {
  const o = typeof pod === "object" && pod !== null && !Array.isArray(pod) ? (pod as { metadata?: unknown; spec?: unknown }) : {};
  return evaluatePodSecurity(o.metadata, o.spec, opts);
}

/** AggregateCheckResult.ForbiddenReason(): the reasons joined by ", ". */
export function forbiddenReason(results: readonly CheckResult[]): string {
  return results.map((r) => r.reason || "unknown forbidden reason").join(", ");
}

/** AggregateCheckResult.ForbiddenDetail(): `reason (detail), reason, …`. */
export function forbiddenDetail(results: readonly CheckResult[]): string {
  return results.map((r) => `${r.reason || "unknown forbidden reason"}${r.detail ? ` (${r.detail})` : ""}`).join(", ");
}

/** The PodSecurity admission denial text: `violates PodSecurity "restricted:latest": …`. */
export function violationMessage(level: PodSecurityLevel, version: string, results: readonly CheckResult[]): string {
  return `violates PodSecurity "${level}:${version}": ${forbiddenDetail(results)}`;
}
