// The Pod Security Standards checks of k8s.io/pod-security-admission (policy/check_*.go), re-implemented from their
// documented semantics: each check has an ID, a level and one or more versioned implementations (the first policy
// version each applies to, and for restricted checks the baseline checks it replaces). A failing check reports
// upstream's ForbiddenReason and ForbiddenDetail verbatim, plus the field errors that Kyverno's fork of the package
// (github.com/kyverno/pod-security-admission, option WithFieldErrors) attaches, which Kyverno's `exclude` works on.
//
// Two check sets exist:
// * "upstream": kubernetes/pod-security-admission master (8f84a87, 2026-07; policy versions up to v1.37): user
//   namespace relaxations of runAsNonRoot/runAsUser/procMount from v1.35, procMount_restricted, sysctls v1.37.
// * "kyverno": the fork Kyverno vendors (kyverno/pod-security-admission 46f2077, release-1.34 based; replaces
//   k8s.io/pod-security-admission in kyverno/kyverno go.mod): the same checks as of v1.34 — no v1.35 relaxations (the
//   fork's RelaxPolicyForUserNamespacePods switch is never turned on by Kyverno), no procMount_restricted, sysctls up
//   to v1.32 — and runAsNonRoot reports explicit and implicit violations together.
import { goCompare, goQuote, joinQuote, pluralize, sortedSet } from "./format.js";
import type { Container, PodMeta, PodSpec, SELinuxOptions, VolumeSource } from "./pod.js";

export type CheckLevel = "baseline" | "restricted";
export type CheckProfile = "upstream" | "kyverno";

/** A `field.Error` of the check: Required (BadValue "") or Forbidden (BadValue as the fork sets it, "" if none). */
export interface FieldError {
  type: "Required" | "Forbidden";
  /** Path as field.Path renders it: `spec.containers[0].securityContext.privileged`, `metadata.annotations[key]`. */
  field: string;
  /** Go type of the bad value is kept: string, bool, int, []string. */
  badValue: string | boolean | number | readonly string[];
}

/** A failing check's report. `errors` is undefined when the check reports no field errors (a nil ErrList). */
export interface CheckFailure {
  reason: string;
  detail: string;
  errors?: FieldError[];
}

/** null = the check allows the pod. */
export type CheckPodFn = (meta: PodMeta, spec: PodSpec) => CheckFailure | null;

export interface VersionedCheck {
  /** Minor version of v1.x from which this implementation applies. */
  minimumVersion: number;
  checkPod: CheckPodFn;
  /** Baseline checks this (restricted) check replaces from `minimumVersion` on. */
  overrideCheckIDs?: readonly string[];
}

