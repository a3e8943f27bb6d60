// Kyverno `validate.podSecurity` (Pod Security Standards at a level/version, minus `exclude` entries) → rule-model
// Rules, one per PSS check, over pod roots given as Paths (a Pod's `object.spec`/`object.metadata`, or a controller's
// pod template held in a VAP variable).
//
// The checks are those of k8s.io/pod-security-admission `policy/check_*.go` (each with its versioned variants and
// MinimumVersion). Two ways of selecting them:
//   kyverno (default) — as Kyverno's `pkg/pss/evaluate.go` runs them over its fork of pod-security-admission
//       (github.com/kyverno/pod-security-admission, cut at 1.34, user-namespace relaxation never enabled): every
//       check runs whatever the version (the newest variant whose MinimumVersion ≤ version, else the *first*
//       variant — so `v1.19` still checks runAsUser, capabilities drop ALL and probe hosts); `restricted` runs the
//       baseline checks too, without PSA's overrides (that only matters under `exclude`); `privileged` is not
//       special-cased and runs every check; `exclude` entries remove the field errors Kyverno's
//       `ApplyPodSecurityExclusion` removes (see below).
//   psa — the upstream admission plugin's registry: a check runs only from its MinimumVersion, restricted checks
//       override the baseline checks they name, `privileged` has no checks, versions above the library's newest
//       policy version evaluate as that one. No `exclude`.
//
// Kyverno's exclusion, as reproduced here: each check reports field errors (path with indexes, bad values). An entry
// without `images` re-evaluates a copy of the pod whose containers are one bare container named `fake`; an entry
// with `images` evaluates a pod made only of the containers whose image matches (no pod-level fields, no
// annotations). Each error of that evaluation, when its field (indexes → `*`) equals `restrictedField` (or that is
// empty) and every one of its bad values matches a `values` glob (or there are none), removes one error of the real
// evaluation with the same field — and, for a container field of an `images` entry, the same container name. A
// check with no error left passes. Consequences reproduced exactly: a pod-level entry removes pod-level errors and,
// through the `fake` container, at most one `spec.containers[*]` error per entry for the checks a bare container
// fails (runAsNonRoot, seccompProfile_restricted; allowPrivilegeEscalation and capabilities drop only in entries
// Kyverno's policy validation rejects, see `skipValidation`); seccompProfile_restricted reports either its explicit
// errors or its implicit ones, so removing every explicit error passes the check even where containers lack a
// profile; checks without a control name (hostProbesAndHostLifecycle, procMount_restricted) are never excluded.
// Where the count-based removal or the order of entries cannot be reproduced, a Gap says so (stricter).
//
// The rules read the object as validating admission sees it: defaulted (a volume without a source is an emptyDir)
// and validated. UPDATE handling (Kyverno's allowExistingViolations) and autogen are the caller's.
import { emitRules, type VapParts } from "../../src/emit/policy.js";
import {
  field,
  P,
  path,
  root,
  V,
  type Gap,
  type Match,
  type Path,
  type Pred,
  type Provenance,
  type Rule,
  type Val,
} from "../../src/ir/model.js";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export type PssLevel = "privileged" | "baseline" | "restricted";

/** One `validate.podSecurity.exclude[]` entry. */
export interface PssExclude {
  controlName: string;
  images?: string[];
  restrictedField?: string;
  values?: string[];
}

/** `validate.podSecurity` of a Kyverno rule. */
export interface PodSecuritySpec {
  level: PssLevel;
  /** "latest" (default) or "v1.N". */
  version?: string;
  exclude?: PssExclude[];
}

/** Where the pod spec and metadata live: a Pod (`object.spec`, `object.metadata`) or a template in a VAP variable. */
export interface PssRoots {
  spec: Path;
  meta: Path;
}

export const POD_PSS_ROOTS: PssRoots = { spec: path(root.object, "spec"), meta: path(root.object, "metadata") };

export type PssSemantics = "kyverno" | "psa";

export interface LowerPodSecurityOptions {
  roots?: PssRoots;
  /** Whose selection of checks to reproduce (default "kyverno"). */
  semantics?: PssSemantics;
  /**
   * Newest policy version of the pod-security-admission library evaluating the policy ("1.34"): variants newer than
   * it do not exist, `latest` and newer versions evaluate as it. Default: Kyverno's fork (1.34) under `kyverno`,
   * upstream at the corpus commit (1.37) under `psa`.
   */
  psaVersion?: string;
  /**
   * Lower `exclude` entries Kyverno's policy validation rejects (images on a pod-level control, none on a
   * container-level one, restrictedField without values…) as its evaluation would treat them, instead of throwing.
   */
  skipValidation?: boolean;
  /** Prefix of rule ids (default `podSecurity`). */
  ruleName?: string;
  provenance?: Provenance;
}

export interface LoweredPodSecurity {
  rules: Rule[];
  gaps: Gap[];
  /** The checks run, with the MinimumVersion ("1.25") of the variant chosen. */
  checks: { id: PssCheckId; variant: string }[];
}

/** A `podSecurity` rule Kyverno would reject (its policy validation), or a bad level/version. */
export class PodSecurityInputError extends Error {}

/** Kyverno's embedded pod-security-admission (github.com/kyverno/pod-security-admission, release-1.34 branch). */
export const KYVERNO_PSA_VERSION = "1.34";
/** Newest policy version of upstream pod-security-admission these checks were read from (8f84a87c, 2026-07). */
export const UPSTREAM_PSA_VERSION = "1.37";

// ---------------------------------------------------------------------------------------------------------------
// The checks (k8s.io/pod-security-admission policy/check_*.go)

export type PssCheckId =
  | "allowPrivilegeEscalation"
  | "appArmorProfile"
  | "capabilities_baseline"
  | "capabilities_restricted"
  | "hostNamespaces"
  | "hostPathVolumes"
  | "hostPorts"
  | "hostProbesAndHostLifecycle"
  | "privileged"
  | "procMount"
  | "procMount_restricted"
  | "restrictedVolumes"
  | "runAsNonRoot"
  | "runAsUser"
  | "seLinuxOptions"
  | "seccompProfile_baseline"
  | "seccompProfile_restricted"
  | "sysctls"
  | "windowsHostProcess";

