// parsePspFile: multi-document files, Lists, kinds, defaulting, and the API server's validation errors with the
// line they point at.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultPspSpec } from "../converters/psp/defaults.js";
import { parsePspFile, PspError } from "../converters/psp/parse.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

const head = (name = "p", annotations = "") => `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: ${name}
${annotations}spec:
`;
const strategies = `  runAsUser: {rule: RunAsAny}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
`;

interface Bad {
  name: string;
  text: string;
  /** The whole error text (PspError.detail), reported at `file:line: `. */
  message: string;
  line: number;
  /** A decoding error (YAML, kind, types, unknown field) rather than a field validation: PspError.errors is empty. */
  decoding?: boolean;
}

const bad: Bad[] = [
  {
    name: "unknown runAsUser rule",
    text: head() + `  runAsUser: {rule: Root}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n`,
    message: `spec.runAsUser.rule: Unsupported value: "Root": supported values: "MustRunAs", "MustRunAsNonRoot", "RunAsAny"`,
    line: 6,
  },
  {
    name: "missing fsGroup strategy",
    text: head() + `  runAsUser: {rule: RunAsAny}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n`,
    message: `spec.fsGroup.rule: Unsupported value: "": supported values: "MayRunAs", "MustRunAs", "RunAsAny"`,
    line: 5,
  },
  {
    name: "negative range min",
    text: head() + strategies.replace("runAsUser: {rule: RunAsAny}", "runAsUser:\n    rule: MustRunAs\n    ranges:\n      - min: -1\n        max: 10"),
    message: "spec.runAsUser.ranges[0].min: Invalid value: -1: min cannot be negative",
    line: 9,
  },
  {
    name: "min greater than max",
    text: head() + strategies.replace("fsGroup: {rule: RunAsAny}", "fsGroup:\n    rule: MustRunAs\n    ranges:\n    - {min: 10, max: 5}"),
    message: "spec.fsGroup.ranges[0].min: Invalid value: 10: min cannot be greater than max",
    line: 12,
  },
  {
    name: "runAsGroup MustRunAs without ranges",
    text: head() + strategies + "  runAsGroup: {rule: MustRunAs}\n",
    message: "spec.runAsGroup.ranges: Invalid value: []int64{}: must provide at least one range",
    line: 10,
  },
  {
    name: "host port range out of bounds",
    text: head() + strategies + "  hostPorts:\n  - min: 80\n    max: 70000\n",
    message: "spec.hostPorts[0].max: Invalid value: 70000: must be between 0 and 65535, inclusive",
    line: 12,
  },
  {
    name: "host port range reversed",
    text: head() + strategies + "  hostPorts:\n  - min: 90\n    max: 80\n",
    message: "spec.hostPorts[0].min: Invalid value: 90: min cannot be greater than max",
    line: 11,
  },
  {
    name: "unknown volume type",
    text: head() + strategies + "  volumes:\n  - emptyDir\n  - hostpath\n",
    message: `spec.volumes: Unsupported value: "hostpath": supported values: "*", "awsElasticBlockStore", "azureDisk", "azureFile", "cephFS", "cinder", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "iscsi", "nfs", "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume"`,
    line: 12,
  },
  {
    name: "empty allowedHostPaths prefix",
    text: head() + strategies + "  allowedHostPaths:\n  - pathPrefix: /ok\n  - readOnly: true\n",
    message: "spec.allowedHostPaths[1]: Required value: is required",
    line: 12,
  },
  {
    name: "allowedHostPaths with ..",
    text: head() + strategies + "  allowedHostPaths:\n  - pathPrefix: /var/../etc\n",
    message: `spec.allowedHostPaths[0]: Invalid value: "/var/../etc": must not contain '..'`,
    line: 11,
  },
  {
    name: "capability both allowed and required-drop",
    text: head() + strategies + "  requiredDropCapabilities: [NET_RAW]\n  allowedCapabilities:\n  - CHOWN\n  - NET_RAW\n",
    message: `allowedCapabilities: Invalid value: "NET_RAW": capability is listed in allowedCapabilities and requiredDropCapabilities`,
    line: 13,
  },
  {
    name: "requiredDrop with * allowed",
    text: head() + strategies + "  allowedCapabilities: ['*']\n  requiredDropCapabilities: [ALL]\n",
    message: `requiredDropCapabilities: Invalid value: []core.Capability{"ALL"}: must be empty when all capabilities are allowed by a wildcard`,
    line: 11,
  },
  {
    name: "defaultAllowPrivilegeEscalation true with allowPrivilegeEscalation false",
    text: head() + strategies + "  allowPrivilegeEscalation: false\n  defaultAllowPrivilegeEscalation: true\n",
    message: "spec.defaultAllowPrivilegeEscalation: Invalid value: true: Cannot set DefaultAllowPrivilegeEscalation to true without also setting AllowPrivilegeEscalation to true",
    line: 11,
  },
  {
    name: "sysctl lists overlap",
    text: head() + strategies + "  allowedUnsafeSysctls: ['kernel.msg*']\n  forbiddenSysctls:\n  - kernel.msgmax\n",
    message: `spec.forbiddenSysctls[0]: Invalid value: "kernel.msgmax": sysctl overlaps with kernel.msg*`,
    line: 12,
  },
  {
    name: "star with other sysctls",
    text: head() + strategies + "  forbiddenSysctls: ['*', 'kernel.msgmax']\n",
    message: "spec.forbiddenSysctls.items: Forbidden: if '*' is present, must not specify other sysctls",
    line: 10,
  },
  {
    name: "invalid sysctl pattern",
    text: head() + strategies + "  allowedUnsafeSysctls: ['Kernel.Bad']\n",
    message: "spec.allowedUnsafeSysctls[0]: Invalid value: \"Kernel.Bad\": must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]",
    line: 10,
  },
  {
    name: "procMount type",
    text: head() + strategies + "  allowedProcMountTypes: [Default, Masked]\n",
    message: `spec.allowedProcMountTypes[1]: Unsupported value: "Masked": supported values: "Default", "Unmasked"`,
    line: 10,
  },
  {
    name: "runtimeClass default not allowed",
    text: head() + strategies + "  runtimeClass:\n    allowedRuntimeClassNames: [gvisor]\n    defaultRuntimeClassName: kata\n",
    message: `spec.runtimeClass.allowedRuntimeClassNames: Required value: default "kata" must be allowed`,
    line: 12,
  },
  {
    name: "runtimeClass * with others",
    text: head() + strategies + "  runtimeClass:\n    allowedRuntimeClassNames: ['*', gvisor]\n",
    message: `spec.runtimeClass.allowedRuntimeClassNames: Invalid value: []string{"*", "gvisor"}: if '*' is present, must not specify other RuntimeClass names`,
    line: 11,
  },
  {
    name: "runtimeClass invalid name",
    text: head() + strategies + "  runtimeClass:\n    allowedRuntimeClassNames: [Bad_Name]\n",
    message: "spec.runtimeClass.allowedRuntimeClassNames[0]: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    line: 11,
  },
  {
    name: "seccomp annotation with a bad profile",
    text: head("p", "  annotations:\n    seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default,bogus\n") + strategies,
    message: `metadata.annotations[seccomp.security.alpha.kubernetes.io/allowedProfileNames]: Invalid value: "bogus": must be a valid seccomp profile`,
    line: 6,
  },
  {
    name: "seccomp trailing comma (empty profile) is not creatable",
    text: head("p", "  annotations:\n    seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'runtime/default,'\n") + strategies,
    message: `metadata.annotations[seccomp.security.alpha.kubernetes.io/allowedProfileNames]: Invalid value: "": must be a valid seccomp profile`,
    line: 6,
  },
  {
    name: "apparmor annotation without localhost/ prefix",
    text: head("p", "  annotations:\n    apparmor.security.beta.kubernetes.io/defaultProfileName: myprofile\n") + strategies,
    message: `metadata.annotations[apparmor.security.beta.kubernetes.io/defaultProfileName]: Invalid value: "myprofile": invalid AppArmor profile name: "myprofile"`,
    line: 6,
  },
  {
    name: "invalid metadata name",
    text: head("Bad_Name") + strategies,
    message: "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    line: 4,
  },
  {
    name: "wrong type",
    text: head() + strategies + "  privileged: 'yes'\n",
    message: `spec.privileged: expected a boolean, got "yes"`,
    decoding: true,
    line: 10,
  },
  {
    name: "unknown field",
    text: head() + strategies + "  privilegd: true\n",
    message: `unknown field "spec.privilegd"`,
    decoding: true,
    line: 10,
  },
  {
    name: "other kind",
    text: "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
    message: `expected kind PodSecurityPolicy, got "Pod"`,
    decoding: true,
    line: 2,
  },
  {
    name: "unsupported apiVersion",
    text: head().replace("policy/v1beta1", "policy/v1") + strategies,
    message: `unsupported apiVersion "policy/v1" for PodSecurityPolicy (want policy/v1beta1 or extensions/v1beta1)`,
    decoding: true,
    line: 1,
  },
  {
    name: "YAML syntax error in the second document",
    text: head() + strategies + "---\napiVersion: policy/v1beta1\nkind: [oops\n",
    message: "invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    decoding: true,
    line: 13, // where the parser notices the unclosed flow sequence (end of input)
  },
  {
    name: "error inside a List item points at the item",
    text: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: policy/v1beta1\n  kind: PodSecurityPolicy\n  metadata: {name: a}\n  spec:\n    runAsUser: {rule: Nope}\n    seLinux: {rule: RunAsAny}\n    supplementalGroups: {rule: RunAsAny}\n    fsGroup: {rule: RunAsAny}\n",
    message: `spec.runAsUser.rule: Unsupported value: "Nope": supported values: "MustRunAs", "MustRunAsNonRoot", "RunAsAny"`,
    line: 8,
  },
];

