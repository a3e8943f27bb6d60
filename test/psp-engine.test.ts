// PSP admission engine: the 24 appvia per-field folders (allowed pods admit, disallowed pods deny) and corner
// tables for the behaviours that are easy to get wrong (host path prefixes, capabilities, ranges, UPDATE, order).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { admitPod, type AdmitInput } from "../converters/psp/engine/index.js";
import { parsePspFile } from "../converters/psp/parse.js";
import type { PodSecurityPolicy } from "../converters/psp/model.js";

const CORPUS = path.resolve(process.cwd(), "../shared/corpus");
const PER_FIELD = path.join(CORPUS, "psp/per-field");
const haveCorpus = existsSync(PER_FIELD);
if (!haveCorpus) {
  if (process.env.CI === "true") throw new Error(`corpus missing at ${CORPUS} (CI=true)`);
  console.warn(`[psp-engine] corpus not found at ${CORPUS}: per-field corpus tests skipped`);
}

/** appvia stores some fixtures as git symlinks into the gatekeeper-library submodule; resolve them into our copy. */
function readFixture(file: string): { text: string; from: string } | undefined {
  const text = readFileSync(file, "utf8");
  const link = text.trim();
  const prefix = "../../submodules/gatekeeper-library/library/";
  if (link.startsWith(prefix) && !link.includes("\n")) {
    const target = path.join(CORPUS, "gatekeeper", link.slice(prefix.length));
    if (!existsSync(target)) return undefined;
    return { text: readFileSync(target, "utf8"), from: target };
  }
  return { text, from: file };
}

function pods(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Record<string, unknown> => !!d && typeof d === "object");
}

/** Fixture sides whose upstream target is not in our corpus copy (reported, not failed). */
const KNOWN_MISSING = new Set(["allowedProcMountTypes/disallowed.yaml"]);

const folders = haveCorpus ? readdirSync(PER_FIELD).filter((f) => existsSync(path.join(PER_FIELD, f, "psp.yaml"))).sort() : [];

