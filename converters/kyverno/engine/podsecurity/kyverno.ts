// Kyverno's `validate.podSecurity` rule (kyverno/kyverno pkg/pss/evaluate.go, pkg/pss/utils/mapping.go,
// pkg/engine/handlers/validation/validate_pss.go), re-implemented from its semantics:
//
// * The pod (or the pod template of DaemonSet/Deployment/Job/StatefulSet/ReplicaSet/ReplicationController, or of a
//   CronJob, whose metadata is taken from spec.jobTemplate.metadata) is checked with every check of
//   `policy.DefaultChecks()` of Kyverno's pod-security-admission fork, with field errors. Unlike the PodSecurity
//   admission registry: level "baseline" runs the baseline checks and any other level (restricted, and also
//   privileged) runs all checks; there are no overrides (capabilities_baseline, hostPathVolumes and
//   seccompProfile_baseline also run at restricted); and a check whose first MinimumVersion is newer than the
//   requested version runs its first implementation instead of being skipped.
// * Each `exclude` entry is evaluated on a derived pod and removes matching field errors from the results:
//   - without `images` (pod level): the pod with its containers replaced by a single bare container "fake";
//   - with `images` (container level): a pod holding only the containers whose image matches a pattern.
//   For every field error the derived pod produces in a check of the entry's control (controlName → check IDs),
//   with digits in the field path replaced by `*`: if `restrictedField` is empty or equal to that path, and every
//   bad value of the error matches one of `values` (when given), the first field error of the same check in the
//   original results with the same path (and, container level, the same container name) is removed. A check with
//   no field errors left is dropped. The rule passes when no check is left.
// * Failure message: `Validation rule '<rule>' failed. It violates PodSecurity "<level>:<version>": ` followed by
//   `(Forbidden reason: <reason>, field error list: [<errors>])` per check.
import { checkDefinitions, type CheckDefinition, type CheckProfile, type FieldError, type VersionedCheck } from "./checks.js";
import type { CheckResult } from "./evaluate.js";
import { goQuote } from "./format.js";
import { decodeMeta, decodeSpec, type ApiServerDefaults, type Container, type PodMeta, type PodSpec } from "./pod.js";
import { checkPatterns } from "./wildcard.js";

export interface KyvernoPodSecurityExclude {
  controlName: string;
  images?: readonly string[];
  restrictedField?: string;
  values?: readonly string[];
}

/** `validate.podSecurity` of a rule. */
export interface KyvernoPodSecuritySpec {
  level: string;
  /** Absent or "" = latest. */
  version?: string;
  exclude?: readonly KyvernoPodSecurityExclude[];
}

/** The part of a Kyverno rule this engine reads (the parsed KyvernoRule of converters/kyverno/model.ts fits). */
export interface KyvernoPodSecurityRule {
  name: string;
  validate?: { podSecurity?: KyvernoPodSecuritySpec };
}

/** A PolicyException that matched the request (matching itself is the caller's business). */
export interface MatchedPolicyException {
  /** `namespace/name` (cache.MetaNamespaceKeyFunc). */
  key: string;
  podSecurity?: readonly KyvernoPodSecurityExclude[];
}

export interface KyvernoPodSecurityOptions {
  /** PolicyExceptions matching the resource, in order. */
  exceptions?: readonly MatchedPolicyException[];
  /** Check set: "kyverno" (default: the fork Kyverno vendors) or "upstream" (pod-security-admission master). */
  profile?: CheckProfile;
  /**
   * Apply the API server's defaulting first (what Kyverno's admission webhook sees: sourceless volumes → emptyDir;
   * for Pods also hostNetwork hostPorts). Default false, as `kyverno test` evaluates resources as written.
   */
  apiServerDefaults?: boolean;
}

export type KyvernoRuleStatus = "pass" | "fail" | "skip" | "error";

export interface KyvernoPodSecurityResult {
  status: KyvernoRuleStatus;
  message: string;
  /** The checks left failing (pass: none; fail: as reported, field paths rewritten for the resource kind). */
  checks: CheckResult[];
}