export interface CheckDefinition {
  id: string;
  level: CheckLevel;
  versions: readonly VersionedCheck[];
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

interface Visited {
  container: Container;
  /** `spec.initContainers[0]`, `spec.containers[1]`, `spec.ephemeralContainers[0]`. */
  path: string;
}

/** Init containers, then containers, then ephemeral containers (visitor.go). */
function containersOf(spec: PodSpec): Visited[] {
  return [
    ...spec.initContainers.map((container, i) => ({ container, path: `spec.initContainers[${i}]` })),
    ...spec.containers.map((container, i) => ({ container, path: `spec.containers[${i}]` })),
    ...spec.ephemeralContainers.map((container, i) => ({ container, path: `spec.ephemeralContainers[${i}]` })),
  ];
}

const required = (field: string): FieldError => ({ type: "Required", field, badValue: "" });
const forbidden = (field: string, badValue: FieldError["badValue"] = ""): FieldError => ({ type: "Forbidden", field, badValue });

/** "container \"a\"" / "containers \"a\", \"b\"" */
const containersPhrase = (names: readonly string[]): string =>
  `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;

const isWindows = (spec: PodSpec): boolean => spec.os?.name === "windows";

/** hostUsers: false (the pod runs in a user namespace). */
const inUserNamespace = (spec: PodSpec): boolean => spec.hostUsers === false;

/** A check implementation that allows Windows pods (os.name=windows) and otherwise runs `fn` (the v1.25 variants). */
const exemptWindows =
  (fn: CheckPodFn): CheckPodFn =>
  (meta, spec) =>
    isWindows(spec) ? null : fn(meta, spec);

/** A check implementation that allows user-namespace pods and otherwise runs `fn` (the upstream v1.35 variants). */
const exemptUserNamespace =
  (fn: CheckPodFn): CheckPodFn =>
  (meta, spec) =>
    inUserNamespace(spec) ? null : fn(meta, spec);

// ---------------------------------------------------------------------------------------------------------------
// the checks, one function per upstream implementation

/** restricted: every container must set allowPrivilegeEscalation=false. */
const allowPrivilegeEscalation_1_8: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const f = `${path}.securityContext.allowPrivilegeEscalation`;
    const sc = c.securityContext;
    if (!sc) errors.push(required(f));
    else if (sc.allowPrivilegeEscalation === undefined) errors.push(forbidden(f, "nil"));
    else if (sc.allowPrivilegeEscalation) errors.push(forbidden(f, true));
    else continue;
    names.push(c.name);
  }
  if (names.length === 0) return null;
  return {
    reason: "allowPrivilegeEscalation != false",
    detail: `${containersPhrase(names)} must set securityContext.allowPrivilegeEscalation=false`,
    errors,
  };
};

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const allowedAppArmorType = (t: string): boolean => t === "RuntimeDefault" || t === "Localhost";
const allowedAppArmorAnnotation = (v: string): boolean => v === "" || v === "runtime/default" || v.startsWith("localhost/");

/** baseline: AppArmor profile types (pod, containers) and the deprecated beta annotations. */
const appArmorProfile_1_0: CheckPodFn = (meta, spec) => {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  const badValues: string[] = [];
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !allowedAppArmorType(podProfile.type)) {
    setters.push("pod");
    errors.push(forbidden("spec.securityContext.appArmorProfile.type", podProfile.type));
    badValues.push(podProfile.type);
  }
  const names: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedAppArmorType(p.type)) {
      names.push(c.name);
      errors.push(forbidden(`${path}.securityContext.appArmorProfile.type`, p.type));
      badValues.push(p.type);
    }
  }
  if (names.length > 0) setters.push(containersPhrase(names));
  const annotations = [...meta.annotations]
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v))
    .map(([k, v]) => ({ text: `${k}=${goQuote(v)}`, error: forbidden(`metadata.annotations[${k}]`, v) }))
    .sort((a, b) => goCompare(a.text, b.text));
  const badValueList = [...sortedSet(badValues), ...annotations.map((a) => a.text)];
  if (annotations.length > 0) {
    setters.push(pluralize("annotation", "annotations", annotations.length));
    errors.push(...annotations.map((a) => a.error));
  }
  if (setters.length === 0) return null;
  return {
    reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", badValueList.length),
    detail: `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(badValueList)}`,
    errors,
  };
};

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

/** baseline: capabilities.add only from the default set. */
const capabilitiesBaseline_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const all: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const caps = c.securityContext?.capabilities;
    if (!caps) continue;
    const bad = caps.add.filter((x) => !BASELINE_CAPABILITIES.has(x));
    if (bad.length === 0) continue;
    all.push(...bad);
    names.push(c.name);
    errors.push(forbidden(`${path}.securityContext.capabilities.add`, sortedSet(bad)));
  }
  if (names.length === 0) return null;
  return {
    reason: "non-default capabilities",
    detail: `${containersPhrase(names)} must not include ${joinQuote(sortedSet(all))} in securityContext.capabilities.add`,
    errors,
  };
};

/** restricted: drop ALL, add at most NET_BIND_SERVICE. */
const capabilitiesRestricted_1_22: CheckPodFn = (_meta, spec) => {
  const missingDrop: string[] = [];
  const missingDropErrors: FieldError[] = [];
  const adding: string[] = [];
  const addingErrors: FieldError[] = [];
  const forbiddenCaps: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const caps = c.securityContext?.capabilities;
    const dropPath = `${path}.securityContext.capabilities.drop`;
    if (!caps) {
      missingDrop.push(c.name);
      missingDropErrors.push(required(dropPath));
      continue;
    }
    if (!caps.drop.includes("ALL")) {
      missingDrop.push(c.name);
      missingDropErrors.push(caps.drop.length > 0 ? forbidden(dropPath, sortedSet(caps.drop)) : required(dropPath));
    }
    const bad = caps.add.filter((x) => x !== "NET_BIND_SERVICE");
    if (bad.length > 0) {
      forbiddenCaps.push(...bad);
      adding.push(c.name);
      addingErrors.push(forbidden(`${path}.securityContext.capabilities.add`, sortedSet(bad)));
    }
  }
  const details: string[] = [];
  if (missingDrop.length > 0) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0) {
    details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  }
  if (details.length === 0) return null;
  return { reason: "unrestricted capabilities", detail: details.join("; "), errors: [...missingDropErrors, ...addingErrors] };
};

/** baseline: no hostNetwork / hostPID / hostIPC. */
const hostNamespaces_1_0: CheckPodFn = (_meta, spec) => {
  const data: string[] = [];
  const errors: FieldError[] = [];
  for (const k of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[k]) {
      data.push(`${k}=true`);
      errors.push(forbidden(`spec.${k}`, true));
    }
  }
  if (data.length === 0) return null;
  return { reason: "host namespaces", detail: data.join(", "), errors };
};

/** baseline: no hostPath volumes. */
const hostPathVolumes_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  spec.volumes.forEach((v, i) => {
    if (!v.sources.has("hostPath")) return;
    names.push(v.name);
    errors.push(forbidden(`spec.volumes[${i}].hostPath`, v.hostPathPath ?? ""));
  });
  if (names.length === 0) return null;
  return { reason: "hostPath volumes", detail: `${pluralize("volume", "volumes", names.length)} ${joinQuote(names)}`, errors };
};

/** baseline: no container port with a hostPort. */
const hostPorts_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const ports: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    let bad = false;
    c.ports.forEach((p, i) => {
      if (p.hostPort === 0) return;
      bad = true;
      ports.push(String(p.hostPort));
      errors.push(forbidden(`${path}.ports[${i}].hostPort`, p.hostPort));
    });
    if (bad) names.push(c.name);
  }
  if (names.length === 0) return null;
  const portList = sortedSet(ports);
  return {
    reason: "hostPort",
    detail:
      `${containersPhrase(names)} ${pluralize("uses", "use", names.length)} ` +
      `${pluralize("hostPort", "hostPorts", portList.length)} ${portList.join(", ")}`,
    errors,
  };
};

/** baseline (v1.34+): probes and lifecycle handlers must not set `host`. Reports no field errors (nor does the fork). */
const hostProbesAndHostLifecycle_1_34: CheckPodFn = (_meta, spec) => {
  const names = new Set<string>();
  const hosts = new Set<string>();
  for (const { container: c } of containersOf(spec)) {
    for (const h of [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop]) {
      if (!h) continue;
      const bad = [h.httpGet?.host ?? "", h.tcpSocket?.host ?? ""].filter((x) => x !== "");
      if (bad.length === 0) continue;
      names.add(c.name);
      for (const b of bad) hosts.add(b);
    }
  }
  if (names.size === 0) return null;
  const n = sortedSet(names);
  const hs = sortedSet(hosts);
  return {
    reason: "probe or lifecycle host",
    detail:
      `${containersPhrase(n)} ${pluralize("uses", "use", n.length)} ` +
      `${pluralize("probe or lifecycle host", "probe or lifecycle hosts", hs.length)} ${joinQuote(hs)}`,
  };
};

/** baseline: no privileged containers. */
const privileged_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    if (c.securityContext?.privileged !== true) continue;
    names.push(c.name);
    errors.push(forbidden(`${path}.securityContext.privileged`, true));
  }
  if (names.length === 0) return null;
  return { reason: "privileged", detail: `${containersPhrase(names)} must not set securityContext.privileged=true`, errors };
};

/** procMount unset or "Default" (any set value other than "Default", even "", is forbidden). */
const procMount_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const types: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const pm = c.securityContext?.procMount;
    if (pm === undefined || pm === "Default") continue;
    names.push(c.name);
    types.push(pm);
    errors.push(forbidden(`${path}.securityContext.procMount`, pm));
  }
  if (names.length === 0) return null;
  return {
    reason: "procMount",
    detail: `${containersPhrase(names)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
    errors,
  };
};

