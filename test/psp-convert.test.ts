// PSP → VAP/MAP conversion: per-field CEL fragments, gaps, type-checking of every generated expression in the
// admission environment, and verdicts of (MAP → VAP) replay against the PSP admission engine and the appvia
// per-field fixtures (allowed must be admitted, disallowed denied).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { convertPsps, type ConvertOptions } from "../converters/psp/convert.js";
import { admitPod } from "../converters/psp/engine/index.js";
import type { PodSecurityPolicy, PodSecurityPolicySpec } from "../converters/psp/model.js";
import { parsePspFile } from "../converters/psp/parse.js";
import { authzBindings, type AuthzAttributes, type AuthzDecide } from "../src/cel/k8s/authz.js";
import { k8sLibraries, mapLibraries } from "../src/cel/k8s/index.js";
import { stdLibraries } from "../src/cel/stdlib/index.js";
import { T } from "../src/cel/types.js";
import { toJSON, type Value } from "../src/cel/values.js";
import { admissionEnv, compileAdmission, requestValue } from "../src/vap/celenv.js";
import { renderYaml } from "../src/cli/shared.js";
import { validatePolicy } from "../src/vap/compilepolicy.js";
import { evaluate } from "../src/vap/engine.js";
import { requestForObject } from "../src/vap/load.js";
import { objectToCel } from "../src/vap/objects.js";
import { applyMutatingPolicies, compileMutatingPolicy } from "../src/vap/mutating.js";
import type { KObject, MutatingAdmissionPolicy, MutatingAdmissionPolicyBinding, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";

const CORPUS = path.resolve(process.cwd(), "../shared/corpus");
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) {
  if (process.env.CI === "true") throw new Error(`corpus missing at ${CORPUS}`);
  console.warn(`[psp-convert] corpus not found at ${CORPUS}: corpus tests skipped`);
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

type Obj = Record<string, unknown>;

function psp(name: string, spec: Partial<PodSecurityPolicySpec>, annotations?: Record<string, string>): PodSecurityPolicy {
  return {
    apiVersion: "policy/v1beta1",
    kind: "PodSecurityPolicy",
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      seLinux: { rule: "RunAsAny" },
      runAsUser: { rule: "RunAsAny" },
      supplementalGroups: { rule: "RunAsAny" },
      fsGroup: { rule: "RunAsAny" },
      volumes: ["*"],
      allowPrivilegeEscalation: true,
      ...spec,
    },
    source: { file: "inline.yaml", line: 1 },
  };
}

function pod(spec: Obj, meta: Obj = {}): Obj {
  // as the API server hands it to admission: ServiceAccount admission has set serviceAccountName
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ...meta }, spec: { serviceAccountName: "default", ...spec } };
}
const ctr = (extra: Obj = {}): Obj => ({ name: "app", image: "nginx", ...extra });

const JSONPATCH_SCHEMA = new Map([["JSONPatch", new Map([["op", T.string], ["path", T.string], ["from", T.string], ["value", T.dyn]])]]);
const mapEnv = (version: string) =>
  admissionEnv({ version, hasParams: false, hasAuthorizer: true, libraries: [...stdLibraries, ...k8sLibraries, ...mapLibraries], objectSchemas: JSONPATCH_SCHEMA });

function setPointer(doc: unknown, ptr: string, op: string, value: unknown): void {
  const parts = ptr.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let cur = doc as Record<string, unknown> | unknown[];
  for (const p of parts.slice(0, -1)) cur = (Array.isArray(cur) ? cur[Number(p)] : cur[p]) as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur)) {
    if (last === "-") cur.push(value);
    else if (op === "add") cur.splice(Number(last), 0, value);
    else cur[Number(last)] = value;
  } else {
    if (op === "replace" && !(last in cur)) throw new Error(`replace of missing ${ptr}`);
    cur[last] = value;
  }
}

const ALICE = { username: "alice", groups: ["system:authenticated"] };
function authorizerFor(allowed: (user: string, name: string) => boolean): AuthzDecide {
  return (a: AuthzAttributes) =>
    ({ decision: a.verb === "use" && a.resource === "podsecuritypolicies" && allowed(a.user.username, a.name) ? "allow" : "noopinion" });
}

