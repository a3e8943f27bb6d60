// Running `migrate` in-process for table-driven CLI tests: main() with captured streams, and a scratch folder of tiny
// inputs (gaps in each converter, a Rego rule the VAP does not carry, kaptest manifests, kyverno test and gator suites
// whose policies convert with gaps) that rows name as `$T/…`.
// The folder is made with mkdtemp and removed by the caller's afterAll; tempDirs() does the same for the folders a
// test file makes on its own. No assertions here: tests assert.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { withStdin } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `migrate ARGS…` in-process; `$T/` at the start of an argument is replaced by `scratch`; `stdin` is what `-`
 *  reads (empty unless given: an in-process run never reads the test runner's own standard input). */
export async function runMigrate(args: readonly string[], scratch = "", stdin = ""): Promise<CliRun> {
  let out = "";
  let err = "";
  const argv = args.map((a) => (a.startsWith("$T/") ? path.join(scratch, a.slice(3)) : a));
  const code = await withStdin(stdin, () => main(["node", "migrate", ...argv], { out: (s) => void (out += s), err: (s) => void (err += s) }));
  return { code, out, err };
}

const FIXTURES = path.resolve("fixtures");

/** fixtures/psp/restricted.yaml plus `runAsGroup: MustRunAs` (appended to its spec, the file's last block): it
 *  converts with an `unverified` gap (psp.runAsGroup.pod-level) and still admits and denies the fixtures/psp/pods. */
const pspGap = (): string => readFileSync(path.join(FIXTURES, "psp/restricted.yaml"), "utf8") + "  runAsGroup:\n    rule: MustRunAs\n    ranges:\n      - min: 1\n        max: 65535\n";

/** A Kyverno rule excluding a cluster role: converts with one `stricter` gap (a VAP cannot see the requester's roles). */
const KYVERNO_GAP = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: name-label
spec:
  validationFailureAction: Enforce
  rules:
    - name: label-is-name
      match:
        any:
          - resources:
              kinds: [Pod]
      exclude:
        any:
          - clusterRoles: [cluster-admin]
      validate:
        message: the app label must be the pod name
        pattern:
          metadata:
            labels:
              app: "{{request.object.metadata.name}}"
`;

/** A `kyverno test` suite over KYVERNO_GAP: the pod's app label is not its name, so the Kyverno engine fails it as
 *  the suite expects and the VAP agrees. Every case passes; the conversion is partial. */
const KYVERNO_GAP_SUITE = `apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: name-label
policies:
  - ../kyverno-gap.yaml
resources:
  - pods.yaml
results:
  - policy: name-label
    rule: label-is-name
    resources: [web]
    kind: Pod
    result: fail
`;

const KYVERNO_GAP_PODS = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: api}
spec:
  containers:
    - name: web
      image: nginx
`;

/** A template with only K8sNativeValidation code, and its constraint: status unsupported, one `weaker` gap. */
const GATEKEEPER_CEL_ONLY = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8scelonly
spec:
  crd:
    spec:
      names:
        kind: K8sCelOnly
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            validations:
              - expression: "true"
                message: never
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sCelOnly
metadata:
  name: cel-only
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
`;

/** A gator suite whose template converts partially: its first violation reads data.inventory (a gap), the second
 *  (hostNetwork) converts. The case's pod sets hostNetwork, so gator, the Rego engine and the VAP all deny. */
const GATOR_GAP = {
  "gator-gap/template.yaml": `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8suniquehostpod
spec:
  crd:
    spec:
      names:
        kind: K8sUniqueHostPod
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8suniquehostpod

        violation[{"msg": msg}] {
          other := data.inventory.namespace[ns][_]["Pod"][name]
          name == input.review.object.metadata.name
          msg := sprintf("pod name %v is already used in namespace %v", [name, ns])
        }

        violation[{"msg": msg}] {
          input.review.object.spec.hostNetwork == true
          msg := "hostNetwork is not allowed"
        }
`,
  "gator-gap/constraint.yaml": `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sUniqueHostPod
metadata:
  name: unique-host-pod
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
`,
  "gator-gap/pod.yaml": `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  hostNetwork: true
  containers: [{name: web, image: nginx}]
`,
  "gator-gap/suite.yaml": `apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
tests:
  - name: unique-host-pod
    template: template.yaml
    constraint: constraint.yaml
    cases:
      - name: host-network
        object: pod.yaml
        assertions:
          - violations: yes
`,
};

/** Two deny rules; the second uses units.parse_bytes, which the Rego engine runs but the VAP leaves out (a gap). */
const REGO_GAP = `package sized

import rego.v1

deny contains "team blocked" if input.request.object.metadata.labels.team == "blocked"

deny contains "too big" if units.parse_bytes(input.request.object.metadata.annotations.size) > 1024
`;

/** A deny rule calling a builtin the Rego engine does not have (OPA's http.send). */
const REGO_UNKNOWN_BUILTIN = `package lookup

import rego.v1

deny contains "lookup failed" if http.send({"method": "GET", "url": "http://127.0.0.1:1/"}).status_code != 200
`;

const review = (size: string): string => `apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request:
  uid: "1"
  kind: {group: "", version: v1, kind: Pod}
  resource: {group: "", version: v1, resource: pods}
  operation: CREATE
  namespace: shop
  name: web
  object:
    apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop, labels: {team: ok}, annotations: {size: "${size}"}}
    spec:
      containers: [{name: web, image: nginx}]