/** Volume sources the restricted profile allows (any of them set makes the volume allowed). */
const ALLOWED_RESTRICTED_SOURCES: readonly VolumeSource[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
/** The order in which upstream names the type of a forbidden volume (first set source wins, else "unknown"). */
const RESTRICTED_SOURCE_ORDER: readonly VolumeSource[] = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

/** restricted: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret. */
const restrictedVolumes_1_0: CheckPodFn = (_meta, spec) => {
  const names: string[] = [];
  const errors: FieldError[] = [];
  const types: string[] = [];
  spec.volumes.forEach((v, i) => {
    if (ALLOWED_RESTRICTED_SOURCES.some((s) => v.sources.has(s))) return;
    const t = RESTRICTED_SOURCE_ORDER.find((s) => v.sources.has(s)) ?? "unknown";
    names.push(v.name);
    types.push(t);
    errors.push(forbidden(`spec.volumes[${i}].${t}`));
  });
  if (names.length === 0) return null;
  const typeList = sortedSet(types);
  return {
    reason: "restricted volume types",
    detail:
      `${pluralize("volume", "volumes", names.length)} ${joinQuote(names)} ${pluralize("uses", "use", names.length)} ` +
      `${pluralize("restricted volume type", "restricted volume types", typeList.length)} ${joinQuote(typeList)}`,
    errors,
  };
};

/**
 * restricted: runAsNonRoot=true at pod level (containers may leave it unset) or on every container; explicit false
 * anywhere is forbidden. Upstream reports the explicit violations if any, else the implicit ones; the fork
 * (`bothKinds`) reports both, details joined by a newline.
 */
const runAsNonRoot =
  (bothKinds: boolean): CheckPodFn =>
  (_meta, spec) => {
    const setters: string[] = [];
    const setterErrors: FieldError[] = [];
    let podTrue = false;
    const podValue = spec.securityContext?.runAsNonRoot;
    if (podValue === false) {
      setters.push("pod");
      setterErrors.push(forbidden("spec.securityContext.runAsNonRoot", false));
    } else if (podValue === true) podTrue = true;
    const explicit: string[] = [];
    const implicit: string[] = [];
    const implicitErrors: FieldError[] = [];
    for (const { container: c, path } of containersOf(spec)) {
      const v = c.securityContext?.runAsNonRoot;
      if (v !== undefined) {
        if (!v) {
          explicit.push(c.name);
          setterErrors.push(forbidden(`${path}.securityContext.runAsNonRoot`, false));
        }
      } else if (!podTrue) {
        implicit.push(c.name);
        implicitErrors.push(required(`${path}.securityContext.runAsNonRoot`));
      }
    }
    if (explicit.length > 0) setters.push(containersPhrase(explicit));
    const explicitDetail = `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`;
    const implicitDetail = `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`;
    const reason = "runAsNonRoot != true";
    if (bothKinds) {
      if (setters.length === 0 && implicit.length === 0) return null;
      const details: string[] = [];
      if (setters.length > 0) details.push(explicitDetail);
      if (implicit.length > 0) details.push(implicitDetail);
      return { reason, detail: details.join("\n"), errors: [...setterErrors, ...implicitErrors] };
    }
    if (setters.length > 0) return { reason, detail: explicitDetail, errors: setterErrors };
    if (implicit.length > 0) return { reason, detail: implicitDetail, errors: implicitErrors };
    return null;
  };

/** restricted (v1.23+): runAsUser must not be 0 (pod or container). */
const runAsUser_1_23: CheckPodFn = (_meta, spec) => {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  if (spec.securityContext?.runAsUser === 0) {
    setters.push("pod");
    errors.push(forbidden("spec.securityContext.runAsUser", 0));
  }
  const names: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    if (c.securityContext?.runAsUser !== 0) continue;
    names.push(c.name);
    errors.push(forbidden(`${path}.securityContext.runAsUser`, 0));
  }
  if (names.length > 0) setters.push(containersPhrase(names));
  if (setters.length === 0) return null;
  return { reason: "runAsUser=0", detail: `${setters.join(" and ")} must not set runAsUser=0`, errors };
};