describe.skipIf(!haveCorpus)("appvia per-field corpus", () => {
  it("has the 24 field folders", () => {
    expect(folders).toHaveLength(24);
  });
  for (const folder of folders) {
    it(folder, () => {
      const dir = path.join(PER_FIELD, folder);
      const policies = parsePspFile(readFileSync(path.join(dir, "psp.yaml"), "utf8"), path.join(dir, "psp.yaml"));
      expect(policies).toHaveLength(1);
      let checked = 0;
      for (const [side, want] of [["allowed", "admit"], ["disallowed", "deny"]] as const) {
        const file = path.join(dir, `${side}.yaml`);
        if (!existsSync(file)) continue;
        const fx = readFixture(file);
        if (!fx) {
          expect(KNOWN_MISSING.has(`${folder}/${side}.yaml`), `${folder}/${side}.yaml target missing`).toBe(true);
          console.warn(`[psp-engine] ${folder}/${side}.yaml points outside the corpus copy; skipped`);
          continue;
        }
        for (const pod of pods(fx.text)) {
          const r = admitPod({ policies, pod, operation: "CREATE", namespace: "default" });
          expect(r.verdict, `${folder}/${side} ${JSON.stringify((pod["metadata"] as { name?: string })?.name)}: ${r.reason ?? ""}`).toBe(want);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
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
  errorIncludes?: string;
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
    errorIncludes: "spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/foobar\": is not allowed to be used",
  },
  {
    name: "readOnly prefix needs readOnly mounts",
    policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}]`)],
    pod: hostPathPod("/foo", undefined),
    want: "deny",
    errorIncludes: "spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only",
  },
  { name: "readOnly prefix with readOnly mounts", policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}]`)], pod: hostPathPod("/foo/x", true, 2), want: "admit" },
  {
    name: "a writable matching entry lifts the readOnly requirement",
    policies: [psp("a", `${anyVol}\n  allowedHostPaths: [{pathPrefix: /foo, readOnly: true}, {pathPrefix: /foo/x}]`)],
    pod: hostPathPod("/foo/x/y", false),
    want: "admit",
  },
  // volumes
  { name: "volumes [] forbids every volume", policies: [psp("a", `  volumes: []`)], pod: pod({ containers: [c()], volumes: [{ name: "e", emptyDir: {} }] }), want: "deny", errorIncludes: "emptyDir volumes are not allowed to be used" },
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
    errorIncludes: "spec.containers[0].securityContext.capabilities.add: Invalid value: \"SYS_ADMIN\": capability may not be added",
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
    errorIncludes: "spec.containers[0].securityContext.runAsUser: Invalid value: 3000: must be in the ranges: [{1000 2000}]",
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
    errorIncludes: "running with the root UID is forbidden",
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
    errorIncludes: "spec.securityContext.supplementalGroups: Invalid value: []int64{15, 30}: group 30 must be in the ranges: [{10 20}]",
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
    errorIncludes: "unable to validate against any pod security policy: []",
  },
  {
    name: "UPDATE skips a PSP whose defaults would change the pod even if it would validate",
    policies: [psp("a", anyVol, `    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'\n    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default`)],
    pod: pod({ containers: [c()] }),
    op: "UPDATE",
    want: "deny",
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
    input: { userInfo: { username: "alice" }, authorize: (_s, _v, name) => name !== "b-priv" },
    errorIncludes: "Privileged containers are not allowed",
  },
  {
    name: "service account authorization counts",
    policies: [psp("b-priv", `${anyVol}\n  privileged: true`)],
    pod: pod({ serviceAccountName: "builder", containers: [c({ securityContext: { privileged: true } })] }),
    want: "admit",
    input: { authorize: (s) => s.kind === "ServiceAccount" && s.name === "builder" },
  },
  { name: "no PSP at all denies", policies: [], pod: pod({ containers: [c()] }), want: "deny", errorIncludes: "" },
  // sysctls
  ...(
    [
      ["kernel.shm_rmid_forced", "", "", "admit"],
      ["kernel.msgmax", "", "", "deny"],
      ["kernel.msgmax", "[kernel.msg*]", "", "admit"],
      ["net.core.somaxconn", "['*']", "", "admit"],
      ["net.core.somaxconn", "[kernel.*]", "[net.core.*]", "deny"],
      ["net.ipv4.tcp_syncookies", "", "[net.ipv4.tcp_syncookies]", "deny"],
      ["kernel.msgmax", "[kernel.msgma]", "", "deny"],
    ] as const
  ).map(
    ([name, allowed, forbid, want]): Row => ({
      name: `sysctl ${name} allowed=${allowed || "-"} forbidden=${forbid || "-"}`,
      policies: [psp("a", `${anyVol}${allowed ? `\n  allowedUnsafeSysctls: ${allowed}` : ""}${forbid ? `\n  forbiddenSysctls: ${forbid}` : ""}`)],
      pod: pod({ securityContext: { sysctls: [{ name, value: "1" }] }, containers: [c()] }),
      want,
    }),
  ),
  // procMount, hostPorts, runtimeClass, seccomp, apparmor
  { name: "procMount Unmasked needs allowedProcMountTypes", policies: [psp("a", anyVol)], pod: pod({ containers: [c({ securityContext: { procMount: "Unmasked" } })] }), want: "deny" },
  {
    name: "hostPort in an ephemeral container is checked",
    policies: [psp("a", `${anyVol}\n  hostPorts: [{min: 80, max: 80}]`)],
    pod: pod({ containers: [c()], ephemeralContainers: [{ name: "dbg", image: "busybox", ports: [{ containerPort: 81, hostPort: 81 }] }] }),
    want: "deny",
    errorIncludes: "spec.ephemeralContainers[0].hostPort: Invalid value: 81: Host port 81 is not allowed to be used. Allowed ports: [80]",
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
    errorIncludes: "unconfined is not an allowed seccomp profile",
  },
  {
    name: "seccomp set without an allowed list",
    policies: [psp("a", anyVol)],
    pod: pod({ containers: [c({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } })] }),
    want: "deny",
    errorIncludes: "seccomp may not be set",
  },
  {
    name: "AppArmor allowed list requires a profile",
    policies: [psp("a", anyVol, `    apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default`)],
    pod: pod({ containers: [c()] }),
    want: "deny",
    errorIncludes: "AppArmor profile must be set",
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
    expect(res.verdict, res.reason).toBe(r.want);
    if (r.policy !== undefined) expect(res.policy).toBe(r.policy);
    if (r.mutated !== undefined) expect(res.mutated).toBe(r.mutated);
    if (r.errorIncludes) expect(res.reason ?? "").toContain(r.errorIncludes);
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
    expect(res.verdict).toBe("admit");
    expect(res.ignored).toBeDefined();
  });
});

describe("fixtures/psp", () => {
  const FIX = path.resolve(process.cwd(), "fixtures/psp");
  const restricted = parsePspFile(readFileSync(path.join(FIX, "restricted.yaml"), "utf8"), "fixtures/psp/restricted.yaml");
  const files = readdirSync(path.join(FIX, "pods")).filter((f) => f.endsWith(".yaml")).sort();

  it("has allowed and disallowed pods", () => {
    expect(files.some((f) => f.startsWith("allowed-"))).toBe(true);
    expect(files.some((f) => f.startsWith("disallowed-"))).toBe(true);
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