/** What `f` throws (undefined when it returns). */
function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("parsePspFile rejects invalid PSPs with file:line", () => {
  it.each(bad.map((b) => [b.name, b] as const))("%s", (_n, b) => {
    const err = caught(() => parsePspFile(b.text, "in.yaml"));
    expect(err).toBeInstanceOf(PspError);
    const pe = err as PspError;
    expect({ file: pe.file, line: pe.line, detail: pe.detail, message: pe.message, errors: pe.errors }).toEqual({
      file: "in.yaml",
      line: b.line,
      detail: b.message,
      message: `in.yaml:${b.line}: ${b.message}`,
      errors: b.decoding ? [] : [{ message: b.message, line: b.line }],
    });
  });
});

describe("parsePspFile accepts valid PSPs", () => {
  it("multi-document file, List, both API groups, defaults applied", () => {
    const text = [
      head("b") + strategies,
      head("a").replace("policy/v1beta1", "extensions/v1beta1") + strategies + "  allowPrivilegeEscalation: false\n",
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: policy/v1beta1\n  kind: PodSecurityPolicy\n  metadata: {name: c}\n  spec: {runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}\n",
    ].join("---\n");
    const ps = parsePspFile(text, "m.yaml");
    expect(ps.map((p) => [p.metadata.name, p.apiVersion, p.spec.allowPrivilegeEscalation, p.source.line])).toEqual([
      ["b", "policy/v1beta1", true, 1],
      ["a", "extensions/v1beta1", false, 11],
      ["c", "policy/v1beta1", true, 25],
    ]);
  });
  it("ignores other kinds when asked", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + head() + strategies;
    expect(parsePspFile(text, "m.yaml", { ignoreOtherKinds: true }).map((p) => p.metadata.name)).toEqual(["p"]);
  });
  it("refuses alias bombs", () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(caught(() => parsePspFile(bomb, "bomb.yaml"))).toEqual(
      new PspError("Excessive alias count indicates a resource exhaustion attack (YAML aliases are limited to 100)", "bomb.yaml", 1),
    );
  });
  it("refuses oversized input", () => {
    expect(caught(() => parsePspFile("#".repeat(17 * 1024 * 1024), "big.yaml"))).toEqual(new PspError("input is 17825792 bytes; the limit is 16777216", "big.yaml", 1));
  });
  it("defaults only allowPrivilegeEscalation", () => {
    const d = defaultPspSpec({ runAsUser: { rule: "RunAsAny" }, seLinux: { rule: "RunAsAny" }, supplementalGroups: { rule: "RunAsAny" }, fsGroup: { rule: "RunAsAny" } });
    expect(d.applied).toEqual([{ field: "spec.allowPrivilegeEscalation", value: true }]);
    expect(defaultPspSpec({ ...d.spec, allowPrivilegeEscalation: false }).applied).toEqual([]);
  });
  it("PSP with MustRunAs and no ranges is creatable (the API server only failed it at admission)", () => {
    const ps = parsePspFile(head() + strategies.replace("runAsUser: {rule: RunAsAny}", "runAsUser: {rule: MustRunAs}"), "x.yaml");
    expect(ps[0]!.spec.runAsUser.rule).toBe("MustRunAs");
  });
});

describe.skipIf(!haveCorpus("psp-parse", "psp/examples", "psp/per-field"))("corpus PSPs", () => {
  it("parses every corpus PSP (official examples and per-field)", () => {
    const examples = corpusPath("psp/examples");
    const perField = corpusPath("psp/per-field");
    const files = [
      ...readdirSync(examples).filter((f) => f.endsWith(".yaml")).map((f) => path.join(examples, f)),
      ...readdirSync(perField).filter((d) => existsSync(path.join(perField, d, "psp.yaml"))).map((d) => path.join(perField, d, "psp.yaml")),
    ];
    expect(files.length).toBe(28);
    for (const f of files) expect(parsePspFile(readFileSync(f, "utf8"), f).length).toBe(1);
  });
});
