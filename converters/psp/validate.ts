// The API server's validation of a PodSecurityPolicy (pkg/apis/policy/validation ValidatePodSecurityPolicy,
// Kubernetes 1.24), run on the defaulted object: metadata name, seccomp/AppArmor annotations, strategy enums and
// ranges, volumes, capabilities overlaps, defaultAllowPrivilegeEscalation, allowedHostPaths, flex/CSI drivers,
// procMount types, sysctl patterns and overlaps, runtimeClass names; plus host port ranges (0..65535, min ≤ max —
// checked by us, see `ours`). Error texts and paths follow the Go code (including its path quirks).
import type { PodSecurityPolicy } from "./model.js";
import { PSP_ANNOTATIONS } from "./model.js";
import {
  duplicate,
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
  type PathSeg,
} from "./engine/fielderr.js";
import { ALL_FS_TYPES } from "./engine/providers/volumes.js";

export interface PspFieldError extends FieldError {
  /** Where in the document the offending value sits (for line lookup); may differ from `field` (Go quirks). */
  at: PathSeg[];
  /** True for checks the API server did not make (we reject anyway). */
  ours?: boolean;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** apimachinery NameIsDNSSubdomain messages. */
export function dnsSubdomainErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 253) out.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(name)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return out;
}

const SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_PATTERN_SEGMENT = "([a-z0-9][-_a-z0-9]*)?[a-z0-9*]";
export const SYSCTL_PATTERN_FMT = `(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_PATTERN_SEGMENT}`;
const SYSCTL_PATTERN = new RegExp(`^${SYSCTL_PATTERN_FMT}$`);
const SYSCTL_MAX = 253;

export function isValidSysctlPattern(name: string): boolean {
  return name.length <= SYSCTL_MAX && SYSCTL_PATTERN.test(name);
}

/** apivalidation.ValidateSeccompProfile for annotation values. */
function seccompProfileErrors(p: string, at: PathSeg[], field: PathSeg[]): PspFieldError[] {
  if (p === "runtime/default" || p === "docker/default" || p === "unconfined") return [];
  if (p.startsWith("localhost/")) {
    const rest = p.slice("localhost/".length);
    const errs: PspFieldError[] = [];
    if (rest.startsWith("/")) errs.push({ ...invalid(field, rest, "must be a relative path"), at });
    if (rest.split("/").includes("..")) errs.push({ ...invalid(field, rest, "must not contain '..'"), at });
    return errs;
  }
  return [{ ...invalid(field, p, "must be a valid seccomp profile"), at }];
}

/** apparmor.ValidateProfileFormat. */
function apparmorProfileError(p: string): string | undefined {
  if (p === "" || p === "runtime/default" || p === "unconfined") return undefined;
  if (!p.startsWith("localhost/")) return `invalid AppArmor profile name: ${JSON.stringify(p)}`;
  return undefined;
}

function validateIDRanges(path: PathSeg[], ranges: readonly { min: number; max: number }[] | undefined): PspFieldError[] {
  const errs: PspFieldError[] = [];
  (ranges ?? []).forEach((r, i) => {
    const p: PathSeg[] = [...path, "ranges", i];
    if (r.min < 0) errs.push({ ...invalid([...p, "min"], r.min, "min cannot be negative"), at: [...p, "min"] });
    if (r.max < 0) errs.push({ ...invalid([...p, "max"], r.max, "max cannot be negative"), at: [...p, "max"] });
    if (r.min > r.max) errs.push({ ...invalid([...p, "min"], r.min, "min cannot be greater than max"), at: [...p, "min"] });
  });
  return errs;
}

function ruleCheck(path: PathSeg[], rule: string | undefined, supported: string[]): PspFieldError[] {
  if (rule !== undefined && supported.includes(rule)) return [];
  return [{ ...notSupported([...path, "rule"], rule ?? "", supported), at: [...path, "rule"] }];
}

