// One PSP as an admission provider (pkg/security/podsecuritypolicy/provider.go + factory.go of Kubernetes 1.24):
// strategy creation (a failure makes the PSP unusable), MutatePod (pod-level then per-container defaults, recording
// whether anything changed) and ValidatePod (pod-level checks, volumes, runtimeClass, then every container).
import type { PodSecurityPolicy } from "../model.js";
import { invalid, type FieldError, type PathSeg } from "./fielderr.js";
import {
  arr,
  bool,
  containersOf,
  effective,
  Mutation,
  num,
  obj,
  podSC,
  setAnnotation,
  setEffective,
  setPodSC,
  str,
  type ContainerRef,
  type JsonObject,
} from "./podview.js";
import { APPARMOR_CONTAINER_PREFIX, createAppArmorStrategy, type AppArmorStrategy } from "./providers/apparmor.js";
import { createCapabilitiesStrategy, type CapabilitiesStrategy } from "./providers/capabilities.js";
import { createGroupStrategy, type GroupStrategy } from "./providers/group.js";
import { createSeccompStrategy, SECCOMP_POD_KEY, type SeccompStrategy } from "./providers/seccomp.js";
import { createSELinuxStrategy, type SELinuxStrategy } from "./providers/selinux.js";
import { validateSysctls } from "./providers/sysctl.js";
import { createUserStrategy, type UserStrategy } from "./providers/user.js";
import { validatePodVolumes } from "./providers/volumes.js";

export interface Provider {
  name: string;
  psp: PodSecurityPolicy;
  /** MutatePod on `pod` in place; returns the record of changes. */
  mutate(pod: JsonObject): Mutation;
  validate(pod: JsonObject): FieldError[];
}

interface Strategies {
  user: UserStrategy;
  group: GroupStrategy;
  selinux: SELinuxStrategy;
  fsGroup: GroupStrategy;
  supplemental: GroupStrategy;
  caps: CapabilitiesStrategy;
  seccomp: SeccompStrategy;
  apparmor: AppArmorStrategy;
}

/** factory.CreateStrategies: a provider, or the strategy-creation errors that make the PSP unusable. */
export function createProvider(psp: PodSecurityPolicy): Provider | { name: string; errors: string[] } {
  const s = psp.spec;
  const errors: string[] = [];
  const take = <T>(x: T | string): T | undefined => {
    if (typeof x === "string") {
      errors.push(x);
      return undefined;
    }
    return x;
  };
  const user = take(createUserStrategy(s.runAsUser?.rule, s.runAsUser?.ranges));
  const group = take(s.runAsGroup ? createGroupStrategy(s.runAsGroup.rule, s.runAsGroup.ranges) : createGroupStrategy("RunAsAny", []));
  const selinux = take(createSELinuxStrategy(s.seLinux?.rule, s.seLinux?.seLinuxOptions));
  const fsGroup = take(createGroupStrategy(s.fsGroup?.rule, s.fsGroup?.ranges));
  const supplemental = take(createGroupStrategy(s.supplementalGroups?.rule, s.supplementalGroups?.ranges));
  if (!user || !group || !selinux || !fsGroup || !supplemental) return { name: psp.metadata.name, errors };
  const st: Strategies = {
    user,
    group,
    selinux,
    fsGroup,
    supplemental,
    caps: createCapabilitiesStrategy(s.defaultAddCapabilities, s.requiredDropCapabilities, s.allowedCapabilities),
    seccomp: createSeccompStrategy(psp.metadata.annotations),
    apparmor: createAppArmorStrategy(psp.metadata.annotations),
  };
  return {
    name: psp.metadata.name,
    psp,
    mutate: (pod) => mutatePod(psp, st, pod),
    validate: (pod) => validatePod(psp, st, pod),
  };
}