const SELINUX_TYPES_1_0 = new Set(["", "container_t", "container_init_t", "container_kvm_t"]);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, "container_engine_t"]);

/** baseline: seLinuxOptions.type from an allowed set; user and role unset. */
const seLinuxOptions =
  (allowedTypes: ReadonlySet<string>): CheckPodFn =>
  (_meta, spec) => {
    const setters: string[] = [];
    const errors: FieldError[] = [];
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    /** Records the violations of `o` (field errors under `prefix`), true when there are none. */
    const valid = (o: SELinuxOptions, prefix: string): boolean => {
      let ok = true;
      if (!allowedTypes.has(o.type)) {
        ok = false;
        badTypes.push(o.type);
        errors.push(forbidden(`${prefix}.seLinuxOptions.type`, o.type));
      }
      if (o.user.length > 0) {
        ok = false;
        setUser = true;
        errors.push(forbidden(`${prefix}.seLinuxOptions.user`, o.user));
      }
      if (o.role.length > 0) {
        ok = false;
        setRole = true;
        errors.push(forbidden(`${prefix}.seLinuxOptions.role`, o.role));
      }
      return ok;
    };
    const podOpts = spec.securityContext?.seLinuxOptions;
    if (podOpts && !valid(podOpts, "spec.securityContext")) setters.push("pod");
    const names: string[] = [];
    for (const { container: c, path } of containersOf(spec)) {
      const o = c.securityContext?.seLinuxOptions;
      if (o && !valid(o, `${path}.securityContext`)) names.push(c.name);
    }
    if (names.length > 0) setters.push(containersPhrase(names));
    if (setters.length === 0) return null;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) data.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
    if (setUser) data.push("user may not be set");
    if (setRole) data.push("role may not be set");
    return {
      reason: "seLinuxOptions",
      detail: `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`,
      errors,
    };
  };