/** Run the MAPs of a conversion on a pod (CREATE), then the VAP; returns the verdict and the mutated pod. */
function replay(manifests: object[], p: Obj, authz?: AuthzDecide, operation: "CREATE" | "UPDATE" = "CREATE"): { verdict: string; pod: Obj; messages: string[] } {
  let cur = structuredClone(p);
  if (operation === "CREATE") {
    const maps = manifests.filter((m) => (m as Obj).kind === "MutatingAdmissionPolicy") as MutatingAdmissionPolicy[];
    const mapBindings = manifests.filter((m) => (m as Obj).kind === "MutatingAdmissionPolicyBinding") as MutatingAdmissionPolicyBinding[];
    const req = requestForObject(cur as KObject, { operation, userInfo: ALICE });
    const out = applyMutatingPolicies({ policies: maps, bindings: mapBindings, request: req, ...(authz ? { authorizer: authz } : {}) });
    if (out.error !== undefined) return { verdict: "error", pod: cur, messages: [out.error] };
    if (out.object) cur = structuredClone(out.object) as Obj;
  }
  const policies = manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[];
  const bindings = manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[];
  const request = requestForObject(cur as KObject, { operation, userInfo: ALICE, ...(operation === "UPDATE" ? { oldObject: cur as KObject } : {}) });
  const d = evaluate({ policies, bindings, request, ...(authz ? { authorizer: authz } : {}) });
  return { verdict: d.verdict, pod: cur, messages: d.messages };
}

function oracle(psps: PodSecurityPolicy[], p: Obj, operation: "CREATE" | "UPDATE" = "CREATE", allowed?: (user: string, name: string) => boolean): string {
  return admitPod({
    policies: psps,
    pod: structuredClone(p),
    ...(operation === "UPDATE" ? { oldPod: structuredClone(p) } : {}),
    operation,
    namespace: "default",
    userInfo: { username: "alice", groups: ["system:authenticated"] },
    ...(allowed
      ? { authorize: (s, _v, name) => allowed(s.kind === "User" ? s.user.username : `system:serviceaccount:${s.namespace}:${s.name}`, name) }
      : {}),
  }).verdict;
}

/** Compile errors of every MutatingAdmissionPolicy among the manifests (variables, conditions, mutations). */
function mapCompileErrors(manifests: object[]): string[] {
  const out: string[] = [];
  for (const m of manifests.filter((x) => (x as Obj).kind === "MutatingAdmissionPolicy") as MutatingAdmissionPolicy[]) {
    const c = compileMutatingPolicy(m);
    for (const v of c.base.variables) if (!v.compiled.ok) out.push(`${v.name}: ${v.compiled.error}`);
    for (const mu of c.mutations) if (!mu.compiled.ok) out.push(`mutation: ${mu.compiled.error}`);
  }
  return out;
}