function mutatePod(psp: PodSecurityPolicy, st: Strategies, pod: JsonObject): Mutation {
  const m = new Mutation();
  const sc = podSC(pod);
  if (sc?.["supplementalGroups"] === undefined || sc["supplementalGroups"] === null) {
    setPodSC(pod, "supplementalGroups", st.supplemental.generate(), m);
  }
  if (sc?.["fsGroup"] === undefined || sc["fsGroup"] === null) setPodSC(pod, "fsGroup", st.fsGroup.generateSingle(), m);
  if (podSC(pod)?.["seLinuxOptions"] === undefined || podSC(pod)?.["seLinuxOptions"] === null) {
    setPodSC(pod, "seLinuxOptions", st.selinux.generate(), m);
  }
  const seccomp = st.seccomp.generate(pod);
  if (seccomp !== "") setAnnotation(pod, SECCOMP_POD_KEY, seccomp, m);
  const rc = psp.spec.runtimeClass;
  const spec = obj(pod["spec"]);
  if (rc && rc.defaultRuntimeClassName !== undefined && spec && (spec["runtimeClassName"] === undefined || spec["runtimeClassName"] === null)) {
    spec["runtimeClassName"] = rc.defaultRuntimeClassName;
    m.mark("spec.runtimeClassName");
  }
  for (const ref of containersOf(pod)) mutateContainer(psp, st, pod, ref, m);
  return m;
}

function mutateContainer(psp: PodSecurityPolicy, st: Strategies, pod: JsonObject, ref: ContainerRef, m: Mutation): void {
  const c = ref.container;
  const unset = (k: string) => effective(pod, c, k) === undefined;
  if (unset("runAsUser")) setEffective(pod, ref, "runAsUser", st.user.generate(), m);
  if (unset("runAsGroup")) setEffective(pod, ref, "runAsGroup", st.group.generateSingle(), m);
  if (unset("seLinuxOptions")) setEffective(pod, ref, "seLinuxOptions", st.selinux.generate(), m);
  const aa = st.apparmor.generate(pod, c);
  if (aa !== undefined) setAnnotation(pod, APPARMOR_CONTAINER_PREFIX + (str(c["name"]) ?? ""), aa, m);
  if (unset("runAsNonRoot") && unset("runAsUser") && psp.spec.runAsUser?.rule === "MustRunAsNonRoot") {
    setEffective(pod, ref, "runAsNonRoot", true, m);
  }
  const caps = st.caps.generate(effective(pod, c, "capabilities"));
  if (caps !== undefined) setEffective(pod, ref, "capabilities", caps, m);
  if (psp.spec.readOnlyRootFilesystem === true && unset("readOnlyRootFilesystem")) {
    setEffective(pod, ref, "readOnlyRootFilesystem", true, m);
  }
  if (psp.spec.defaultAllowPrivilegeEscalation !== undefined && unset("allowPrivilegeEscalation")) {
    setEffective(pod, ref, "allowPrivilegeEscalation", psp.spec.defaultAllowPrivilegeEscalation, m);
  }
  if (psp.spec.allowPrivilegeEscalation === false && unset("allowPrivilegeEscalation")) {
    setEffective(pod, ref, "allowPrivilegeEscalation", false, m);
  }
}

function hostPortRangesToString(ranges: readonly { min: number; max: number }[] | undefined): string {
  return (ranges ?? []).map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(",");
}