const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
const validSeccompType = (t: string): boolean => t === "Localhost" || t === "RuntimeDefault";
const validSeccompAnnotation = (v: string): boolean => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");

/** baseline before v1.19: the alpha seccomp annotations (pod, and one per visited container name). */
const seccompProfileBaseline_1_0: CheckPodFn = (meta, spec) => {
  const found: { text: string; error: FieldError }[] = [];
  const check = (key: string): void => {
    const v = meta.annotations.get(key);
    if (v === undefined || validSeccompAnnotation(v)) return;
    found.push({ text: `${key}=${goQuote(v)}`, error: forbidden(`metadata.annotations[${key}]`, v) });
  };
  check(SECCOMP_POD_ANNOTATION);
  for (const { container: c } of containersOf(spec)) check(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name);
  if (found.length === 0) return null;
  const texts = sortedSet(found.map((f) => f.text));
  found.sort((a, b) => goCompare(a.text, b.text));
  return {
    reason: "seccompProfile",
    detail: `forbidden ${pluralize("annotation", "annotations", texts.length)} ${texts.join(", ")}`,
    errors: found.map((f) => f.error),
  };
};

/** Explicitly set seccomp profile types that are neither RuntimeDefault nor Localhost (pod, containers). */
function explicitSeccomp(spec: PodSpec): { setters: string[]; errors: FieldError[]; badValues: string[]; podValid: boolean } {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  const badValues: string[] = [];
  let podValid = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile) {
    if (!validSeccompType(podProfile.type)) {
      setters.push("pod");
      errors.push(forbidden("spec.securityContext.seccompProfile.type", podProfile.type));
      badValues.push(podProfile.type);
    } else podValid = true;
  }
  const names: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p && !validSeccompType(p.type)) {
      names.push(c.name);
      errors.push(forbidden(`${path}.securityContext.seccompProfile.type`, p.type));
      badValues.push(p.type);
    }
  }
  if (names.length > 0) setters.push(containersPhrase(names));
  return { setters, errors, badValues, podValid };
}