/** PSS control names → check IDs (pkg/pss/utils/mapping.go PSS_control_name_to_ids). */
export const PSS_CONTROL_TO_CHECK_IDS: Readonly<Record<string, readonly string[]>> = {
  Capabilities: ["capabilities_baseline", "capabilities_restricted"],
  Seccomp: ["seccompProfile_baseline", "seccompProfile_restricted"],
  "Privileged Containers": ["privileged"],
  "Host Ports": ["hostPorts"],
  "/proc Mount Type": ["procMount"],
  HostProcess: ["windowsHostProcess"],
  SELinux: ["seLinuxOptions"],
  "Host Namespaces": ["hostNamespaces"],
  "HostPath Volumes": ["hostPathVolumes"],
  Sysctls: ["sysctls"],
  AppArmor: ["appArmorProfile"],
  "Privilege Escalation": ["allowPrivilegeEscalation"],
  "Running as Non-root": ["runAsNonRoot"],
  "Running as Non-root user": ["runAsUser"],
  "Volume Types": ["restrictedVolumes"],
};

/** Controls rejected in `exclude` of a baseline rule (except Seccomp and Capabilities, which have both levels). */
export const PSS_RESTRICTED_CONTROL_NAMES: readonly string[] = [
  "Volume Types",
  "Privilege Escalation",
  "Running as Non-root",
  "Running as Non-root user",
  "Seccomp",
  "Capabilities",
];
/** Controls whose exclude must not name images. */
export const PSS_POD_LEVEL_CONTROLS: readonly string[] = ["Host Namespaces", "HostPath Volumes", "Sysctls", "Volume Types"];
/** Controls whose exclude must name images. */
export const PSS_CONTAINER_LEVEL_CONTROLS: readonly string[] = [
  "Capabilities",
  "Privileged Containers",
  "Host Ports",
  "/proc Mount Type",
  "Privilege Escalation",
];
/** The CRD's enum of `podSecurity.version`. */
export const KYVERNO_PSS_VERSIONS: readonly string[] = [
  ...Array.from({ length: 14 }, (_, i) => `v1.${19 + i}`),
  "latest",
];

// ---------------------------------------------------------------------------------------------------------------
// evaluation

interface Pod {
  metadata: PodMeta;
  spec: PodSpec;
}

/** A failing check during exclusion; `errors` is shared and shrinks as exclusions remove field errors. */
interface PssCheck {
  id: string;
  reason: string;
  detail: string;
  errors: FieldError[] | null;
}

interface LevelVersion {
  level: string;
  /** Infinity = latest. */
  minor: number;
}

/** pss.ParseVersion: "" and "latest" → latest; else api.ParseVersion. */
function parseKyvernoVersion(version: string | undefined): number {
  if (version === undefined || version === "" || version === "latest") return Number.POSITIVE_INFINITY;
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(version);
  if (!m) throw new Error(`must be "latest" or "v1.x"`);
  return Number(m[1]);
}

/** Kyverno's choice of implementation: the newest whose MinimumVersion <= version, else the first one. */
function kyvernoVersionAt(check: CheckDefinition, minor: number): VersionedCheck {
  let selected = check.versions[0]!;
  for (const v of check.versions.slice(1)) if (v.minimumVersion <= minor && selected.minimumVersion < v.minimumVersion) selected = v;
  return selected;
}

/** pss.evaluatePSS: the failing checks, in DefaultChecks order. */
function evaluatePss(lv: LevelVersion, pod: Pod, profile: CheckProfile): PssCheck[] {
  const out: PssCheck[] = [];
  for (const check of checkDefinitions(profile)) {
    if (lv.level === "baseline" && check.level !== "baseline") continue;
    const r = kyvernoVersionAt(check, lv.minor).checkPod(pod.metadata, pod.spec);
    if (r) out.push({ id: check.id, reason: r.reason, detail: r.detail, errors: r.errors ? [...r.errors] : null });
  }
  return out;
}

const emptyContainer = (name: string): Container => ({ name, image: "", ports: [] });

/** pss.GetPodWithMatchingContainers: the pod-level copy (no images) or the pod of the matching containers. */
function derivedPod(exclude: KyvernoPodSecurityExclude, pod: Pod): { kind: "pod"; pod: Pod } | { kind: "containers"; pod: Pod } {
  const images = exclude.images ?? [];
  if (images.length === 0) {
    return {
      kind: "pod",
      pod: { metadata: pod.metadata, spec: { ...pod.spec, containers: [emptyContainer("fake")], initContainers: [], ephemeralContainers: [] } },
    };
  }
  const match = (c: Container): boolean => checkPatterns(images, c.image);
  return {
    kind: "containers",
    pod: {
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, annotations: new Map() },
      spec: {
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
        volumes: [],
        containers: pod.spec.containers.filter(match),
        initContainers: pod.spec.initContainers.filter(match),
        ephemeralContainers: pod.spec.ephemeralContainers.filter(match),
      },
    },
  };
}

const DIGITS = /\d+/g;