`;

/** Two complete-rule definitions that disagree for input {"a": 1, "b": 2}: an eval_conflict_error. */
const REGO_CONFLICT = `package p

import rego.v1

x := input.a if true

x := input.b if true
`;

/** A kaptest manifest over fixtures/eval (max-replicas, 7 replicas in prod: denied). */
const kaptest = (expect: string): string =>
  JSON.stringify({
    policies: [path.join(FIXTURES, "eval/replicas-policy.yaml")],
    resources: [path.join(FIXTURES, "eval/deployment-7.yaml")],
    vapTestSuites: [{ policy: "max-replicas", tests: [{ object: { kind: "Deployment", namespace: "prod", name: "web" }, expect }] }],
  });

/** Every scratch input by file name (made when the folder is). */
const scratchFiles = (): Record<string, string> => ({
  "psp-gap.yaml": pspGap(),
  "kyverno-gap.yaml": KYVERNO_GAP,
  "kyverno-gap-test/kyverno-test.yaml": KYVERNO_GAP_SUITE,
  "kyverno-gap-test/pods.yaml": KYVERNO_GAP_PODS,
  ...GATOR_GAP,
  "gatekeeper-cel-only.yaml": GATEKEEPER_CEL_ONLY,
  "sized.rego": REGO_GAP,
  "lookup.rego": REGO_UNKNOWN_BUILTIN,
  "conflict.rego": REGO_CONFLICT,
  "ab.json": '{"a": 1, "b": 2}\n',
  "broken.rego": "package broken\n\nthis is not rego (\n",
  "small/review.yaml": review("1"),
  "big/review.yaml": review("2Ki"),
  "kaptest-pass/kaptest.json": kaptest("deny"),
  "kaptest-fail/kaptest.json": kaptest("admit"),
  "not-kaptest/kaptest.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
  "bad.yaml": "a: [1,\n  b: c\n",
});

/**
 * A new scratch folder holding every input above, plus `wrong-expectation/disallowed-hardened.yaml`: a pod the
 * restricted PSP admits, named as one that must be denied (a failing `migrate verify` case).
 */
export function makeScratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "migrate-cli-"));
  for (const [name, text] of Object.entries(scratchFiles())) {
    const file = path.join(dir, name);
    mkdirFor(file);
    writeFileSync(file, text);
  }
  const wrong = path.join(dir, "wrong-expectation", "disallowed-hardened.yaml");
  mkdirFor(wrong);
  copyFileSync(path.join(FIXTURES, "psp/pods/allowed-hardened.yaml"), wrong);
  return dir;
}

function mkdirFor(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
}

/** Remove a folder made by makeScratch (nothing is left in the system temp dir). */
export function removeScratch(dir: string): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Folders a test file makes in the system temp dir (`make`, named PREFIX-XXXXXX), all removed by `removeAll` (its
 *  afterAll), so a test run leaves nothing behind. */
export interface TempDirs {
  make(prefix: string): string;
  removeAll(): void;
}

export function tempDirs(): TempDirs {
  const made: string[] = [];
  return {
    make(prefix) {
      const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