export function validatePodSecurityPolicy(psp: PodSecurityPolicy): PspFieldError[] {
  const errs: PspFieldError[] = [];
  const push = (e: FieldError, at: PathSeg[], ours = false) => errs.push(ours ? { ...e, at, ours } : { ...e, at });

  // metadata
  const name = psp.metadata.name ?? "";
  if (name === "") push(required(["metadata", "name"], "name or generateName is required"), ["metadata"]);
  else for (const m of dnsSubdomainErrors(name)) push(invalid(["metadata", "name"], name, m), ["metadata", "name"]);

  // ValidatePodSecurityPolicySpecificAnnotations
  const ann = psp.metadata.annotations ?? {};
  const annPath = (k: string): PathSeg[] => ["metadata", "annotations", { key: k }];
  const aaDefault = ann[PSP_ANNOTATIONS.apparmorDefault];
  if (aaDefault) {
    const e = apparmorProfileError(aaDefault);
    if (e) push(invalid(annPath(PSP_ANNOTATIONS.apparmorDefault), aaDefault, e), annPath(PSP_ANNOTATIONS.apparmorDefault));
  }
  const aaAllowed = ann[PSP_ANNOTATIONS.apparmorAllowed];
  if (aaAllowed) {
    for (const p of aaAllowed.split(",")) {
      const e = apparmorProfileError(p);
      if (e) push(invalid(annPath(PSP_ANNOTATIONS.apparmorAllowed), aaAllowed, e), annPath(PSP_ANNOTATIONS.apparmorAllowed));
    }
  }
  const scDefault = ann[PSP_ANNOTATIONS.seccompDefault];
  if (scDefault) errs.push(...seccompProfileErrors(scDefault, annPath(PSP_ANNOTATIONS.seccompDefault), annPath(PSP_ANNOTATIONS.seccompDefault)));
  const scAllowed = ann[PSP_ANNOTATIONS.seccompAllowed];
  if (scAllowed) {
    for (const p of scAllowed.split(",")) {
      if (p === "*") continue;
      errs.push(...seccompProfileErrors(p, annPath(PSP_ANNOTATIONS.seccompAllowed), annPath(PSP_ANNOTATIONS.seccompAllowed)));
    }
  }

  const s = psp.spec;
  const sp: PathSeg[] = ["spec"];
  errs.push(...ruleCheck([...sp, "runAsUser"], s.runAsUser?.rule, ["MustRunAs", "MustRunAsNonRoot", "RunAsAny"]));
  errs.push(...validateIDRanges([...sp, "runAsUser"], s.runAsUser?.ranges));
  if (s.runAsGroup) {
    const p: PathSeg[] = [...sp, "runAsGroup"];
    const rule = s.runAsGroup.rule as string;
    if (rule === "RunAsAny") {
      if ((s.runAsGroup.ranges ?? []).length) push(invalid([...p, "ranges"], s.runAsGroup.ranges, "Ranges must be empty"), [...p, "ranges"]);
    } else if (rule === "MustRunAs" || rule === "MayRunAs") {
      if (!(s.runAsGroup.ranges ?? []).length) push(invalid([...p, "ranges"], [], "must provide at least one range"), [...p]);
      errs.push(...validateIDRanges(p, s.runAsGroup.ranges));
    } else {
      push(notSupported([...p, "rule"], rule, ["MustRunAs", "RunAsAny", "MayRunAs"]), [...p, "rule"]);
    }
  }
  errs.push(...ruleCheck([...sp, "seLinux"], s.seLinux?.rule, ["MustRunAs", "RunAsAny"]));
  errs.push(...ruleCheck([...sp, "supplementalGroups"], s.supplementalGroups?.rule, ["MayRunAs", "MustRunAs", "RunAsAny"]));
  errs.push(...validateIDRanges([...sp, "supplementalGroups"], s.supplementalGroups?.ranges));
  errs.push(...ruleCheck([...sp, "fsGroup"], s.fsGroup?.rule, ["MayRunAs", "MustRunAs", "RunAsAny"]));
  errs.push(...validateIDRanges([...sp, "fsGroup"], s.fsGroup?.ranges));

  // volumes
  const allowedVolumes = [...ALL_FS_TYPES, "*"].sort();
  (s.volumes ?? []).forEach((v, i) => {
    if (!allowedVolumes.includes(v)) push(notSupported([...sp, "volumes"], v, allowedVolumes), [...sp, "volumes", i]);
  });

  // capabilities
  const drops = s.requiredDropCapabilities ?? [];
  if (drops.length > 0 && (s.allowedCapabilities ?? []).includes("*")) {
    push(invalid(["requiredDropCapabilities"], drops, "must be empty when all capabilities are allowed by a wildcard", "[]core.Capability"), [...sp, "requiredDropCapabilities"]);
  }
  for (const f of ["defaultAddCapabilities", "allowedCapabilities"] as const) {
    (s[f] ?? []).forEach((cap, i) => {
      if (drops.includes(cap)) push(invalid([f], cap, `capability is listed in ${f} and requiredDropCapabilities`), [...sp, f, i]);
    });
  }

  if (s.defaultAllowPrivilegeEscalation === true && s.allowPrivilegeEscalation === false) {
    push(
      invalid([...sp, "defaultAllowPrivilegeEscalation"], true, "Cannot set DefaultAllowPrivilegeEscalation to true without also setting AllowPrivilegeEscalation to true"),
      [...sp, "defaultAllowPrivilegeEscalation"],
    );
  }

  (s.allowedProcMountTypes ?? []).forEach((t, i) => {
    if (t !== "Default" && t !== "Unmasked") push(notSupported([...sp, "allowedProcMountTypes", i], t, ["Default", "Unmasked"]), [...sp, "allowedProcMountTypes", i]);
  });

  for (const [i, hp] of (s.allowedHostPaths ?? []).entries()) {
    const p: PathSeg[] = [...sp, "allowedHostPaths", i];
    if (!hp.pathPrefix) {
      push(required(p, "is required"), p);
      break;
    }
    if (hp.pathPrefix.replace(/\\/g, "/").split("/").includes("..")) push(invalid(p, hp.pathPrefix, "must not contain '..'"), [...p, "pathPrefix"]);
  }

  (s.allowedFlexVolumes ?? []).forEach((fv, i) => {
    // Go quirk: the path repeats `allowedFlexVolumes`.
    if (!fv.driver) push(required([...sp, "allowedFlexVolumes", "allowedFlexVolumes", i, "driver"], "must specify a driver"), [...sp, "allowedFlexVolumes", i]);
  });
  (s.allowedCSIDrivers ?? []).forEach((d, i) => {
    if (!d.name) push(required([...sp, "allowedCSIDrivers", i, "name"], "must specify a driver"), [...sp, "allowedCSIDrivers", i]);
  });

  for (const f of ["allowedUnsafeSysctls", "forbiddenSysctls"] as const) {
    const list = s[f] ?? [];
    let coversAll = false;
    list.forEach((x, i) => {
      const p: PathSeg[] = [...sp, f, i];
      if (x.length === 0) push(invalid(p, x, "empty sysctl not allowed"), p);
      else if (!isValidSysctlPattern(x)) push(invalid(p, x, `must have at most ${SYSCTL_MAX} characters and match regex ${SYSCTL_PATTERN_FMT}`), p);
      else if (x[0] === "*") coversAll = true;
    });
    if (coversAll && list.length > 1) push(forbidden([...sp, f, "items"], "if '*' is present, must not specify other sysctls"), [...sp, f]);
  }
  // validatePodSecurityPolicySysctlListsDoNotOverlap
  (s.allowedUnsafeSysctls ?? []).forEach((a, i) => {
    const aPat = a.endsWith("*");
    const aPre = aPat ? a.slice(0, -1) : "";
    (s.forbiddenSysctls ?? []).forEach((f, j) => {
      const fPat = f.endsWith("*");
      const fPre = fPat ? f.slice(0, -1) : "";
      const onA = () => push(invalid([...sp, "allowedUnsafeSysctls", i], a, `sysctl overlaps with ${f}`), [...sp, "allowedUnsafeSysctls", i]);
      const onF = () => push(invalid([...sp, "forbiddenSysctls", j], f, `sysctl overlaps with ${a}`), [...sp, "forbiddenSysctls", j]);
      if (aPat && fPat) {
        if (aPre.startsWith(fPre)) onA();
        else if (fPre.startsWith(aPre)) onF();
      } else if (aPat) {
        if (f.startsWith(aPre)) onF();
      } else if (fPat) {
        if (a.startsWith(fPre)) onA();
      } else if (a === f) onA();
    });
  });

  // runtimeClass
  const rc = s.runtimeClass;
  if (rc) {
    const p: PathSeg[] = [...sp, "runtimeClass"];
    const seen = new Set<string>();
    (rc.allowedRuntimeClassNames ?? []).forEach((n, i) => {
      const at: PathSeg[] = [...p, "allowedRuntimeClassNames", i];
      if (n !== "*") for (const m of dnsSubdomainErrors(n)) push(invalid(at, n, m), at);
      if (seen.has(n)) push(duplicate(at, n), at);
      seen.add(n);
    });
    if (rc.defaultRuntimeClassName !== undefined) {
      const d = rc.defaultRuntimeClassName;
      for (const m of dnsSubdomainErrors(d)) push(invalid([...p, "defaultRuntimeClassName"], d, m), [...p, "defaultRuntimeClassName"]);
      if (!seen.has(d) && !seen.has("*")) push(required([...p, "allowedRuntimeClassNames"], `default ${JSON.stringify(d)} must be allowed`), [...p, "defaultRuntimeClassName"]);
    }
    if (seen.has("*") && (rc.allowedRuntimeClassNames ?? []).length > 1) {
      push(invalid([...p, "allowedRuntimeClassNames"], rc.allowedRuntimeClassNames, "if '*' is present, must not specify other RuntimeClass names"), [...p, "allowedRuntimeClassNames"]);
    }
  }

  // hostPorts: int32 in the API; we also require the TCP/UDP port range and min ≤ max (not an API-server check).
  (s.hostPorts ?? []).forEach((r, i) => {
    const p: PathSeg[] = [...sp, "hostPorts", i];
    for (const k of ["min", "max"] as const) {
      if (r[k] < 0 || r[k] > 65535) push(invalid([...p, k], r[k], "must be between 0 and 65535, inclusive"), [...p, k], true);
    }
    if (r.min > r.max) push(invalid([...p, "min"], r.min, "min cannot be greater than max"), [...p, "min"], true);
  });
  return errs;
}