interface ParsedField {
  /** The path with every run of digits replaced by `*`. */
  field: string;
  /** Container kind and index when the path is under spec.{containers,initContainers,ephemeralContainers}. */
  container?: { kind: "containers" | "initContainers" | "ephemeralContainers"; index: number };
}

/** pss.parseField: second alphabetic word of the path decides whether it is a container field. */
function parseField(f: string): ParsedField {
  const field = f.replace(DIGITS, "*");
  const words = f.match(/[a-zA-Z]+/g) ?? [];
  const kind = words[1];
  if (kind === "containers" || kind === "initContainers" || kind === "ephemeralContainers") {
    const first = f.match(/\d+/);
    return { field, container: { kind, index: first ? Number(first[0]) : 0 } };
  }
  return { field };
}

function containerAt(pod: Pod, c: NonNullable<ParsedField["container"]>): Container | undefined {
  return pod.spec[c.kind][c.index];
}

/** pss.extractBadValues: non-empty string, bool, int, or the strings of a []string. */
function badValues(e: FieldError): string[] {
  const v = e.badValue;
  if (typeof v === "string") return v === "" ? [] : [v];
  if (typeof v === "boolean") return [String(v)];
  if (typeof v === "number") return [String(v)];
  return [...v];
}

/** pss.exemptExclusions for one exclude entry. Mutates the shared error lists; returns the checks still failing. */
function exempt(defaults: PssCheck[], excluded: PssCheck[], exclude: KyvernoPodSecurityExclude, pod: Pod, derived: Pod, containerLevel: boolean): PssCheck[] {
  const byId = new Map(defaults.map((c) => [c.id, c] as const));
  const ids = PSS_CONTROL_TO_CHECK_IDS[exclude.controlName] ?? [];
  const restrictedField = exclude.restrictedField ?? "";
  const values = exclude.values ?? [];
  for (const ex of excluded) {
    if (!ids.includes(ex.id) || !ex.errors) continue;
    for (const exErr of ex.errors) {
      const exField = containerLevel ? parseField(exErr.field) : { field: exErr.field.replace(DIGITS, "*") };
      const exContainer = exField.container ? containerAt(derived, exField.container) : undefined;
      if (restrictedField !== "" && exField.field !== restrictedField) continue;
      if (values.length > 0 && !badValues(exErr).every((b) => checkPatterns(values, b))) continue;
      const target = byId.get(ex.id);
      if (!target?.errors) continue;
      const list = target.errors;
      for (let idx = 0; idx < list.length; idx++) {
        const df = containerLevel ? parseField(list[idx]!.field) : { field: list[idx]!.field.replace(DIGITS, "*") };
        const same = df.container
          ? exField.field === df.field && (exContainer?.name ?? "") === (containerAt(pod, df.container)?.name ?? "")
          : exField.field === df.field;
        if (!same) continue;
        // remove(): the last element takes the removed one's place.
        list[idx] = list[list.length - 1]!;
        list.pop();
        break;
      }
      if (list.length === 0) byId.delete(ex.id);
    }
  }
  // Kyverno rebuilds the list from a map (random order); the original order is kept here.
  return defaults.filter((c) => byId.has(c.id));
}

/** pss.ApplyPodSecurityExclusion. */
function applyExclusions(lv: LevelVersion, excludes: readonly KyvernoPodSecurityExclude[], checks: PssCheck[], pod: Pod, profile: CheckProfile): PssCheck[] {
  let current = checks;
  for (const exclude of excludes) {
    const d = derivedPod(exclude, pod);
    current = exempt(current, evaluatePss(lv, d.pod, profile), exclude, pod, d.pod, d.kind === "containers");
  }
  return current;
}

/** pss.EvaluatePod: [allowed, failing checks after the rule's own excludes]. */
function evaluateWithExcludes(lv: LevelVersion, excludes: readonly KyvernoPodSecurityExclude[], pod: Pod, profile: CheckProfile): PssCheck[] {
  const checks = evaluatePss(lv, pod, profile);
  return excludes.length > 0 ? applyExclusions(lv, excludes, checks, pod, profile) : checks;
}

const CONTROLLER_KINDS = new Set(["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"]);

