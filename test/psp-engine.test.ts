// PSP admission engine: the 24 appvia per-field folders (allowed pods admit, disallowed pods deny) and corner
// tables for the behaviours that are easy to get wrong (host path prefixes, capabilities, ranges, UPDATE, order).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { admitPod, type AdmitInput } from "../converters/psp/engine/index.js";
import { parsePspFile } from "../converters/psp/parse.js";
import type { PodSecurityPolicy } from "../converters/psp/model.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

const PER_FIELD = "psp/per-field";

/** appvia stores some fixtures as git symlinks into the gatekeeper-library submodule; resolve them into our copy. */
function readFixture(file: string): string {
  const text = readFileSync(file, "utf8");
  const link = text.trim();
  const prefix = "../../submodules/gatekeeper-library/library/";
  if (link.startsWith(prefix) && !link.includes("\n")) return readFileSync(corpusPath(`gatekeeper/${link.slice(prefix.length)}`), "utf8");
  return text;
}

function pods(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Record<string, unknown> => !!d && typeof d === "object");
}

/** The appvia per-field folders: each holds psp.yaml, allowed.yaml and disallowed.yaml with one pod each. */
const FOLDERS = [
  "allowPrivilegeEscalation",
  "allowedCapabilities",
  "allowedFlexVolumes",
  "allowedHostPaths",
  "allowedProcMountTypes",
  "allowedUnsafeSysctls",
  "apparmor",
  "defaultAddCapabilities",
  "defaultAllowPrivilegeEscalation",
  "forbiddenSysctls",
  "fsgroup",
  "hostIPC",
  "hostNetwork",
  "hostPID",
  "hostPorts",
  "privileged",
  "readOnlyRootFilesystem",
  "requiredDropCapabilities",
  "runAsGroup",
  "runAsUser",
  "seLinux",
  "seccomp",
  "supplementalGroups",
  "volumes",
];

