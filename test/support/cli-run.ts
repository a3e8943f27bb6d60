// Running `migrate` in-process for table-driven CLI tests: main() with captured streams, and a scratch folder of tiny
// inputs (gaps in each converter, a Rego rule the VAP does not carry, kaptest manifests) that rows name as `$T/…`.
// The folder is made with mkdtemp and removed by the caller's afterAll. No assertions here: tests assert.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `migrate ARGS…` in-process; `$T/` at the start of an argument is replaced by `scratch`. */
export async function runMigrate(args: readonly string[], scratch = ""): Promise<CliRun> {
  let out = "";
  let err = "";
  const argv = args.map((a) => (a.startsWith("$T/") ? path.join(scratch, a.slice(3)) : a));
  const code = await main(["node", "migrate", ...argv], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const FIXTURES = path.resolve("fixtures");

/** fixtures/psp/restricted.yaml plus `runAsGroup: MustRunAs` (appended to its spec, the file's last block): it
 *  converts with an `unverified` gap (psp.runAsGroup.pod-level) and still admits and denies the fixtures/psp/pods. */
const pspGap = (): string => readFileSync(path.join(FIXTURES, "psp/restricted.yaml"), "utf8") + "  runAsGroup:\n    rule: MustRunAs\n    ranges:\n      - min: 1\n        max: 65535\n";

/** A Kyverno pattern with a `{{ }}` variable: converts with one `stricter` gap (the VAP denies every pod). */
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
      validate:
        message: the app label must be the pod name
        pattern:
          metadata:
            labels:
              app: "{{request.object.metadata.name}}"
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