type Obj = { [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const child = (v: unknown, k: string): unknown => (isObj(v) ? v[k] : undefined);

/** validate_pss.go getSpec: the pod metadata and spec of a Pod, a pod controller, or a CronJob. */
function podOf(resource: unknown, defaults: boolean): { pod: Pod; kind: string } {
  const kind = typeof child(resource, "kind") === "string" ? (child(resource, "kind") as string) : "";
  const tplDefaults = defaults ? "template" : "none";
  if (kind === "Pod") {
    return { kind, pod: { metadata: decodeMeta(child(resource, "metadata")), spec: decodeSpec(child(resource, "spec"), "spec", defaults ? "pod" : "none") } };
  }
  if (CONTROLLER_KINDS.has(kind)) {
    const tpl = child(child(resource, "spec"), "template");
    return {
      kind,
      pod: { metadata: decodeMeta(child(tpl, "metadata"), "spec.template.metadata"), spec: decodeSpec(child(tpl, "spec"), "spec.template.spec", tplDefaults) },
    };
  }
  if (kind === "CronJob") {
    const jt = child(child(resource, "spec"), "jobTemplate");
    const spec = child(child(child(jt, "spec"), "template"), "spec");
    // Kyverno reads the *job template's* metadata here, not the pod template's.
    return {
      kind,
      pod: { metadata: decodeMeta(child(jt, "metadata"), "spec.jobTemplate.metadata"), spec: decodeSpec(spec, "spec.jobTemplate.spec.template.spec", tplDefaults) },
    };
  }
  throw new Error("could not find correct resource type");
}

/** validate_pss.go convertChecks: the field paths as reported for the resource kind (note: every kind gets
 * `metadata` → `spec.template.metadata`, Pods and CronJobs included). */
function convertField(field: string, kind: string): string {
  let f = field;
  if (CONTROLLER_KINDS.has(kind)) f = f.split("spec").join("spec.template.spec");
  else if (kind === "CronJob") f = f.split("spec").join("spec.jobTemplate.spec.template.spec");
  return f.split("metadata").join("spec.template.metadata");
}

/** Go `%+v` of a bad value. */
function goValue(v: FieldError["badValue"]): string {
  return Array.isArray(v) ? `[${v.join(" ")}]` : String(v);
}

/** field.Error.Error() for the two error types the checks produce. */
function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${e.type === "Required" ? "Required value" : "Forbidden"}`;
}

/** pss.FormatChecksPrint. */
export function formatChecksPrint(checks: readonly CheckResult[]): string {
  return checks
    .map((c) => {
      const errs = (c.forbiddenFields ?? []).map((e) => {
        const hasValue = !(typeof e.badValue === "string" && e.badValue === "");
        return e.type === "Forbidden" && hasValue ? `${e.field} is forbidden, forbidden values found: ${goValue(e.badValue)}` : fieldErrorString(e);
      });
      return `(Forbidden reason: ${c.reason}, field error list: [${errs.join(", ")}])`;
    })
    .join("");
}

const toResult = (c: PssCheck, kind: string | undefined): CheckResult => {
  const base = { id: c.id, reason: c.reason, detail: c.detail };
  if (!c.errors) return base;
  return { ...base, forbiddenFields: c.errors.map((e) => (kind === undefined ? { ...e } : { ...e, field: convertField(e.field, kind) })) };
};

/**
 * Kyverno's validate.podSecurity handler for one resource (Pod, pod controller or CronJob) and one rule: pass, fail
 * (with Kyverno's message), skip (every violation covered by matched PolicyExceptions, or an exception without
 * podSecurity), or error (unknown kind, undecodable pod, bad version). DELETE requests (no response) and the
 * allowExistingViolations re-check of UPDATEs are the caller's business.
 */
export function evaluateKyvernoPodSecurity(resource: unknown, rule: KyvernoPodSecurityRule, opts: KyvernoPodSecurityOptions = {}): KyvernoPodSecurityResult {
  const profile = opts.profile ?? "kyverno";
  const exceptions = opts.exceptions ?? [];
  const error = (message: string): KyvernoPodSecurityResult => ({ status: "error", message, checks: [] });
  const noPss = exceptions.find((e) => (e.podSecurity ?? []).length === 0);
  if (noPss) return { status: "skip", message: `rule is skipped due to policy exception ${noPss.key}`, checks: [] };
  const ps = rule.validate?.podSecurity;
  if (!ps) return error(`rule '${rule.name}' has no validate.podSecurity`);
  let target: { pod: Pod; kind: string };
  try {
    target = podOf(resource, opts.apiServerDefaults ?? false);
  } catch (e) {
    return error(`Error while getting new resource: ${e instanceof Error ? e.message : String(e)}`);
  }
  let minor: number;
  try {
    minor = parseKyvernoVersion(ps.version);
  } catch (e) {
    return error(`failed to parse pod security api version: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lv: LevelVersion = { level: ps.level, minor };
  let checks = evaluateWithExcludes(lv, ps.exclude ?? [], target.pod, profile);
  if (checks.length === 0) return { status: "pass", message: `Validation rule '${rule.name}' passed.`, checks: [] };
  if (exceptions.length > 0) {
    checks = applyExclusions(lv, exceptions.flatMap((e) => e.podSecurity ?? []), checks, target.pod, profile);
    if (checks.length === 0) {
      return { status: "skip", message: `rule is skipped due to policy exceptions ${exceptions.map((e) => e.key).join(", ")}`, checks: [] };
    }
  }
  const results = checks.map((c) => toResult(c, target.kind));
  return {
    status: "fail",
    message: `Validation rule '${rule.name}' failed. It violates PodSecurity "${ps.level}:${ps.version ?? ""}": ${formatChecksPrint(results)}`,
    checks: results,
  };
}

/**
 * The failing checks Kyverno computes for a pod (metadata + spec as raw JSON) at a level and version, after the
 * given excludes, with field paths as the checks report them. Throws PodDecodeError / Error like evaluatePodSecurity.
 */
export function kyvernoPodSecurityChecks(
  podMeta: unknown,
  podSpec: unknown,
  ps: KyvernoPodSecuritySpec,
  opts: { profile?: CheckProfile; apiServerDefaults?: ApiServerDefaults } = {},
): CheckResult[] {
  const pod: Pod = { metadata: decodeMeta(podMeta), spec: decodeSpec(podSpec, "spec", opts.apiServerDefaults ?? "none") };
  const lv: LevelVersion = { level: ps.level, minor: parseKyvernoVersion(ps.version) };
  return evaluateWithExcludes(lv, ps.exclude ?? [], pod, opts.profile ?? "kyverno").map((c) => toResult(c, undefined));
}

/**
 * What Kyverno's admission webhook / CRD schema reject in a podSecurity rule (Rule.ValidatePSaControlNames,
 * PodSecurityStandard.Validate, and the CRD enums of level, version and controlName), as field error strings.
 * `rulePath` is the rule's path (`spec.rules[0]`); Kyverno hangs the exclude errors directly under it.
 */
export function validateKyvernoPodSecurity(ps: KyvernoPodSecuritySpec, rulePath = "spec.rules[0]"): string[] {
  const errs: string[] = [];
  const invalid = (path: string, value: string, detail: string): void => {
    errs.push(`${path}: Invalid value: ${goQuote(value)}: ${detail}`);
  };
  const unsupported = (path: string, value: string, supported: readonly string[]): void => {
    errs.push(`${path}: Unsupported value: ${goQuote(value)}: supported values: ${supported.map(goQuote).join(", ")}`);
  };
  const base = `${rulePath}.validate.podSecurity`;
  if (!["privileged", "baseline", "restricted"].includes(ps.level)) unsupported(`${base}.level`, ps.level, ["privileged", "baseline", "restricted"]);
  if (ps.version !== undefined && ps.version !== "" && !KYVERNO_PSS_VERSIONS.includes(ps.version)) {
    unsupported(`${base}.version`, ps.version, KYVERNO_PSS_VERSIONS);
  }
  const forbiddenControls = ps.level === "baseline" ? PSS_RESTRICTED_CONTROL_NAMES : [];
  (ps.exclude ?? []).forEach((ex, i) => {
    if (!(ex.controlName in PSS_CONTROL_TO_CHECK_IDS)) unsupported(`${base}.exclude[${i}].controlName`, ex.controlName, Object.keys(PSS_CONTROL_TO_CHECK_IDS));
    const p = `${rulePath}.podSecurity.exclude[${i}]`;
    const images = ex.images ?? [];
    if (PSS_CONTAINER_LEVEL_CONTROLS.includes(ex.controlName)) {
      if (images.length === 0) invalid(`${p}.controlName`, ex.controlName, "exclude.images must be specified for the container level control");
    } else if (PSS_POD_LEVEL_CONTROLS.includes(ex.controlName) && images.length !== 0) {
      invalid(`${p}.controlName`, ex.controlName, "exclude.images must not be specified for the pod level control");
    }
    const rf = ex.restrictedField ?? "";
    const values = ex.values ?? [];
    if (rf !== "" && values.length === 0) errs.push(`${p}.values: Forbidden: values is required`);
    if (rf === "" && values.length !== 0) errs.push(`${p}.restrictedField: Forbidden: restrictedField is required`);
    if (ex.controlName !== "Seccomp" && ex.controlName !== "Capabilities" && forbiddenControls.includes(ex.controlName)) {
      invalid(`${p}.controlName`, ex.controlName, "Invalid control name defined at the given level");
    }
  });
  return errs;
}