function validatePod(psp: PodSecurityPolicy, st: Strategies, pod: JsonObject): FieldError[] {
  const s = psp.spec;
  const errs: FieldError[] = [];
  const sc = podSC(pod);
  const scPath: PathSeg[] = ["spec", "securityContext"];
  const fsGroup = num(sc?.["fsGroup"]);
  errs.push(...st.fsGroup.validate([...scPath, "fsGroup"], fsGroup === undefined ? [] : [fsGroup]));
  const supp = (arr(sc?.["supplementalGroups"]) ?? []).filter((x): x is number => typeof x === "number");
  errs.push(...st.supplemental.validate([...scPath, "supplementalGroups"], supp));
  errs.push(...st.seccomp.validatePod(pod));
  errs.push(...st.selinux.validate([...scPath, "seLinuxOptions"], sc?.["seLinuxOptions"]));
  const spec = obj(pod["spec"]) ?? {};
  for (const k of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    // hostNetwork/hostPID/hostIPC live in the pod spec (v1); the internal PodSecurityContext held them.
    if (s[k] !== true && bool(spec[k]) === true) {
      const what = k === "hostNetwork" ? "Host network" : k === "hostPID" ? "Host PID" : "Host IPC";
      errs.push(invalid([...scPath, k], true, `${what} is not allowed to be used`));
    }
  }
  errs.push(...validateSysctls(pod, s.allowedUnsafeSysctls, s.forbiddenSysctls));
  errs.push(...validatePodVolumes(pod, s));
  if (s.runtimeClass) {
    const name = str(spec["runtimeClassName"]);
    const allowedNames = s.runtimeClass.allowedRuntimeClassNames ?? [];
    if (name !== undefined && !allowedNames.some((n) => n === "*" || n === name)) {
      errs.push(invalid(["spec", "runtimeClassName"], name, ""));
    }
  }
  for (const ref of containersOf(pod)) errs.push(...validateContainer(psp, st, pod, ref));
  return errs;
}

function validateContainer(psp: PodSecurityPolicy, st: Strategies, pod: JsonObject, ref: ContainerRef): FieldError[] {
  const s = psp.spec;
  const c = ref.container;
  const errs: FieldError[] = [];
  const scPath: PathSeg[] = [...ref.path, "securityContext"];
  const eff = (k: string) => effective(pod, c, k);
  errs.push(...st.user.validate(scPath, bool(eff("runAsNonRoot")), num(eff("runAsUser"))));
  const rag = num(eff("runAsGroup"));
  errs.push(...st.group.validate(scPath, rag === undefined ? [] : [rag]));
  errs.push(...st.selinux.validate([...scPath, "seLinuxOptions"], eff("seLinuxOptions")));
  errs.push(...st.apparmor.validate(pod, c));
  errs.push(...st.seccomp.validateContainer(pod, c));
  if (s.privileged !== true && bool(eff("privileged")) === true) {
    errs.push(invalid([...scPath, "privileged"], true, "Privileged containers are not allowed"));
  }
  const procMount = str(eff("procMount")) ?? "Default";
  const allowedProc = s.allowedProcMountTypes && s.allowedProcMountTypes.length > 0 ? s.allowedProcMountTypes : ["Default"];
  if (!allowedProc.includes(procMount)) errs.push(invalid([...scPath, "procMount"], procMount, "ProcMountType is not allowed"));
  errs.push(...st.caps.validate([...scPath, "capabilities"], eff("capabilities")));
  for (const p of arr(c["ports"]) ?? []) {
    const hostPort = num(obj(p)?.["hostPort"]) ?? 0;
    if (hostPort > 0 && !(s.hostPorts ?? []).some((r) => hostPort >= r.min && hostPort <= r.max)) {
      const detail = `Host port ${hostPort} is not allowed to be used. Allowed ports: [${hostPortRangesToString(s.hostPorts)}]`;
      errs.push(invalid([...ref.path, "hostPort"], hostPort, detail));
    }
  }
  if (s.readOnlyRootFilesystem === true) {
    const ro = bool(eff("readOnlyRootFilesystem"));
    if (ro === undefined) {
      errs.push(invalid([...scPath, "readOnlyRootFilesystem"], null, "ReadOnlyRootFilesystem may not be nil and must be set to true"));
    } else if (!ro) {
      errs.push(invalid([...scPath, "readOnlyRootFilesystem"], false, "ReadOnlyRootFilesystem must be set to true"));
    }
  }
  const ape = bool(eff("allowPrivilegeEscalation"));
  if (s.allowPrivilegeEscalation === false && (ape === undefined || ape)) {
    errs.push(invalid([...scPath, "allowPrivilegeEscalation"], ape ?? null, "Allowing privilege escalation for containers is not allowed"));
  }
  return errs;
}