describe.skipIf(!haveCorpus("psp-engine", PER_FIELD, "gatekeeper"))("appvia per-field corpus", () => {
  it("has the 24 field folders", () => {
    const dir = corpusPath(PER_FIELD);
    expect(readdirSync(dir).filter((f) => existsSync(path.join(dir, f, "psp.yaml"))).sort()).toEqual(FOLDERS);
  });
  it.each(FOLDERS)("%s: the allowed pod is admitted, the disallowed pod denied", (folder) => {
    const dir = corpusPath(`${PER_FIELD}/${folder}`);
    const policies = parsePspFile(readFileSync(path.join(dir, "psp.yaml"), "utf8"), path.join(dir, "psp.yaml"));
    expect(policies).toHaveLength(1);
    for (const [side, want] of [["allowed", "admit"], ["disallowed", "deny"]] as const) {
      const sidePods = pods(readFixture(path.join(dir, `${side}.yaml`)));
      expect(sidePods, `${folder}/${side}.yaml`).toHaveLength(1);
      const r = admitPod({ policies, pod: sidePods[0]!, operation: "CREATE", namespace: "default" });
      expect(r.verdict, `${folder}/${side}: ${r.reason ?? ""}`).toBe(want);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Inline corner tables

const BASE_SPEC: Record<string, string> = {
  runAsUser: "{rule: RunAsAny}",
  seLinux: "{rule: RunAsAny}",
  supplementalGroups: "{rule: RunAsAny}",
  fsGroup: "{rule: RunAsAny}",
};

function psp(name: string, specYaml: string, annotations = ""): PodSecurityPolicy {
  const text = `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: ${name}
${annotations ? `  annotations:\n${annotations}\n` : ""}spec:
${Object.entries(BASE_SPEC)
  .filter(([k]) => !specYaml.includes(`  ${k}:`))
  .map(([k, v]) => `  ${k}: ${v}`)
  .join("\n")}
${specYaml}`;
  const [p] = parsePspFile(text, `${name}.yaml`);
  return p!;
}

type Pod = Record<string, unknown>;
function pod(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", ...meta }, spec };
}
const c = (extra: Record<string, unknown> = {}) => ({ name: "app", image: "nginx", ...extra });

interface Row {
  name: string;
  policies: PodSecurityPolicy[];
  pod: Pod;
  op?: "CREATE" | "UPDATE";
  want: "admit" | "deny";
  policy?: string;
  mutated?: boolean;
  /** The whole denial reason (deny rows). */
  reason?: string;
  input?: Partial<AdmitInput>;
}

const hostPathPod = (p: string, readOnly?: boolean, mounts = 1) =>
  pod({
    containers: Array.from({ length: mounts }, (_, i) => c({ name: `c${i}`, volumeMounts: [{ name: "h", mountPath: "/h", ...(readOnly === undefined ? {} : { readOnly }) }] })),
    volumes: [{ name: "h", hostPath: { path: p } }],
  });

const anyVol = `  volumes: ['*']`;

const rows: Row[] = [
  // allowedHostPaths
  { name: "empty allowedHostPaths allows any hostPath", policies: [psp("a", `${anyVol}\n  allowedHostPaths: []`)], pod: hostPathPod("/etc"), want: "admit" },
  { name: "prefix /foo allows /foo/bar", policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo}]`)], pod: hostPathPod("/foo/bar"), want: "admit" },
  { name: "prefix /foo allows /foo/ (trailing slash)", policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo/}]`)], pod: hostPathPod("/foo/"), want: "admit" },
  {
    name: "prefix /foo rejects /foobar",
    policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo}]`)],
    pod: hostPathPod("/foobar"),
    want: "deny",
    reason: "unable to admit pod: [spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/foobar\": is not allowed to be used]",
  },
  {
    name: "readOnly prefix needs readOnly mounts",
    policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}]`)],
    pod: hostPathPod("/foo", undefined),
    want: "deny",
    reason: "unable to admit pod: [spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only]",
  },
  { name: "readOnly prefix with readOnly mounts", policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}]`)], pod: hostPathPod("/foo/x", true, 2), want: "admit" },
  {
    name: "a writable matching entry lifts the readOnly requirement",
    policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}, {pathPrefix: /foo/x}]`)],
    pod: hostPathPod("/foo/x/y", false),
    want: "admit",
  },
  // volumes
  { name: "volumes [] forbids every volume", policies: [psp("a", `  volumes: []`)], pod: pod({ containers: [c()], volumes: [{ name: "e", emptyDir: {} }] }), want: "deny", reason: "unable to admit pod: [spec.volumes[0]: Invalid value: \"emptyDir\": emptyDir volumes are not allowed to be used]" },
  { name: "volumes * allows hostPath", policies: [psp("a", anyVol)], pod: hostPathPod("/"), want: "admit" },
  {
    name: "projected SA token volume allowed when secret is",
    policies: [psp("a", `  volumes: [secret]`)],
    pod: pod({
      containers: [c()],
      volumes: [
        {
          name: "kube-api-access",
          projected: {
            sources: [
              { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
    }),
    want: "admit",
  },
  {
    name: "projected with another configMap is not the SA token exception",
    policies: [psp("a", `  volumes: [secret]`)],
    pod: pod({ containers: [c()], volumes: [{ name: "x", projected: { sources: [{ configMap: { name: "other" } }] } }] }),
    want: "deny",
    reason: "unable to admit pod: [spec.volumes[0]: Invalid value: \"projected\": projected volumes are not allowed to be used]",
  },
  // capabilities
  {
    name: "requiredDrop ALL mutates drop ALL into the container",
    policies: [psp("a", `${anyVol}\n  requiredDropCapabilities: [ALL]`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
  {
    name: "requiredDrop ALL: dropping every cap by name still gets ALL added (mutation)",
    policies: [psp("a", `${anyVol}\n  requiredDropCapabilities: [ALL]`)],
    pod: pod({ containers: [c({ securityContext: { capabilities: { drop: ["CHOWN", "KILL"] } } })] }),
    want: "admit",
    mutated: true,
  },
  {
    name: "requiredDrop ALL: UPDATE without literal ALL is denied",
    policies: [psp("a", `${anyVol}\n  requiredDropCapabilities: [ALL]`)],
    pod: pod({ containers: [c({ securityContext: { capabilities: { drop: ["all"] } } })] }),
    op: "UPDATE",
    want: "deny",
    reason: "unable to validate against any pod security policy: []",
  },
  {
    name: "requiredDrop ALL with literal ALL needs no mutation",
    policies: [psp("a", `${anyVol}\n  requiredDropCapabilities: [ALL]`)],
    pod: pod({ containers: [c({ securityContext: { capabilities: { drop: ["ALL"] } } })] }),
    want: "admit",
    mutated: false,
  },
  {
    name: "allowedCapabilities * allows any add",
    policies: [psp("a", `${anyVol}\n  allowedCapabilities: ['*']`)],
    pod: pod({ containers: [c({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } })] }),
    want: "admit",
  },
  {
    name: "add outside allowed is rejected",
    policies: [psp("a", `${anyVol}\n  allowedCapabilities: [NET_BIND_SERVICE]`)],
    pod: pod({ containers: [c({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } })] }),
    want: "deny",
    reason: "unable to admit pod: [spec.containers[0].securityContext.capabilities.add: Invalid value: \"SYS_ADMIN\": capability may not be added]",
  },
  // ranges and defaults
  {
    name: "runAsUser MustRunAs defaults to the first range min",
    policies: [psp("a", `${anyVol}\n  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}, {min: 5, max: 6}]}`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
  {
    name: "runAsUser MustRunAs out of range",
    policies: [psp("a", `${anyVol}\n  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}`)],
    pod: pod({ securityContext: { runAsUser: 3000 }, containers: [c()] }),
    want: "deny",
    reason: "unable to admit pod: [spec.containers[0].securityContext.runAsUser: Invalid value: 3000: must be in the ranges: [{1000 2000}]]",
  },
  {
    name: "pod-level runAsUser in the second range",
    policies: [psp("a", `${anyVol}\n  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}, {min: 5, max: 6}]}`)],
    pod: pod({ securityContext: { runAsUser: 6 }, containers: [c()] }),
    want: "admit",
    mutated: false,
  },
  {
    name: "container runAsUser overrides pod",
    policies: [psp("a", `${anyVol}\n  runAsUser: {rule: MustRunAsNonRoot}`)],
    pod: pod({ securityContext: { runAsUser: 1000 }, containers: [c({ securityContext: { runAsUser: 0 } })] }),
    want: "deny",
    reason: "unable to admit pod: [spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden]",
  },
  {
    name: "fsGroup MustRunAs defaults",
    policies: [psp("a", `${anyVol}\n  fsGroup: {rule: MustRunAs, ranges: [{min: 10, max: 20}]}`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
  {
    name: "supplementalGroups MayRunAs: absent ok, out of range denied",
    policies: [psp("a", `${anyVol}\n  supplementalGroups: {rule: MayRunAs, ranges: [{min: 10, max: 20}]}`)],
    pod: pod({ securityContext: { supplementalGroups: [15, 30] }, containers: [c()] }),
    want: "deny",
    reason: "unable to admit pod: [spec.securityContext.supplementalGroups: Invalid value: []int64{15, 30}: group 30 must be in the ranges: [{10 20}]]",
  },
  {
    name: "runAsGroup MustRunAs in range",
    policies: [psp("a", `${anyVol}\n  runAsGroup: {rule: MustRunAs, ranges: [{min: 100, max: 200}]}`)],
    pod: pod({ containers: [c({ securityContext: { runAsGroup: 150 } })] }),
    want: "admit",
    mutated: false,
  },
  // seLinux
  {
    name: "seLinux level categories are order-insensitive",
    policies: [psp("a", `${anyVol}\n  seLinux: {rule: MustRunAs, seLinuxOptions: {level: "s0:c1,c2"}}`)],
    pod: pod({ securityContext: { seLinuxOptions: { level: "s0:c2,c1" } }, containers: [c()] }),
    want: "admit",
    mutated: false,
  },
  // UPDATE never mutates
  {
    name: "UPDATE does not mutate: APE false policy rejects unset allowPrivilegeEscalation",
    policies: [psp("a", `${anyVol}\n  allowPrivilegeEscalation: false`)],
    pod: pod({ containers: [c()] }),
    op: "UPDATE",
    want: "deny",
    // Go quirk: the PSP validates after its own mutation, so it is skipped as "mutating", recording no error.
    reason: "unable to validate against any pod security policy: []",
  },
  {
    name: "UPDATE skips a PSP whose defaults would change the pod even if it would validate",
    policies: [psp("a", anyVol, `    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'\n    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default`)],
    pod: pod({ containers: [c()] }),
    op: "UPDATE",
    want: "deny",
    reason: "unable to validate against any pod security policy: []",
  },
  {
    name: "same pod on CREATE is admitted with mutation",
    policies: [psp("a", `${anyVol}\n  allowPrivilegeEscalation: false`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
  // OR over policies, name order, no-mutation wins
  {
    name: "no-mutation PSP wins over an earlier mutating one",
    policies: [psp("z-plain", anyVol), psp("a-mutating", `${anyVol}\n  readOnlyRootFilesystem: true`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    policy: "z-plain",
    mutated: false,
  },
  {
    name: "first mutating PSP by name when none admits unchanged",
    policies: [psp("b-ro", `${anyVol}\n  readOnlyRootFilesystem: true`), psp("a-ape", `${anyVol}\n  allowPrivilegeEscalation: false`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    policy: "a-ape",
    mutated: true,
  },
  {
    name: "first non-mutating by name among several",
    policies: [psp("c", anyVol), psp("b", anyVol)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    policy: "b",
  },
  {
    name: "OR: privileged pod admitted by the privileged PSP only",
    policies: [psp("a-restricted", anyVol), psp("b-priv", `${anyVol}\n  privileged: true`)],
    pod: pod({ containers: [c({ securityContext: { privileged: true } })] }),
    want: "admit",
    policy: "b-priv",
  },
  {
    name: "unauthorized PSPs are not usable",
    policies: [psp("a-restricted", anyVol), psp("b-priv", `${anyVol}\n  privileged: true`)],
    pod: pod({ containers: [c({ securityContext: { privileged: true } })] }),
    want: "deny",
    reason: "unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]",
    input: { userInfo: { username: "alice" }, authorize: (_s, _v, name) => name !== "b-priv" },
  },
  {
    name: "service account authorization counts",
    policies: [psp("b-priv", `${anyVol}\n  privileged: true`)],
    pod: pod({ serviceAccountName: "builder", containers: [c({ securityContext: { privileged: true } })] }),
    want: "admit",
    policy: "b-priv",
    input: { authorize: (s) => s.kind === "ServiceAccount" && s.name === "builder" },
  },
  { name: "no PSP at all denies", policies: [], pod: pod({ containers: [c()] }), want: "deny", reason: "no providers available to validate pod request" },
  // sysctls
  ...(
    [
      ["kernel.shm_rmid_forced", "", "", undefined],
      ["kernel.msgmax", "", "", "unsafe sysctl"],
      ["kernel.msgmax", "[kernel.msg*]", "", undefined],
      ["net.core.somaxconn", "['*']", "", undefined],
      ["net.core.somaxconn", "[kernel.*]", "[net.core.*]", "sysctl"],
      ["net.ipv4.tcp_syncookies", "", "[net.ipv4.tcp_syncookies]", "sysctl"],
      ["kernel.msgmax", "[kernel.msgma]", "", "unsafe sysctl"],
    ] as const
  ).map(
    ([name, allowed, forbid, denied]): Row => ({
      name: `sysctl ${name} allowed=${allowed || "-"} forbidden=${forbid || "-"}`,
      policies: [psp("a", `${anyVol}${allowed ? `\n  allowedUnsafeSysctls: ${allowed}` : ""}${forbid ? `\n  forbiddenSysctls: ${forbid}` : ""}`)],
      pod: pod({ securityContext: { sysctls: [{ name, value: "1" }] }, containers: [c()] }),
      want: denied ? "deny" : "admit",
      // denied: "unsafe sysctl" when it is not in the safe set nor allowed, "sysctl" when explicitly forbidden
      ...(denied ? { reason: `unable to admit pod: [pod.spec.securityContext.sysctls[0]: Forbidden: ${denied} "${name}" is not allowed]` } : {}),
    }),
  ),
  // procMount, hostPorts, runtimeClass, seccomp, apparmor
  { name: "procMount Unmasked needs allowedProcMountTypes", policies: [psp("a", anyVol)], pod: pod({ containers: [c({ securityContext: { procMount: "Unmasked" } })] }), want: "deny", reason: "unable to admit pod: [spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed]" },
  {
    name: "hostPort in an ephemeral container is checked",
    policies: [psp("a", `${anyVol}\n  hostPorts: [{min: 80, max: 80}]`)],
    pod: pod({ containers: [c()], ephemeralContainers: [{ name: "dbg", image: "busybox", ports: [{ containerPort: 81, hostPort: 81 }] }] }),
    want: "deny",
    reason: "unable to admit pod: [spec.ephemeralContainers[0].hostPort: Invalid value: 81: Host port 81 is not allowed to be used. Allowed ports: [80]]",
  },
  {
    name: "runtimeClass default is set on CREATE",
    policies: [psp("a", `${anyVol}\n  runtimeClass: {allowedRuntimeClassNames: [gvisor], defaultRuntimeClassName: gvisor}`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
  {
    name: "seccomp field counts as the annotation",
    policies: [psp("a", anyVol, `    seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default`)],
    pod: pod({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [c()] }),
    want: "deny",
    reason: "unable to admit pod: [pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default]",
  },
  {
    name: "seccomp set without an allowed list",
    policies: [psp("a", anyVol)],
    pod: pod({ containers: [c({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } })] }),
    want: "deny",
    reason: "unable to admit pod: [pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: Forbidden: seccomp may not be set]",
  },
  {
    name: "AppArmor allowed list requires a profile",
    policies: [psp("a", anyVol, `    apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default`)],
    pod: pod({ containers: [c()] }),
    want: "deny",
    reason: "unable to admit pod: [pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Forbidden: AppArmor profile must be set]",
  },
  {
    name: "AppArmor default fills the annotation",
    policies: [psp("a", anyVol, `    apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default\n    apparmor.security.beta.kubernetes.io/defaultProfileName: runtime/default`)],
    pod: pod({ containers: [c()] }),
    want: "admit",
    mutated: true,
  },
];

describe("PSP engine corner cases", () => {
  it.each(rows.map((r) => [r.name, r] as const))("%s", (_n, r) => {
    const res = admitPod({ policies: r.policies, pod: r.pod, operation: r.op ?? "CREATE", namespace: "ns", ...r.input });
    // an admit names the PSP ("a" unless the row says otherwise) and no reason; a deny names no PSP and gives the reason
    expect({ verdict: res.verdict, policy: res.policy, mutated: res.mutated, reason: res.reason }).toEqual({
      verdict: r.want,
      policy: r.want === "admit" ? (r.policy ?? "a") : undefined,
      mutated: r.mutated ?? false,
      reason: r.reason,
    });
  });

  it("does not modify the input pod and returns the mutated copy", () => {
    const p = pod({ containers: [c()] });
    const before = JSON.stringify(p);
    const res = admitPod({ policies: [psp("a", `${anyVol}\n  requiredDropCapabilities: [ALL]\n  allowPrivilegeEscalation: false`)], pod: p, operation: "CREATE", namespace: "ns" });
    expect(JSON.stringify(p)).toBe(before);
    const sc = ((res.mutatedPod?.["spec"] as { containers: { securityContext: unknown }[] }).containers[0]!).securityContext;
    expect(sc).toEqual({ capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false });
  });

  it("UPDATE touching only finalizers is ignored", () => {
    const old = pod({ containers: [c({ securityContext: { privileged: true } })] });
    const cur = pod({ containers: [c({ securityContext: { privileged: true } })] }, { finalizers: ["x"] });
    const res = admitPod({ policies: [psp("a", anyVol)], pod: cur, oldPod: old, operation: "UPDATE", namespace: "ns" });
    expect(res).toEqual({ verdict: "admit", mutated: false, errors: [], providerErrors: [], ignored: "update only changes ownerReferences/finalizers" });
  });
});

describe("fixtures/psp", () => {
  const FIX = path.resolve(process.cwd(), "fixtures/psp");
  const restricted = parsePspFile(readFileSync(path.join(FIX, "restricted.yaml"), "utf8"), "fixtures/psp/restricted.yaml");
  const files = readdirSync(path.join(FIX, "pods")).filter((f) => f.endsWith(".yaml")).sort();

  it("has allowed and disallowed pods", () => {
    expect(files).toEqual([
      "allowed-defaulted.yaml",
      "allowed-hardened.yaml",
      "disallowed-escalation.yaml",
      "disallowed-hostpath.yaml",
      "disallowed-no-seccomp.yaml",
      "disallowed-privileged.yaml",
      "disallowed-root.yaml",
    ]);
  });
  it.each(files)("%s under restricted.yaml", (f) => {
    for (const p of pods(readFileSync(path.join(FIX, "pods", f), "utf8"))) {
      const r = admitPod({ policies: restricted, pod: p, operation: "CREATE", namespace: "default" });
      expect(r.verdict, r.reason).toBe(f.startsWith("allowed-") ? "admit" : "deny");
      if (f === "allowed-hardened.yaml") expect(r.mutated).toBe(false);
      if (f === "allowed-defaulted.yaml") expect(r.mutated).toBe(true);
    }
  });
  it("baseline and privileged fixtures parse and are distinct", () => {
    const all = ["baseline", "privileged", "restricted"].flatMap((n) =>
      parsePspFile(readFileSync(path.join(FIX, `${n}.yaml`), "utf8"), `fixtures/psp/${n}.yaml`),
    );
    expect(all.map((p) => p.metadata.name)).toEqual(["baseline", "privileged", "restricted"]);
    expect(all[0]!.spec.allowPrivilegeEscalation).toBe(true); // defaulted
  });
});