const explicitSeccompFailure = (e: { setters: string[]; errors: FieldError[]; badValues: string[] }): CheckFailure => ({
  reason: "seccompProfile",
  detail: `${e.setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(e.badValues))}`,
  errors: e.errors,
});

/** baseline v1.19+: seccompProfile.type, where set, must be RuntimeDefault or Localhost. */
const seccompProfileBaseline_1_19: CheckPodFn = (_meta, spec) => {
  const e = explicitSeccomp(spec);
  return e.setters.length > 0 ? explicitSeccompFailure(e) : null;
};

/** restricted v1.19+: as baseline, and every container must be covered by a valid pod or container profile. */
const seccompProfileRestricted_1_19: CheckPodFn = (_meta, spec) => {
  const e = explicitSeccomp(spec);
  if (e.setters.length > 0) return explicitSeccompFailure(e);
  if (e.podValid) return null;
  const implicit = containersOf(spec).filter(({ container: c }) => !c.securityContext?.seccompProfile);
  if (implicit.length === 0) return null;
  return {
    reason: "seccompProfile",
    detail: `pod or ${containersPhrase(implicit.map((v) => v.container.name))} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    errors: implicit.map((v) => required(`${v.path}.securityContext.seccompProfile.type`)),
  };
};

const SYSCTLS_1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

/** baseline: pod sysctls only from the safe set of the version. */
const sysctls =
  (allowedList: readonly string[]): CheckPodFn =>
  (_meta, spec) => {
    const allowed = new Set(allowedList);
    const names: string[] = [];
    const errors: FieldError[] = [];
    (spec.securityContext?.sysctls ?? []).forEach((s, i) => {
      if (allowed.has(s.name)) return;
      names.push(s.name);
      errors.push(forbidden(`spec.securityContext.sysctls[${i}].name`, s.name));
    });
    if (names.length === 0) return null;
    return { reason: "forbidden sysctls", detail: names.join(", "), errors };
  };

/** baseline: windowsOptions.hostProcess must not be true (pod or container). */
const windowsHostProcess_1_0: CheckPodFn = (_meta, spec) => {
  const setters: string[] = [];
  const errors: FieldError[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) {
    setters.push("pod");
    errors.push(forbidden("spec.securityContext.windowsOptions.hostProcess", true));
  }
  const names: string[] = [];
  for (const { container: c, path } of containersOf(spec)) {
    if (c.securityContext?.windowsOptions?.hostProcess !== true) continue;
    names.push(c.name);
    errors.push(forbidden(`${path}.securityContext.windowsOptions.hostProcess`, true));
  }
  if (names.length > 0) setters.push(containersPhrase(names));
  if (setters.length === 0) return null;
  return { reason: "hostProcess", detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`, errors };
};

// ---------------------------------------------------------------------------------------------------------------
// the check sets