interface CheckDef {
  id: PssCheckId;
  level: "baseline" | "restricted";
  /** MinimumVersion (minor of 1.x) of each variant, increasing. */
  mins: number[];
  /** Baseline checks a restricted check overrides (PSA registry; all its variants). */
  overrides?: PssCheckId[];
}

const CHECKS: CheckDef[] = [
  { id: "allowPrivilegeEscalation", level: "restricted", mins: [8, 25] },
  { id: "appArmorProfile", level: "baseline", mins: [0] },
  { id: "capabilities_baseline", level: "baseline", mins: [0] },
  { id: "capabilities_restricted", level: "restricted", mins: [22, 25], overrides: ["capabilities_baseline"] },
  { id: "hostNamespaces", level: "baseline", mins: [0] },
  { id: "hostPathVolumes", level: "baseline", mins: [0] },
  { id: "hostPorts", level: "baseline", mins: [0] },
  { id: "hostProbesAndHostLifecycle", level: "baseline", mins: [34] },
  { id: "privileged", level: "baseline", mins: [0] },
  { id: "procMount", level: "baseline", mins: [0, 35] },
  { id: "procMount_restricted", level: "restricted", mins: [35], overrides: ["procMount"] },
  { id: "restrictedVolumes", level: "restricted", mins: [0], overrides: ["hostPathVolumes"] },
  { id: "runAsNonRoot", level: "restricted", mins: [0, 35] },
  { id: "runAsUser", level: "restricted", mins: [23, 35] },
  { id: "seLinuxOptions", level: "baseline", mins: [0, 31] },
  { id: "seccompProfile_baseline", level: "baseline", mins: [0, 19] },
  { id: "seccompProfile_restricted", level: "restricted", mins: [19, 25], overrides: ["seccompProfile_baseline"] },
  { id: "sysctls", level: "baseline", mins: [0, 27, 29, 32, 37] },
  { id: "windowsHostProcess", level: "baseline", mins: [0] },
];

/** The checks with their level, the MinimumVersion of each variant ("1.25") and the baseline checks they override. */
export const PSS_CHECKS: readonly { id: PssCheckId; level: "baseline" | "restricted"; variants: string[]; overrides: PssCheckId[] }[] = CHECKS.map((c) => ({
  id: c.id,
  level: c.level,
  variants: c.mins.map((m) => `1.${m}`),
  overrides: [...(c.overrides ?? [])],
}));