function allExpressions(manifests: object[]): { kind: string; expr: string }[] {
  const out: { kind: string; expr: string }[] = [];
  for (const m of manifests as Obj[]) {
    const spec = m.spec as Obj;
    for (const k of ["matchConditions", "variables", "validations"]) {
      for (const e of (spec[k] as { expression: string }[] | undefined) ?? []) out.push({ kind: `${m.kind}.${k}`, expr: e.expression });
    }
    for (const mu of (spec.mutations as { jsonPatch: { expression: string } }[] | undefined) ?? []) out.push({ kind: "MAP.mutation", expr: mu.jsonPatch.expression });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// per-field CEL fragments

// Spelling of the emitted CEL is not tested here: behaviour is (replay through the engines below, and
// test/emit.test.ts evaluates emitted expressions on objects).

describe("generated expressions compile in the admission environment", () => {
  const sets: [string, PodSecurityPolicy[], ConvertOptions][] = [
    ["kitchen sink", [psp("k", {
      hostPorts: [{ min: 1, max: 2 }], volumes: ["secret", "hostPath", "flexVolume", "csi"], allowedHostPaths: [{ pathPrefix: "/a", readOnly: true }, { pathPrefix: "/b" }],
      allowedFlexVolumes: [{ driver: "d" }], allowedCSIDrivers: [{ name: "c" }], runAsUser: { rule: "MustRunAs", ranges: [{ min: 1, max: 5 }] },
      runAsGroup: { rule: "MustRunAs", ranges: [{ min: 1, max: 5 }] }, supplementalGroups: { rule: "MayRunAs", ranges: [{ min: 1, max: 5 }] },
      fsGroup: { rule: "MustRunAs", ranges: [{ min: 1, max: 5 }] }, seLinux: { rule: "MustRunAs", seLinuxOptions: { level: "s0:c1,c2", user: "u" } },
      readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, defaultAddCapabilities: ["CHOWN"], requiredDropCapabilities: ["ALL"], allowedCapabilities: ["KILL"],
      allowedProcMountTypes: ["Unmasked"], forbiddenSysctls: ["a.*"], allowedUnsafeSysctls: ["*"], runtimeClass: { allowedRuntimeClassNames: ["x"], defaultRuntimeClassName: "x" },
    }, { "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default,", "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default",
      "apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default", "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default" })], {}],
    ["controllers", [psp("a", { runAsUser: { rule: "MustRunAsNonRoot" } }), psp("b", {})], { controllers: true }],
  ];
  const withExamples = haveCorpus
    ? [...sets, ["official examples", readdirSync(path.join(CORPUS, "psp/examples")).filter((f) => f.endsWith(".yaml")).flatMap((f) => parsePspFile(readFileSync(path.join(CORPUS, "psp/examples", f), "utf8"), f)), {}] as [string, PodSecurityPolicy[], ConvertOptions]]
    : sets;
  it.each(withExamples)("%s", (_n, psps, opts) => {
    const r = convertPsps(psps, opts);
    const vap = r.manifests.find((m) => (m as Obj).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy;
    expect(validatePolicy(vap, undefined, "1.35")).toEqual([]);
    expect(mapCompileErrors(r.manifests)).toEqual([]);
  });
});

describe("target versions: output compiles in the target's compile environment (target − 1)", () => {
  const ks = psp("k", {
    runAsUser: { rule: "MustRunAsNonRoot" }, fsGroup: { rule: "MustRunAs", ranges: [{ min: 1, max: 5 }] }, requiredDropCapabilities: ["ALL"],
    seLinux: { rule: "MustRunAs", seLinuxOptions: { level: "s0:c1,c2" } }, allowedHostPaths: [{ pathPrefix: "/a", readOnly: true }],
  }, { "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default", "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default" });
  it.each(["1.28", "1.29", "1.30", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"])("%s", (t) => {
    const r = convertPsps([ks, psp("b", {})], { targetVersion: t, controllers: true });
    const env = `1.${Number(t.split(".")[1]) - 1}`;
    const vap = r.manifests.find((m) => (m as Obj).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy;
    expect(validatePolicy(vap, undefined, env)).toEqual([]);
    expect(mapCompileErrors(r.manifests)).toEqual([]);
    const hasMap = r.manifests.some((m) => (m as Obj).kind === "MutatingAdmissionPolicy");
    expect(hasMap).toBe(Number(t.split(".")[1]) >= 33);
    expect(r.gaps.some((g) => g.rule === "k.defaults")).toBe(Number(t.split(".")[1]) < 36); // MAP not GA before 1.36
    expect(r.gaps.some((g) => g.rule === "controllers")).toBe(true); // template RBAC is advisory
  });
});

// ---------------------------------------------------------------------------------------------------------------
// official examples: no gaps

describe.skipIf(!haveCorpus)("official example PSPs", () => {
  const dir = path.join(CORPUS, "psp/examples");
  const files = haveCorpus ? readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
  it.each(files)("%s converts with no gap", (f) => {
    const psps = parsePspFile(readFileSync(path.join(dir, f), "utf8"), f);
    const r = convertPsps(psps, {});
    expect(r.gaps).toEqual([]);
    expect(r.status).toBe("converted");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// per-field fixtures: MAP → VAP replay agrees with the fixture and with the PSP engine

describe.skipIf(!haveCorpus)("official example PSPs: reviewable output", () => {
  const dir = path.join(CORPUS, "psp/examples");
  // characters of emitted CEL (--rbac ignore) before the conversion core; the budget is a quarter of that
  const BEFORE: Record<string, number> = { "baseline-psp.yaml": 59_755, "example-psp.yaml": 10_170, "privileged-psp.yaml": 3_601, "restricted-psp.yaml": 86_521 };
  const load = (f: string): PodSecurityPolicy[] => parsePspFile(readFileSync(path.join(dir, f), "utf8"), f);
  const celChars = (manifests: object[]): number => {
    let n = 0;
    for (const m of manifests as Obj[]) {
      const spec = m.spec as Obj;
      for (const k of ["matchConditions", "variables", "validations"])
        for (const e of (spec[k] as { expression: string; messageExpression?: string }[] | undefined) ?? []) n += e.expression.length + (e.messageExpression?.length ?? 0);
      for (const mu of (spec.mutations as { jsonPatch: { expression: string } }[] | undefined) ?? []) n += mu.jsonPatch.expression.length;
    }
    return n;
  };
  const files = Object.keys(BEFORE);
  it.each(files.flatMap((f) => ["1.28", "1.36"].map((t) => [f, t] as const)))("%s compiles for target %s", (f, t) => {
    const r = convertPsps(load(f), { targetVersion: t, rbac: "ignore" });
    const vap = r.manifests.find((m) => (m as Obj).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy;
    expect(validatePolicy(vap, undefined, `1.${Number(t.split(".")[1]) - 1}`)).toEqual([]);
    expect(mapCompileErrors(r.manifests)).toEqual([]);
  });
  it("restricted, baseline and all four: at most 25 % of the CEL emitted before; no YAML line over 120 columns", () => {
    const sizes = Object.fromEntries(files.map((f) => [f, celChars(convertPsps(load(f), { rbac: "ignore" }).manifests)]));
    console.log(`[psp-convert] emitted CEL characters: ${files.map((f) => `${f} ${BEFORE[f]} → ${sizes[f]}`).join(", ")}`);
    expect(sizes["restricted-psp.yaml"]!).toBeLessThanOrEqual(BEFORE["restricted-psp.yaml"]! / 4);
    expect(sizes["baseline-psp.yaml"]!).toBeLessThanOrEqual(BEFORE["baseline-psp.yaml"]! / 4);
    const total = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
    expect(total(sizes)).toBeLessThanOrEqual(total(BEFORE) / 4);
    for (const f of files) {
      const psps = load(f);
      const yaml = renderYaml(convertPsps(psps, { rbac: "ignore" }), { files: [f], label: "PodSecurityPolicies", names: psps.map((p) => p.metadata.name) });
      expect(yaml.split("\n").filter((l) => l.length > 120)).toEqual([]);
    }
  });
});

function fixturePods(dir: string, file: string): Obj[] {
  let text = readFileSync(path.join(dir, file), "utf8");
  const link = /^\.\.\/\.\.\/submodules\/gatekeeper-library\/library\/(\S+)$/.exec(text.trim());
  if (link) {
    const target = path.join(CORPUS, "gatekeeper", link[1]!);
    if (!existsSync(target)) return []; // sample not in this corpus copy
    text = readFileSync(target, "utf8");
  }
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o && o.kind === "Pod");
}

describe.skipIf(!haveCorpus)("per-field fixtures (appvia/psp-migration)", () => {
  const root = path.join(CORPUS, "psp/per-field");
  const dirs = haveCorpus ? readdirSync(root).filter((d) => existsSync(path.join(root, d, "psp.yaml"))) : [];
  const cases: [string, string, string, Obj, PodSecurityPolicy[]][] = [];
  for (const d of dirs) {
    const psps = parsePspFile(readFileSync(path.join(root, d, "psp.yaml"), "utf8"), `${d}/psp.yaml`);
    for (const [file, want] of [["allowed.yaml", "admit"], ["disallowed.yaml", "deny"]] as const) {
      if (!existsSync(path.join(root, d, file))) continue;
      fixturePods(path.join(root, d), file).forEach((p, i) => cases.push([`${d}/${file}#${i}`, want, d, p, psps]));
    }
  }
  it("has fixtures", () => expect(cases.length).toBeGreaterThan(40));
  it.each(cases)("%s → %s", (_id, want, _d, p, psps) => {
    const r = convertPsps(psps, { rbac: "ignore" });
    const got = replay(r.manifests, p);
    const truth = oracle(psps, p);
    expect({ vap: got.verdict, psp: truth }).toEqual({ vap: truth, psp: truth });
    // appvia's expectation, where the PSP engine agrees with it (some fixtures assume a live cluster)
    if (truth === want) expect(got.verdict).toBe(want);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// differential: multi-PSP sets, defaults, RBAC, UPDATE

describe("MAP → VAP agrees with the PSP engine", () => {
  // one conversion per (PSP set, options): every pod of a set replays through the same output
  const memo = new Map<string, ReturnType<typeof convertPsps>>();
  const converted = (psps: PodSecurityPolicy[], opts: ConvertOptions): ReturnType<typeof convertPsps> => {
    const k = JSON.stringify([psps.map((x) => x.metadata.name), opts]);
    let r = memo.get(k);
    if (!r) memo.set(k, (r = convertPsps(psps, opts)));
    return r;
  };
  const mutating = psp("b-mutating", {
    runAsUser: { rule: "MustRunAs", ranges: [{ min: 1000, max: 2000 }] },
    fsGroup: { rule: "MustRunAs", ranges: [{ min: 10, max: 20 }] },
    supplementalGroups: { rule: "MustRunAs", ranges: [{ min: 10, max: 20 }] },
    requiredDropCapabilities: ["ALL"],
    defaultAddCapabilities: ["NET_BIND_SERVICE"],
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    volumes: ["configMap", "secret", "emptyDir", "projected"],
  }, { "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default", "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default" });
  const nonRoot = psp("c-nonroot", { runAsUser: { rule: "MustRunAsNonRoot" }, allowPrivilegeEscalation: false, defaultAllowPrivilegeEscalation: false });
  const priv = psp("z-privileged", { privileged: true, hostNetwork: true, hostPID: true, hostIPC: true, allowedCapabilities: ["*"], hostPorts: [{ min: 0, max: 65535 }] },
    { "seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*" });
  const selinux = psp("d-selinux", { seLinux: { rule: "MustRunAs", seLinuxOptions: { level: "s0:c1,c2", type: "t" } }, runtimeClass: { allowedRuntimeClassNames: ["rc"], defaultRuntimeClassName: "rc" } },
    { "apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default,localhost/x", "apparmor.security.beta.kubernetes.io/defaultProfileName": "runtime/default" });
  const pods: [string, Obj][] = [
    ["plain", pod({ containers: [ctr()] })],
    ["privileged", pod({ containers: [ctr({ securityContext: { privileged: true } })] })],
    ["hostNetwork", pod({ hostNetwork: true, containers: [ctr()] })],
    ["root uid", pod({ containers: [ctr({ securityContext: { runAsUser: 0 } })] })],
    ["uid 1500", pod({ containers: [ctr({ securityContext: { runAsUser: 1500 } })] })],
    ["pod uid 1500 + init", pod({ securityContext: { runAsUser: 1500 }, initContainers: [ctr({ name: "i" })], containers: [ctr()] })],
    ["nonroot true", pod({ securityContext: { runAsNonRoot: true }, containers: [ctr({ securityContext: { allowPrivilegeEscalation: false } })] })],
    ["hostPath", pod({ containers: [ctr()], volumes: [{ name: "h", hostPath: { path: "/etc" } }] })],
    ["sa token projected", pod({ containers: [ctr()], volumes: [{ name: "t", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt" } }, { downwardAPI: { items: [] } }] } }] })],
    ["caps add SYS_ADMIN", pod({ containers: [ctr({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } })] })],
    ["drops ALL already", pod({ containers: [ctr({ securityContext: { capabilities: { drop: ["ALL"] }, runAsUser: 1200, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } })] })],
    ["fully defaulted for b", pod({
      securityContext: { fsGroup: 10, supplementalGroups: [10], seccompProfile: { type: "RuntimeDefault" } },
      containers: [ctr({ securityContext: { capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } })],
    })],
    ["seccomp unconfined", pod({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [ctr()] })],
    ["selinux reordered", pod({ securityContext: { seLinuxOptions: { level: "s0:c2,c1", type: "t" } }, runtimeClassName: "rc", containers: [ctr()] }, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "localhost/x" } })],
    ["selinux wrong type", pod({ containers: [ctr({ securityContext: { seLinuxOptions: { type: "other" } } })] })],
    ["sysctl unsafe", pod({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }] }, containers: [ctr()] })],
    ["ephemeral privileged", pod({ containers: [ctr()], ephemeralContainers: [ctr({ name: "dbg", securityContext: { privileged: true } })] })],
    ["hostPort 80", pod({ containers: [ctr({ ports: [{ containerPort: 80, hostPort: 80 }] })] })],
  ];
  const sets: [string, PodSecurityPolicy[]][] = [
    ["mutating only", [mutating]],
    ["nonroot only", [nonRoot]],
    ["selinux only", [selinux]],
    ["mutating + nonroot", [mutating, nonRoot]],
    ["all four", [mutating, nonRoot, selinux, priv]],
    ["nonroot + privileged", [nonRoot, priv]],
  ];
  const cases = sets.flatMap(([sn, ps]) => pods.map(([pn, p]) => [`${sn} / ${pn}`, ps, p] as [string, PodSecurityPolicy[], Obj]));
  it.each(cases)("CREATE %s", (_id, psps, p) => {
    const r = converted(psps, { rbac: "ignore" });
    const got = replay(r.manifests, p);
    expect(got.verdict).toBe(oracle(psps, p));
    // the project's MAP engine produces the same mutated pod as this file's minimal JSONPatch runner
    const out = applyMutatingPolicies({
      policies: r.manifests.filter((m) => (m as Obj).kind === "MutatingAdmissionPolicy") as MutatingAdmissionPolicy[],
      bindings: r.manifests.filter((m) => (m as Obj).kind === "MutatingAdmissionPolicyBinding") as MutatingAdmissionPolicyBinding[],
      request: requestForObject(structuredClone(p) as KObject, { userInfo: ALICE }),
    });
    expect(out.error).toBeUndefined();
    expect(out.object).toEqual(got.pod);
  });
  it.each(cases)("UPDATE %s", (_id, psps, p) => {
    const r = converted(psps, { rbac: "ignore" });
    // a GC-only update is skipped by both; compare a real update (label change) instead
    const q = structuredClone(p);
    expect(replay(r.manifests, q, undefined, "UPDATE").verdict).toBe("skip");
    const changed = { ...q, metadata: { ...(q.metadata as Obj), labels: { x: "y" } } };
    const got = evaluate({
      policies: r.manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicy") as ValidatingAdmissionPolicy[],
      bindings: r.manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[],
      request: requestForObject(changed as KObject, { operation: "UPDATE", oldObject: q as KObject }),
    }).verdict;
    const truth = admitPod({ policies: psps, pod: changed, oldPod: q, operation: "UPDATE", namespace: "default" }).verdict;
    expect(got).toBe(truth);
  });
  const rbacCases: [string, (u: string, n: string) => boolean][] = [
    ["nobody may use", () => false],
    ["user may use z-privileged", (u, n) => u === "alice" && n === "z-privileged"],
    ["sa may use c-nonroot", (u, n) => u === "system:serviceaccount:default:default" && n === "c-nonroot"],
    ["user may use b-mutating only", (u, n) => u === "alice" && n === "b-mutating"],
  ];
  const rbacAll = rbacCases.flatMap(([rn, f]) => pods.map(([pn, p]) => [`${rn} / ${pn}`, f, p] as [string, (u: string, n: string) => boolean, Obj]));
  it.each(rbacAll)("RBAC %s", (_id, allowed, p) => {
    const psps = [mutating, nonRoot, selinux, priv];
    const r = converted(psps, {});
    const got = replay(r.manifests, p, authorizerFor(allowed));
    expect(got.verdict === "error" ? got.messages : got.verdict).toBe(oracle(psps, p, "CREATE", allowed));
  });
  it("deny messages name the failing fields per PSP", () => {
    const r = convertPsps([nonRoot], { rbac: "ignore" });
    const got = replay(r.manifests, pod({ containers: [ctr({ securityContext: { runAsUser: 0, allowPrivilegeEscalation: false } })] }));
    expect(got.verdict).toBe("deny");
    expect(got.messages.join("\n")).toContain("c-nonroot: containers[app].securityContext");
  });
});

describe("a gap points at the PSP field it comes from, not the document", () => {
  const text = `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: gappy
spec:
  privileged: false
  seLinux: {rule: RunAsAny}
  runAsUser: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
  volumes: [configMap, secret]
  runAsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 5}]}
`;
  it.each([
    ["psp.volumes.projected-sa-token", 11],
    ["psp.runAsGroup.pod-level", 12],
  ])("%s → line %i", (id, line) => {
    const r = convertPsps(parsePspFile(text, "gappy.yaml"));
    expect(r.gaps.find((g) => g.id === id)).toMatchObject({ line, file: "gappy.yaml" });
  });
});