function buildChecks(profile: CheckProfile): CheckDefinition[] {
  const upstream = profile === "upstream";
  const v = (minimumVersion: number, checkPod: CheckPodFn, overrideCheckIDs?: readonly string[]): VersionedCheck =>
    overrideCheckIDs ? { minimumVersion, checkPod, overrideCheckIDs } : { minimumVersion, checkPod };
  const checks: (CheckDefinition | false)[] = [
    {
      id: "allowPrivilegeEscalation",
      level: "restricted",
      versions: [v(8, allowPrivilegeEscalation_1_8), v(25, exemptWindows(allowPrivilegeEscalation_1_8))],
    },
    { id: "appArmorProfile", level: "baseline", versions: [v(0, appArmorProfile_1_0)] },
    { id: "capabilities_baseline", level: "baseline", versions: [v(0, capabilitiesBaseline_1_0)] },
    {
      id: "capabilities_restricted",
      level: "restricted",
      versions: [
        v(22, capabilitiesRestricted_1_22, ["capabilities_baseline"]),
        v(25, exemptWindows(capabilitiesRestricted_1_22), ["capabilities_baseline"]),
      ],
    },
    { id: "hostNamespaces", level: "baseline", versions: [v(0, hostNamespaces_1_0)] },
    { id: "hostPathVolumes", level: "baseline", versions: [v(0, hostPathVolumes_1_0)] },
    { id: "hostPorts", level: "baseline", versions: [v(0, hostPorts_1_0)] },
    { id: "hostProbesAndHostLifecycle", level: "baseline", versions: [v(34, hostProbesAndHostLifecycle_1_34)] },
    { id: "privileged", level: "baseline", versions: [v(0, privileged_1_0)] },
    {
      id: "procMount",
      level: "baseline",
      versions: upstream ? [v(0, procMount_1_0), v(35, exemptUserNamespace(procMount_1_0))] : [v(0, procMount_1_0)],
    },
    upstream && { id: "procMount_restricted", level: "restricted", versions: [v(35, procMount_1_0, ["procMount"])] },
    { id: "restrictedVolumes", level: "restricted", versions: [v(0, restrictedVolumes_1_0, ["hostPathVolumes"])] },
    {
      id: "runAsNonRoot",
      level: "restricted",
      versions: upstream ? [v(0, runAsNonRoot(false)), v(35, exemptUserNamespace(runAsNonRoot(false)))] : [v(0, runAsNonRoot(true))],
    },
    {
      id: "runAsUser",
      level: "restricted",
      versions: upstream ? [v(23, runAsUser_1_23), v(35, exemptUserNamespace(runAsUser_1_23))] : [v(23, runAsUser_1_23)],
    },
    {
      id: "seLinuxOptions",
      level: "baseline",
      versions: [v(0, seLinuxOptions(SELINUX_TYPES_1_0)), v(31, seLinuxOptions(SELINUX_TYPES_1_31))],
    },
    {
      id: "seccompProfile_baseline",
      level: "baseline",
      versions: [v(0, seccompProfileBaseline_1_0), v(19, seccompProfileBaseline_1_19)],
    },
    {
      id: "seccompProfile_restricted",
      level: "restricted",
      versions: [
        v(19, seccompProfileRestricted_1_19, ["seccompProfile_baseline"]),
        v(25, exemptWindows(seccompProfileRestricted_1_19), ["seccompProfile_baseline"]),
      ],
    },
    {
      id: "sysctls",
      level: "baseline",
      versions: [
        v(0, sysctls(SYSCTLS_1_0)),
        v(27, sysctls(SYSCTLS_1_27)),
        v(29, sysctls(SYSCTLS_1_29)),
        v(32, sysctls(SYSCTLS_1_32)),
        ...(upstream ? [v(37, sysctls(SYSCTLS_1_37))] : []),
      ],
    },
    { id: "windowsHostProcess", level: "baseline", versions: [v(0, windowsHostProcess_1_0)] },
  ];
  return checks.filter((c): c is CheckDefinition => c !== false);
}

const CHECKS: Record<CheckProfile, readonly CheckDefinition[]> = {
  upstream: buildChecks("upstream"),
  kyverno: buildChecks("kyverno"),
};

/**
 * The checks of a profile in `policy.DefaultChecks()` order (registration order = source file name order), which
 * is the order Kyverno evaluates and reports them in.
 */
export function checkDefinitions(profile: CheckProfile = "upstream"): readonly CheckDefinition[] {
  return CHECKS[profile];
}