/** Kyverno's control names (`pkg/pss/utils/mapping.go` PSS_control_name_to_ids). */
export const PSS_CONTROLS: Readonly<Record<string, readonly PssCheckId[]>> = {
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

const RESTRICTED_CONTROLS = ["Volume Types", "Privilege Escalation", "Running as Non-root", "Running as Non-root user", "Seccomp", "Capabilities"];
const POD_LEVEL_CONTROLS = ["Host Namespaces", "HostPath Volumes", "Sysctls", "Volume Types"];
const CONTAINER_LEVEL_CONTROLS = ["Capabilities", "Privileged Containers", "Host Ports", "/proc Mount Type", "Privilege Escalation"];

const CAPABILITIES_BASELINE = [
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
  "SETPCAP", "SETUID", "SYS_CHROOT",
];

const SYSCTLS: [number, string[]][] = [
  [0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ping_group_range", "net.ipv4.tcp_syncookies"]],
  [27, ["net.ipv4.ip_local_reserved_ports"]],
  [29, ["net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_keepalive_time"]],
  [32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]],
  [37, ["net.ipv4.tcp_notsent_lowat", "net.ipv4.tcp_slow_start_after_idle"]],
];

const SELINUX_TYPES = (min: number): string[] =>
  ["", "container_init_t", "container_kvm_t", "container_t", ...(min >= 31 ? ["container_engine_t"] : [])].sort();

/** Volume sources the restricted profile allows (check_restrictedVolumes.go). */
const ALLOWED_VOLUME_SOURCES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
/** The restricted volume types in the order the check names them (the error field `spec.volumes[i].<type>`). */
const RESTRICTED_VOLUME_TYPES = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder",
  "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
  "scaleIO", "storageos",
];

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;
type ContainerList = (typeof CONTAINER_LISTS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Versions

function minorOf(v: string, what: string): number {
  const m = /^v?1\.(0|[1-9][0-9]*)$/.exec(v);
  if (!m) throw new PodSecurityInputError(`${what} ${JSON.stringify(v)}: must be "latest" or "v1.x"`);
  return Number(m[1]);
}

/** Requested policy version: `Infinity` for latest. */
function parseVersion(version: string | undefined): number {
  if (version === undefined || version === "" || version === "latest") return Infinity;
  if (!/^v1\.([0-9]|[1-9][0-9]*)$/.test(version)) throw new PodSecurityInputError(`podSecurity.version ${JSON.stringify(version)}: must be "latest" or "v1.x"`);
  return Number(version.slice(3));
}

interface Selected {
  def: CheckDef;
  min: number;
}

/** The checks run at a level/version, each with its chosen variant. */
function selectChecks(level: PssLevel, requested: number, semantics: PssSemantics, psaMax: number, touched: Set<PssCheckId>): Selected[] {
  const defs = CHECKS.map((d) => ({ ...d, mins: d.mins.filter((m) => m <= psaMax) })).filter((d) => d.mins.length > 0);
  if (semantics === "psa") {
    if (level === "privileged") return [];
    const v = Math.min(requested, psaMax);
    const active: Selected[] = [];
    for (const d of defs) {
      if (d.level === "restricted" && level !== "restricted") continue;
      const ok = d.mins.filter((m) => m <= v);
      if (ok.length) active.push({ def: d, min: ok[ok.length - 1]! });
    }
    const overridden = new Set(active.filter((s) => s.def.level === "restricted").flatMap((s) => s.def.overrides ?? []));
    return active.filter((s) => !overridden.has(s.def.id));
  }
  // Kyverno: every check, newest variant ≤ version else the first; baseline level skips restricted checks only.
  const active: Selected[] = [];
  for (const d of defs) {
    if (level === "baseline" && d.level !== "baseline") continue;
    const ok = d.mins.filter((m) => m <= requested);
    active.push({ def: d, min: ok.length ? ok[ok.length - 1]! : d.mins[0]! });
  }
  // A baseline check that a running restricted check overrides in PSA is implied by it for API-valid pods (validating
  // admission sees validated objects, and pod validation rejects capabilities and seccomp profiles on Windows pods,
  // as check_capabilities_restricted.go / check_seccompProfile_restricted.go note), unless an exclude weakens the
  // restricted check; the annotation-based seccomp baseline variant (< 1.19) is not implied by the field-based one.
  const drop = new Set<PssCheckId>();
  for (const s of active) {
    if (s.def.level !== "restricted" || touched.has(s.def.id)) continue;
    for (const o of s.def.overrides ?? []) {
      const b = active.find((x) => x.def.id === o);
      if (b && !(o === "seccompProfile_baseline" && b.min < 19)) drop.add(o);
    }
  }
  return active.filter((s) => !drop.has(s.def.id));
}

// ---------------------------------------------------------------------------------------------------------------
// Exclusion machinery

interface Excl {
  /** Position in `exclude[]` (entries are applied in order). */
  index: number;
  images?: string[];
  rf?: string;
  values?: string[];
}

/** The bad values of one field error (Kyverno `extractBadValues`): none, fixed strings, one string, or a list. */
type BadValues =
  | { k: "none" }
  | { k: "const"; values: string[] }
  /** One string (an empty one counts as no bad value). */
  | { k: "one"; value: Val }
  /** The elements of `list` for which `bad` holds (bound to `v`). */
  | { k: "each"; list: Path; v: string; bad: Pred };

function globRe(g: string): RegExp {
  return new RegExp(`^${g.replace(/[\\^$.+()|[\]{}]/g, (m) => `\\${m}`).replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
}

const matchesAny = (globs: string[], s: string): boolean => globs.some((g) => globRe(g).test(s));

function or(...ps: Pred[]): Pred {
  const xs: Pred[] = [];
  for (const p of ps) {
    if (p.k === "const" && p.value) return P.t;
    if (p.k === "const") continue;
    if (p.k === "or") xs.push(...p.of);
    else xs.push(p);
  }
  return xs.length === 0 ? P.f : xs.length === 1 ? xs[0]! : P.or(...xs);
}

function and(...ps: Pred[]): Pred {
  const xs: Pred[] = [];
  for (const p of ps) {
    if (p.k === "const" && !p.value) return P.f;
    if (p.k === "const") continue;
    if (p.k === "and") xs.push(...p.of);
    else xs.push(p);
  }
  return xs.length === 0 ? P.t : xs.length === 1 ? xs[0]! : P.and(...xs);
}

const isTrue = (p: Pred): boolean => p.k === "const" && p.value;

/** The value matches one of the globs (Kyverno `wildcard.CheckPatterns`). */
function globAny(globs: string[], v: Val): Pred {
  return or(...[...new Set(globs)].sort().map((g) => P.match(v, { k: "glob", glob: g }, false)));
}

/** Every bad value of the error matches one of `values` (vacuous without values or without bad values). */
function valuesOk(values: string[] | undefined, bv: BadValues): Pred {
  if (!values?.length) return P.t;
  switch (bv.k) {
    case "none":
      return P.t;
    case "const":
      return bv.values.every((x) => matchesAny(values, x)) ? P.t : P.f;
    case "one": {
      const v = V.or(bv.value, ""); // an unset string field is Go's ""
      return or(P.cmp(v, "==", "", false), globAny(values, v));
    }
    case "each":
      return P.all(bv.list, bv.v, or(P.not(bv.bad), globAny(values, V.at(path(root.v(bv.v))))));
  }
}

/** `restrictedField` selects the error field (statically known). */
const rfOk = (e: Excl, f: string): boolean => !e.rf || e.rf === f;

/** `restrictedField` selects the annotation error `metadata.annotations[<key>]` (indexes, i.e. digit runs, are `*`). */
function rfOkAnnotation(e: Excl, key: Val): Pred {
  if (!e.rf) return P.t;
  const m = /^metadata\.annotations\[(.*)\]$/.exec(e.rf);
  if (!m || /[0-9]/.test(m[1]!)) return P.f;
  const re = `^${m[1]!.split("*").map((s) => s.replace(/[\\^$.+*?()|[\]{}]/g, (c) => `\\${c}`)).join("[0-9]+")}$`;
  return P.match(key, { k: "regex", re }, false);
}

interface CheckExcl {
  /** Entries without images (evaluated on the pod with one bare `fake` container). */
  pod: Excl[];
  /** Entries with images (evaluated on the matching containers alone). */
  ctr: Excl[];
}

// ---------------------------------------------------------------------------------------------------------------
// Lowering

const C = "c";
const cRoot = (): Path => path(root.v(C));
const nameOf = (v: string): Val => V.at(path(root.v(v), "name"));

export function lowerPodSecurity(ps: PodSecuritySpec, opts: LowerPodSecurityOptions = {}): LoweredPodSecurity {
  const semantics = opts.semantics ?? "kyverno";
  const psaMax = minorOf(opts.psaVersion ?? (semantics === "kyverno" ? KYVERNO_PSA_VERSION : UPSTREAM_PSA_VERSION), "psaVersion");
  const level = ps.level;
  if (level !== "privileged" && level !== "baseline" && level !== "restricted")
    throw new PodSecurityInputError(`podSecurity.level ${JSON.stringify(level)}: must be privileged, baseline or restricted`);
  const requested = parseVersion(ps.version);
  const excludes = ps.exclude ?? [];
  if (excludes.length && semantics === "psa") throw new PodSecurityInputError("podSecurity.exclude is a Kyverno feature: use semantics \"kyverno\"");
  if (!opts.skipValidation) validateExcludes(level, excludes);

  const r = opts.roots ?? POD_PSS_ROOTS;
  const S = r.spec;
  const M = r.meta;
  const psc = field(S, "securityContext");
  const sc = field(cRoot(), "securityContext");
  const prov: Provenance = opts.provenance ?? { file: "<podSecurity>", line: 0, field: "validate.podSecurity" };
  const prefix = opts.ruleName ?? "podSecurity";
  const versionText = ps.version || "latest";
  const gaps: Gap[] = [];
  const gap = (id: string, rule: string, reason: string, effect: Gap["effect"]): void => {
    if (!gaps.some((g) => g.id === `kyverno.podSecurity.${id}` && g.rule === rule)) gaps.push({ id: `kyverno.podSecurity.${id}`, rule, reason, effect, provenance: prov });
  };

  // excludes by check id
  const byCheck = new Map<PssCheckId, CheckExcl>();
  excludes.forEach((x, index) => {
    for (const id of PSS_CONTROLS[x.controlName] ?? []) {
      const ce = byCheck.get(id) ?? { pod: [], ctr: [] };
      const e: Excl = { index, ...(x.images?.length ? { images: x.images } : {}), ...(x.restrictedField ? { rf: x.restrictedField } : {}), ...(x.values?.length ? { values: x.values } : {}) };
      (x.images?.length ? ce.ctr : ce.pod).push(e);
      byCheck.set(id, ce);
    }
  });
  const touched = new Set(byCheck.keys());
  const selected = selectChecks(level, requested, semantics, psaMax, touched);
  if (semantics === "kyverno" && psaMax > Number(KYVERNO_PSA_VERSION.split(".")[1]) && excludes.length)
    gap("psa-version", prefix, `exclusions are modelled on the field errors of Kyverno's pod-security-admission fork (1.${KYVERNO_PSA_VERSION.split(".")[1]}); with psaVersion 1.${psaMax} the newer variants' errors are assumed to have the same shape`, "unverified");

  const rules: Rule[] = [];
  for (const s of selected) {
    const id = s.def.id;
    const ex = byCheck.get(id) ?? { pod: [], ctr: [] };
    const ruleId = `${prefix}.${id}`;

    // --- exclusion helpers for this check ---------------------------------------------------------------------
    /** A pod-level error at field `f` is removed by some entry without images. */
    const podRemoved = (f: string, bv: BadValues): Pred => or(...ex.pod.filter((e) => rfOk(e, f)).map((e) => valuesOk(e.values, bv)));
    /** The error of container `c` (list `l`) at `spec.<l>[*].<rel>` is removed by some entry with images. */
    const ctrRemoved = (l: ContainerList, rel: string, bv: BadValues): Pred =>
      or(...ex.ctr.filter((e) => rfOk(e, `spec.${l}[*].${rel}`)).map((e) => and(globAny(e.images!, V.or(V.at(field(cRoot(), "image")), "")), valuesOk(e.values, bv))));
    /**
     * Several errors share one field (volumes, sysctls, annotations, a container's host ports): Kyverno removes one
     * error per matching exclusion error, whichever it is, so two entries with value filters can together remove an
     * error neither matches. Modelled as "some entry matches it": stricter.
     */
    const pooled = (entries: Excl[], f: string | undefined, what: string): void => {
      // entries that apply to one pool: those selecting its field; for annotations (f undefined) the pools are the
      // annotation keys, an entry without restrictedField applies to all of them. Only value-filtered entries can
      // remove different errors than "some entry matches each error" would: two of them on one pool make the gap.
      const valued = entries.filter((e) => e.values && (f === undefined ? !e.rf || e.rf.startsWith("metadata.annotations[") : rfOk(e, f)));
      const wild = valued.filter((e) => !e.rf).length;
      const perField = new Map<string, number>();
      for (const e of valued) if (e.rf) perField.set(e.rf, (perField.get(e.rf) ?? 0) + 1);
      if (wild + Math.max(0, ...perField.values()) >= 2)
        gap("exclude.pooled", ruleId, `${what}: several exclude entries with values apply to errors that share one field; Kyverno removes one error per matching entry error whichever it is (count-based), the VAP requires each error to match some entry`, "stricter");
    };
    /** Every container of every list satisfies `body(list)`; the message names the container. */
    const eachContainer = (body: (l: ContainerList) => Pred): Pred =>
      and(...CONTAINER_LISTS.map((l) => {
        const b = body(l);
        return isTrue(b) ? P.t : P.all(field(S, l), C, b, nameOf(C));
      }));
    /** A container-level condition with its exclusion: holds, or its error is removed. */
    const cOk = (l: ContainerList, ok: Pred, rel: string, bv: BadValues): Pred => or(ok, ctrRemoved(l, rel, bv));
    const windowsExempt = (p: Pred): Pred => exempt(p, P.cmp(field(S, "os.name"), "==", "windows", false));
    const userNsExempt = (p: Pred): Pred => exempt(p, P.cmp(field(S, "hostUsers"), "==", false, false));

    let check: Pred;
    let fieldName: string;
    let text: string;
    switch (id) {
      case "hostNamespaces": {
        fieldName = "spec.hostNetwork";
        text = "host namespaces (hostNetwork, hostPID, hostIPC) must not be true";
        check = and(...(["hostNetwork", "hostPID", "hostIPC"] as const).map((h) => or(P.cmp(field(S, h), "!=", true, true), podRemoved(`spec.${h}`, { k: "const", values: ["true"] }))));
        break;
      }
      case "privileged": {
        fieldName = "securityContext.privileged";
        text = "containers must not set securityContext.privileged=true";
        check = eachContainer((l) => cOk(l, P.cmp(field(sc, "privileged"), "!=", true, true), "securityContext.privileged", { k: "const", values: ["true"] }));
        break;
      }
      case "capabilities_baseline": {
        fieldName = "securityContext.capabilities.add";
        text = `containers may add only ${CAPABILITIES_BASELINE.join(", ")} to securityContext.capabilities.add`;
        const add = field(sc, "capabilities.add");
        const bad = P.not(P.in(path(root.v("x")), CAPABILITIES_BASELINE, false));
        check = eachContainer((l) => cOk(l, P.all(add, "a", P.in(path(root.v("a")), CAPABILITIES_BASELINE, false)), "securityContext.capabilities.add", { k: "each", list: add, v: "x", bad }));
        break;
      }
      case "capabilities_restricted": {
        fieldName = "securityContext.capabilities";
        text = 'containers must set securityContext.capabilities.drop=["ALL"] and may add only NET_BIND_SERVICE';
        const drop = field(sc, "capabilities.drop");
        const add = field(sc, "capabilities.add");
        const dropOk = (l: ContainerList): Pred => cOk(l, P.has(drop, "ALL", false), "securityContext.capabilities.drop", { k: "each", list: drop, v: "x", bad: P.t });
        const addOk = (l: ContainerList): Pred =>
          cOk(l, P.all(add, "a", P.cmp(path(root.v("a")), "==", "NET_BIND_SERVICE", false)), "securityContext.capabilities.add",
            { k: "each", list: add, v: "x", bad: P.cmp(path(root.v("x")), "!=", "NET_BIND_SERVICE", false) });
        // an entry without images (rejected by Kyverno's policy validation) removes one drop error through `fake`
        const m = fakeRemovals(ex, "securityContext.capabilities.drop", (what) => gap("exclude.order", ruleId, what, "stricter"));
        check = m === 0 ? eachContainer((l) => and(dropOk(l), addOk(l))) : and(eachContainer(addOk), eachContainer((l) => (l === "containers" ? P.t : dropOk(l))), atMostFailing(S, dropOk("containers"), m));
        if (s.min >= 25) check = windowsExempt(check);
        break;
      }
      case "hostPathVolumes": {
        fieldName = "spec.volumes";
        text = "hostPath volumes are forbidden";
        const v = path(root.v("v"));
        pooled(ex.pod, "spec.volumes[*].hostPath", "hostPath volumes");
        check = P.all(field(S, "volumes"), "v", or(P.absent(field(v, "hostPath")), podRemoved("spec.volumes[*].hostPath", { k: "one", value: V.or(V.at(field(v, "hostPath.path")), "") })), nameOf("v"));
        break;
      }
      case "hostPorts": {
        fieldName = "ports.hostPort";
        text = "containers must not use hostPort";
        for (const l of CONTAINER_LISTS) pooled(ex.ctr, `spec.${l}[*].ports[*].hostPort`, "host ports of one container");
        const port = path(root.v("p"), "hostPort");
        check = eachContainer((l) =>
          P.all(field(cRoot(), "ports"), "p", or(P.cmp(port, "==", 0, true), ctrRemoved(l, "ports[*].hostPort", { k: "one", value: V.call("string", V.at(port)) }))));
        break;
      }
      case "appArmorProfile": {
        fieldName = "securityContext.appArmorProfile.type";
        text = "AppArmor profile must not be Unconfined (type RuntimeDefault or Localhost; annotation runtime/default or localhost/*)";
        const allowed = ["Localhost", "RuntimeDefault"];
        const podProfile = field(psc, "appArmorProfile");
        const pod = or(P.absent(podProfile), P.in(field(podProfile, "type"), allowed, false),
          podRemoved("spec.securityContext.appArmorProfile.type", { k: "one", value: V.at(field(podProfile, "type")) }));
        const cProfile = field(sc, "appArmorProfile");
        const ctrs = eachContainer((l) => cOk(l, or(P.absent(cProfile), P.in(field(cProfile, "type"), allowed, false)), "securityContext.appArmorProfile.type", { k: "one", value: V.at(field(cProfile, "type")) }));
        // annotations container.apparmor.security.beta.kubernetes.io/<name>: '', runtime/default or localhost/*
        const k = path(root.v("k"));
        const val = path(root.v("val"));
        const annOk = or(
          P.not(P.match(k, { k: "prefix", prefix: "container.apparmor.security.beta.kubernetes.io/" }, false)),
          P.cmp(val, "==", "", false), P.cmp(val, "==", "runtime/default", false), P.match(val, { k: "prefix", prefix: "localhost/" }, false),
          or(...ex.pod.map((e) => and(rfOkAnnotation(e, V.at(k)), valuesOk(e.values, { k: "one", value: V.at(val) })))),
        );
        pooled(ex.pod, undefined, "AppArmor annotations");
        const anns: Pred = { k: "quant", q: "all", over: V.at(field(M, "annotations")), v: "k", index: "val", entries: true, body: annOk, ifAbsent: true };
        check = and(pod, ctrs, anns);
        break;
      }
      case "seLinuxOptions": {
        fieldName = "securityContext.seLinuxOptions";
        text = `seLinuxOptions must not set user or role, and type must be one of ${SELINUX_TYPES(s.min).filter(Boolean).join(", ")} or unset`;
        const types = SELINUX_TYPES(s.min);
        const parts = (o: Path, removed: (f: "type" | "user" | "role", bv: BadValues) => Pred): Pred =>
          and(
            or(P.in(field(o, "type"), types, true), removed("type", { k: "one", value: V.at(field(o, "type")) })),
            or(P.cmp(field(o, "user"), "==", "", true), removed("user", { k: "one", value: V.at(field(o, "user")) })),
            or(P.cmp(field(o, "role"), "==", "", true), removed("role", { k: "one", value: V.at(field(o, "role")) })),
          );
        const pod = parts(field(psc, "seLinuxOptions"), (f, bv) => podRemoved(`spec.securityContext.seLinuxOptions.${f}`, bv));
        const ctrs = eachContainer((l) => parts(field(sc, "seLinuxOptions"), (f, bv) => ctrRemoved(l, `securityContext.seLinuxOptions.${f}`, bv)));
        check = and(pod, ctrs);
        break;
      }
      case "procMount":
      case "procMount_restricted": {
        fieldName = "securityContext.procMount";
        text = "containers must not set securityContext.procMount other than Default";
        const pm = field(sc, "procMount");
        // procMount_restricted is not in Kyverno's control map: never excluded
        check = eachContainer((l) => (id === "procMount" ? cOk(l, P.cmp(pm, "==", "Default", true), "securityContext.procMount", { k: "one", value: V.at(pm) }) : P.cmp(pm, "==", "Default", true)));
        if (id === "procMount" && s.min >= 35) {
          text += " (unless the pod uses a user namespace, hostUsers: false)";
          check = userNsExempt(check);
        }
        break;
      }
      case "seccompProfile_baseline": {
        if (s.min < 19) {
          // 1.0: the alpha annotations
          fieldName = "metadata.annotations[seccomp]";
          text = "seccomp annotations must be runtime/default, docker/default or localhost/*";
          const anns = field(M, "annotations");
          const valid = (v: Val): Pred => or(P.cmp(v, "==", "runtime/default", false), P.cmp(v, "==", "docker/default", false), P.match(v, { k: "prefix", prefix: "localhost/" }, false));
          const podKey = "seccomp.security.alpha.kubernetes.io/pod";
          const podAnn = field(anns, `[${podKey}]`);
          const pod = or(P.absent(podAnn), valid(V.at(podAnn)), podRemoved(`metadata.annotations[${podKey}]`, { k: "one", value: V.at(podAnn) }));
          const cPrefix = "container.seccomp.security.alpha.kubernetes.io/";
          const cAnn: Path = { root: anns.root, segs: [...anns.segs, { k: "index", at: V.str(cPrefix, V.or(nameOf(C), "")) }] };
          // the `fake` container of a pod-level entry reads the annotation of a container named `fake`
          const fakeRemoved = or(...ex.pod.filter((e) => rfOk(e, `metadata.annotations[${cPrefix}fake]`)).map((e) => valuesOk(e.values, { k: "one", value: V.at(cAnn) })));
          const ctrs = eachContainer(() => or(P.absent(cAnn), valid(V.at(cAnn)), and(P.cmp(nameOf(C), "==", "fake", false), fakeRemoved)));
          check = and(pod, ctrs);
        } else {
          fieldName = "securityContext.seccompProfile.type";
          text = "seccompProfile.type must not be Unconfined (RuntimeDefault or Localhost)";
          const valid = ["Localhost", "RuntimeDefault"];
          const podSp = field(psc, "seccompProfile");
          const pod = or(P.absent(podSp), P.in(field(podSp, "type"), valid, false), podRemoved("spec.securityContext.seccompProfile.type", { k: "one", value: V.at(field(podSp, "type")) }));
          const cSp = field(sc, "seccompProfile");
          const ctrs = eachContainer((l) => cOk(l, or(P.absent(cSp), P.in(field(cSp, "type"), valid, false)), "securityContext.seccompProfile.type", { k: "one", value: V.at(field(cSp, "type")) }));
          check = and(pod, ctrs);
        }
        break;
      }
      case "seccompProfile_restricted": {
        fieldName = "securityContext.seccompProfile.type";
        text = "pod or containers must set securityContext.seccompProfile.type to RuntimeDefault or Localhost";
        check = seccompRestricted(S, ex, ctrRemoved, podRemoved, eachContainer, (what) => gap("exclude.order", ruleId, what, "stricter"));
        if (s.min >= 25) check = windowsExempt(check);
        break;
      }
      case "sysctls": {
        fieldName = "spec.securityContext.sysctls";
        const allowed = SYSCTLS.filter(([m]) => m <= s.min).flatMap(([, xs]) => xs).sort();
        text = `sysctls must be one of ${allowed.join(", ")}`;
        const n = path(root.v("x"), "name");
        pooled(ex.pod, "spec.securityContext.sysctls[*].name", "sysctls");
        check = P.all(field(psc, "sysctls"), "x", or(P.in(n, allowed, false), podRemoved("spec.securityContext.sysctls[*].name", { k: "one", value: V.at(n) })), nameOf("x"));
        break;
      }
      case "restrictedVolumes": {
        fieldName = "spec.volumes";
        text = `volumes must be of type ${ALLOWED_VOLUME_SOURCES.join(", ")}`;
        const v = path(root.v("v"));
        const allowedSource: Pred = { k: "quant", q: "any", over: V.at(v), v: "k", body: P.in(path(root.v("k")), ALLOWED_VOLUME_SOURCES, false), ifAbsent: false, entries: true };
        // the error field is spec.volumes[i].<type> (no bad value): an entry removes the volumes of its type
        const typeIs = (rf: string): Pred => {
          const m = /^spec\.volumes\[\*\]\.(.+)$/.exec(rf);
          if (!m) return P.f;
          if (m[1] === "unknown") return and(...RESTRICTED_VOLUME_TYPES.map((t) => P.absent(field(v, t))));
          return RESTRICTED_VOLUME_TYPES.includes(m[1]!) ? P.present(field(v, m[1]!)) : P.f;
        };
        const removed = or(...ex.pod.map((e) => (e.rf ? typeIs(e.rf) : P.t)));
        check = P.all(field(S, "volumes"), "v", or(allowedSource, removed), nameOf("v"));
        break;
      }
      case "allowPrivilegeEscalation": {
        fieldName = "securityContext.allowPrivilegeEscalation";
        text = "containers must set securityContext.allowPrivilegeEscalation=false";
        const ape = field(sc, "allowPrivilegeEscalation");
        // bad value: none (no securityContext), "nil" (unset) or "true"
        const bv: BadValues = { k: "one", value: V.cond(P.absent(sc), V.lit(""), V.cond(P.absent(ape), V.lit("nil"), V.lit("true"))) };
        const ok = (l: ContainerList): Pred => cOk(l, P.cmp(ape, "==", false, false), "securityContext.allowPrivilegeEscalation", bv);
        // an entry without images (rejected by Kyverno's policy validation) removes one error through `fake`
        const m = fakeRemovals(ex, "securityContext.allowPrivilegeEscalation", (what) => gap("exclude.order", ruleId, what, "stricter"));
        check = m === 0 ? eachContainer(ok) : and(eachContainer((l) => (l === "containers" ? P.t : ok(l))), atMostFailing(S, ok("containers"), m));
        if (s.min >= 25) check = windowsExempt(check);
        break;
      }
      case "runAsNonRoot": {
        fieldName = "securityContext.runAsNonRoot";
        text = "pod or containers must set securityContext.runAsNonRoot=true (and none may set it to false)";
        check = runAsNonRoot(S, ex, ctrRemoved, podRemoved, eachContainer, (what) => gap("exclude.order", ruleId, what, "stricter"));
        if (s.min >= 35) check = userNsExempt(check);
        break;
      }
      case "runAsUser": {
        fieldName = "securityContext.runAsUser";
        text = "pod and containers must not set runAsUser=0";
        const pod = or(P.cmp(field(psc, "runAsUser"), "!=", 0, true), podRemoved("spec.securityContext.runAsUser", { k: "const", values: ["0"] }));
        const ctrs = eachContainer((l) => cOk(l, P.cmp(field(sc, "runAsUser"), "!=", 0, true), "securityContext.runAsUser", { k: "const", values: ["0"] }));
        check = and(pod, ctrs);
        if (s.min >= 35) check = userNsExempt(check);
        break;
      }
      case "windowsHostProcess": {
        fieldName = "securityContext.windowsOptions.hostProcess";
        text = "pod and containers must not set securityContext.windowsOptions.hostProcess=true";
        const pod = or(P.cmp(field(psc, "windowsOptions.hostProcess"), "!=", true, true), podRemoved("spec.securityContext.windowsOptions.hostProcess", { k: "const", values: ["true"] }));
        const ctrs = eachContainer((l) => cOk(l, P.cmp(field(sc, "windowsOptions.hostProcess"), "!=", true, true), "securityContext.windowsOptions.hostProcess", { k: "const", values: ["true"] }));
        check = and(pod, ctrs);
        break;
      }
      case "hostProbesAndHostLifecycle": {
        fieldName = "livenessProbe.httpGet.host";
        text = "probes and lifecycle handlers must not set host";
        const noHost = (h: Path): Pred => and(P.cmp(field(h, "httpGet.host"), "==", "", true), P.cmp(field(h, "tcpSocket.host"), "==", "", true));
        const c = cRoot();
        // no field errors in Kyverno's fork and no control name: never excluded
        check = eachContainer(() => and(...["livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"].map((h) => noHost(field(c, h)))));
        break;
      }
    }
    rules.push({
      id: ruleId,
      field: fieldName,
      check,
      message: { text: `PodSecurity ${level}:${versionText} ${id}: ${text}` },
      provenance: prov,
      gaps: gaps.filter((g) => g.rule === ruleId),
    });
  }
  return { rules, gaps, checks: selected.map((s) => ({ id: s.def.id, variant: `1.${s.min}` })) };
}

/**
 * `p || w` for a `w` that reads no element variable, pushed into conjunctions and `all` quantifiers (`(∀c. b) || w` =
 * `∀c. (b || w)`) and placed last, so that messages still name the failing containers rather than `w`'s field.
 */
function exempt(p: Pred, w: Pred): Pred {
  if (p.k === "and") return and(...p.of.map((x) => exempt(x, w)));
  if (p.k === "quant" && p.q === "all" && !p.entries) return { ...p, body: exempt(p.body, w) };
  return or(p, w);
}

type CtrRemoved = (l: ContainerList, rel: string, bv: BadValues) => Pred;
type PodRemoved = (f: string, bv: BadValues) => Pred;
type EachContainer = (body: (l: ContainerList) => Pred) => Pred;

/** At most `m` containers of `spec.containers` fail `ok` (`m` = 0: all pass). */
function atMostFailing(S: Path, ok: Pred, m: number): Pred {
  if (m === 0) return P.all(field(S, "containers"), C, ok, nameOf(C));
  const failing: Val = { k: "filter", list: V.or(V.at(field(S, "containers")), []), v: C, pred: P.not(ok) };
  return P.cmp(V.call("size", failing), "<=", m, false);
}

/**
 * How many `spec.containers[*].<rel>` errors the pod-level entries remove through their `fake` container (one each),
 * when that can be reproduced: Kyverno applies entries in order, and a pod-level entry applied before an `images`
 * entry may remove an error the latter would have removed anyway. Then none is counted (stricter) — unless some
 * `images: ['*']` entry without value filter removes every such error regardless.
 */
function fakeRemovals(ex: CheckExcl, rel: string, onGap: (what: string) => void): number {
  const f = `spec.containers[*].${rel}`;
  const fakes = ex.pod.filter((e) => rfOk(e, f));
  if (!fakes.length) return 0;
  const ctr = ex.ctr.filter((e) => rfOk(e, f));
  if (!ctr.length) return fakes.length;
  if (ctr.some((e) => e.images!.includes("*") && (!e.values || e.values.includes("*")))) return 0; // all removed anyway
  const lastCtr = Math.max(...ctr.map((e) => e.index));
  if (fakes.some((e) => e.index < lastCtr)) {
    onGap(`a pod-level exclude entry (without images) precedes an images entry of the same control: the error its bare 'fake' container removes from spec.containers cannot be told apart; not counted`);
    return 0;
  }
  return fakes.length;
}

/** check_seccompProfile_restricted.go, with Kyverno's exclusions (explicit errors, else implicit ones). */
function seccompRestricted(S: Path, ex: CheckExcl, ctrRemoved: CtrRemoved, podRemoved: PodRemoved, eachContainer: EachContainer, onGap: (what: string) => void): Pred {
  const valid = ["Localhost", "RuntimeDefault"];
  const psp = field(S, "securityContext.seccompProfile");
  const podValid = P.in(field(psp, "type"), valid, false);
  const podInvalid = and(P.present(psp), P.not(podValid));
  const csp = field(cRoot(), "securityContext.seccompProfile");
  const cValid = P.in(field(csp, "type"), valid, false);
  const cInvalid = and(P.present(csp), P.not(cValid));
  const rel = "securityContext.seccompProfile.type";
  if (!ex.pod.length && !ex.ctr.length) {
    // no explicit bad value; a container without a profile needs a valid pod profile
    return and(or(P.absent(psp), podValid), eachContainer(() => or(cValid, and(P.absent(csp), podValid))));
  }
  const explicitAny = or(podInvalid, ...CONTAINER_LISTS.map((l) => P.any(field(S, l), C, cInvalid)));
  const m = fakeRemovals(ex, rel, onGap);
  const typeOf = { k: "one", value: V.at(field(csp, "type")) } as const;
  // explicit: the pod's bad profile and every container's bad profile must be removed
  const explicitOk = (l: ContainerList): Pred => or(P.not(cInvalid), ctrRemoved(l, rel, typeOf));
  // implicit (no explicit error, pod profile not valid): every container without a profile must be removed
  const implicitOk = (l: ContainerList): Pred => or(P.present(csp), ctrRemoved(l, rel, { k: "none" }));
  const lists = (ok: (l: ContainerList) => Pred, mm: number): Pred =>
    and(...CONTAINER_LISTS.map((l) => (l === "containers" ? atMostFailing(S, ok(l), mm) : P.all(field(S, l), C, ok(l), nameOf(C)))));
  // the `fake` container only fails (and so only removes) when the pod sets no profile
  const mWhenPodUnset = (mm: number, p: (k: number) => Pred): Pred => (mm === 0 ? p(0) : or(and(P.absent(psp), p(mm)), and(P.present(psp), p(0))));
  const explicit = and(or(P.not(podInvalid), podRemoved("spec.securityContext.seccompProfile.type", { k: "one", value: V.at(field(psp, "type")) })), mWhenPodUnset(m, (k) => lists(explicitOk, k)));
  const implicit = or(podValid, mWhenPodUnset(m, (k) => lists(implicitOk, k)));
  return or(and(explicitAny, explicit), and(P.not(explicitAny), implicit));
}

/** check_runAsNonRoot.go, with Kyverno's exclusions (explicit and implicit errors share the field). */
function runAsNonRoot(S: Path, ex: CheckExcl, ctrRemoved: CtrRemoved, podRemoved: PodRemoved, eachContainer: EachContainer, onGap: (what: string) => void): Pred {
  const podRnr = field(S, "securityContext.runAsNonRoot");
  const cRnr = field(cRoot(), "securityContext.runAsNonRoot");
  const podOk = P.cmp(podRnr, "!=", false, true);
  const effective = P.cmp(V.or(V.at(cRnr), V.at(podRnr)), "==", true, false);
  if (!ex.pod.length && !ex.ctr.length) return and(podOk, eachContainer(() => effective));
  const rel = "securityContext.runAsNonRoot";
  const podTrue = P.cmp(podRnr, "==", true, false);
  const ok = (l: ContainerList): Pred =>
    or(effective, and(P.cmp(cRnr, "==", false, false), ctrRemoved(l, rel, { k: "const", values: ["false"] })), and(P.absent(cRnr), ctrRemoved(l, rel, { k: "none" })));
  const m = fakeRemovals(ex, rel, onGap);
  const lists = (mm: number): Pred => and(...CONTAINER_LISTS.map((l) => (l === "containers" ? atMostFailing(S, ok(l), mm) : P.all(field(S, l), C, ok(l), nameOf(C)))));
  // the `fake` container fails (and so removes one error) unless the pod sets runAsNonRoot=true
  const ctrs = m === 0 ? eachContainer(ok) : or(and(podTrue, lists(0)), and(P.not(podTrue), lists(m)));
  return and(or(podOk, podRemoved("spec.securityContext.runAsNonRoot", { k: "const", values: ["false"] })), ctrs);
}

/** Kyverno's policy validation of `exclude` (api/kyverno/v1: PodSecurityStandard.Validate, ValidatePSaControlNames). */
function validateExcludes(level: PssLevel, excludes: PssExclude[]): void {
  const errs: string[] = [];
  excludes.forEach((x, i) => {
    const at = `podSecurity.exclude[${i}]`;
    if (!(x.controlName in PSS_CONTROLS)) errs.push(`${at}.controlName: unknown control ${JSON.stringify(x.controlName)}`);
    if (CONTAINER_LEVEL_CONTROLS.includes(x.controlName) && !x.images?.length) errs.push(`${at}.controlName: exclude.images must be specified for the container level control`);
    if (POD_LEVEL_CONTROLS.includes(x.controlName) && x.images?.length) errs.push(`${at}.controlName: exclude.images must not be specified for the pod level control`);
    if (x.restrictedField && !x.values?.length) errs.push(`${at}.values: values is required`);
    if (!x.restrictedField && x.values?.length) errs.push(`${at}.restrictedField: restrictedField is required`);
    if (level === "baseline" && RESTRICTED_CONTROLS.includes(x.controlName) && x.controlName !== "Seccomp" && x.controlName !== "Capabilities")
      errs.push(`${at}.controlName: Invalid control name defined at the given level`);
  });
  if (errs.length) throw new PodSecurityInputError(errs.join("; "));
}

// ---------------------------------------------------------------------------------------------------------------
// A whole VAP (Pods) for testing

export const POD_MATCH: Match = { kinds: [{ group: "", version: "v1", kind: "Pod" }], operations: ["CREATE", "UPDATE"] };

/** The VAP parts of a podSecurity rule applied to Pods (CREATE, UPDATE), with the gaps of its lowering. */
export function podSecurityVapParts(ps: PodSecuritySpec, opts: LowerPodSecurityOptions & { targetVersion?: string } = {}): VapParts & { gaps: Gap[]; rules: Rule[] } {
  const lowered = lowerPodSecurity(ps, opts);
  const parts = emitRules(lowered.rules, POD_MATCH, { targetVersion: opts.targetVersion ?? "1.36" });
  return { ...parts, gaps: lowered.gaps, rules: lowered.rules };
}
