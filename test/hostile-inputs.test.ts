// Hostile input for every command, one row each: empty and binary files, /dev/null and /dev/zero, a FIFO, a directory
// where a file is expected, broken symbolic links and link loops, a file over the size limit, an alias bomb, nesting
// past the limits (YAML and CEL), invalid YAML, wrong field types, unknown kinds, `-` with bad standard input,
// `--out` into a file, bad flags. Each row asserts the exit code, the first line of stderr, that no stack trace is
// printed and that nothing is written in the scratch folder. A second table runs `-` (standard input) through every
// command that takes a file. Runs main() in-process (support/cli-run.ts); the scratch folder is removed afterwards.
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveKubectlScalar } from "../src/input/kubectl-schema.js";
import { LIMITS, parseDocuments } from "../src/input/yaml.js";
import { makeScratch, removeScratch, runMigrate } from "./support/cli-run.js";

interface Row {
  command: string;
  situation: string;
  /** `migrate` arguments; `$T/…` names a scratch input (hostile ones are under `$T/h/`). */
  args: readonly string[];
  /** What `-` reads. */
  stdin?: string;
  code: 2 | 1;
  /** The first line of stderr. */
  first: RegExp;
  /** The error, when progress lines come first: the last line of stderr (the only `error:` line). */
  last?: RegExp;
}

const F = "fixtures";
const PSP = `${F}/psp/restricted.yaml`;
const KYV = `${F}/kyverno/disallow-host-namespaces.yaml`;
const GK = [`${F}/gatekeeper/template.yaml`, `${F}/gatekeeper/constraint.yaml`];
const E = `${F}/eval`;
const POLICY = `${E}/replicas-policy.yaml`;
const REQUEST = `${E}/deployment-3.yaml`;
const REGO = `${F}/rego/admission/policy.rego`;
const DUMP = `${F}/impact/dump.yaml`;

const deepCel = (n: number): string => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: deep}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
    - expression: "${"(".repeat(n)}true${")".repeat(n)}"
`;

const aliasBomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n") + "\n";

/** The hostile inputs, by path under `h/`. */
const HOSTILE: Record<string, string | Buffer> = {
  "empty.yaml": "",
  "comments.yaml": "# nothing here\n---\n# nor here\n",
  "binary.yaml": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10]),
  "binary.rego": Buffer.from([0x00, 0x01, 0x02, 0x70, 0x61, 0x63, 0x6b]),
  "alias-bomb.yaml": aliasBomb,
  "deep-flow.yaml": `a: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`,
  "deep-block.yaml": Array.from({ length: LIMITS.maxDepth + 20 }, (_, i) => `${"  ".repeat(i)}k:`).join("\n") + " x\n",
  "deep-cel.yaml": deepCel(3000),
  "invalid.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n",
  "tab-indent.yaml": "a:\n\tb: c\n",
  "duplicate-keys.yaml": "apiVersion: v1\napiVersion: v2\nkind: Pod\n",
  "psp-wrong-types.yaml": "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: x}\nspec: [1, 2]\n",
  "vap-wrong-types.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: {validations: 5}\n",
  "vap-expression-number.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: {validations: [{expression: 5}]}\n",
  "vap-spec-list.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: [1, 2]\n",
  "vap-operations-string.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: CREATE, resources: [deployments]}]\n  validations: [{expression: \"true\"}]\n",
  "vap-unknown-field.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]\n  validation: [{expression: \"true\"}]\n",
  "vap-selector-operator.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]\n    objectSelector: {matchExpressions: [{key: app, operator: Equals, values: [web]}]}\n  validations: [{expression: \"true\"}]\n",
  "binding-actions-string.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]\n  validations: [{expression: \"true\"}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: Deny\n",
  "binding-actions-block.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]\n  validations: [{expression: \"true\"}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Block]\n",
  "binding-paramref-both.yaml": "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]\n  validations: [{expression: \"true\"}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Deny]\n  paramRef: {name: a, selector: {}, parameterNotFoundAction: Deny}\n",
  "request-no-kind.yaml": "apiVersion: apps/v1\nmetadata: {name: x}\nspec: {replicas: 1}\n",
  "request-bad-operation.yaml": "apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  operation: CREAT\n  object: {apiVersion: apps/v1, kind: Deployment, metadata: {name: x}}\n",
  "unknown-kind.yaml": "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: x}\n",
  "scalar.yaml": "just a string\n",
  "nan.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {priority: .nan}\n",
  "two-requests.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
  "adir/.keep": "",
  "notes.txt": "not a policy\n",
};

let scratch = "";
beforeAll(() => {
  scratch = makeScratch();
  const h = (p: string): string => path.join(scratch, "h", p);
  for (const [name, body] of Object.entries(HOSTILE)) {
    mkdirSync(path.dirname(h(name)), { recursive: true });
    writeFileSync(h(name), body);
  }
  // over the size limit by a mebibyte, as text (a stat-based check and a read-based one both refuse it)
  writeFileSync(h("big.yaml"), Buffer.alloc(LIMITS.maxBytes + (1 << 20), "#"));
  execFileSync("mkfifo", [h("fifo.yaml")]);
  symlinkSync(h("missing-target.yaml"), h("broken.yaml"));
  // a directory holding a policy-named broken link; one holding a link to itself; one holding a link to its parent
  mkdirSync(h("with-broken"));
  symlinkSync(h("gone.yaml"), h("with-broken/policy.yaml"));
  mkdirSync(h("with-loop"));
  symlinkSync(h("with-loop/self.yaml"), h("with-loop/self.yaml"));
  mkdirSync(h("cycle/with-cycle"), { recursive: true });
  writeFileSync(h("cycle/with-cycle/psp.yaml"), readFileSync(PSP));
  symlinkSync("..", h("cycle/with-cycle/up"));
});
afterAll(() => removeScratch(scratch));

const ROWS: readonly Row[] = [
  // psp
  { command: "psp", situation: "an empty file", args: ["psp", "$T/h/empty.yaml"], code: 2, first: /^error: .*empty\.yaml: no PodSecurityPolicy found$/ },
  { command: "psp", situation: "only comments", args: ["psp", "$T/h/comments.yaml"], code: 2, first: /^error: .*comments\.yaml: no PodSecurityPolicy found$/ },
  { command: "psp", situation: "binary junk", args: ["psp", "$T/h/binary.yaml"], code: 2, first: /^error: .*binary\.yaml: binary file, not YAML$/ },
  { command: "psp", situation: "/dev/null", args: ["psp", "/dev/null"], code: 2, first: /^error: \/dev\/null: not a regular file \(a character device\)/ },
  { command: "psp", situation: "/dev/zero (never read to the end)", args: ["psp", "/dev/zero"], code: 2, first: /^error: \/dev\/zero: not a regular file \(a character device\)/ },
  { command: "psp", situation: "a FIFO (never opened blocking)", args: ["psp", "$T/h/fifo.yaml"], code: 2, first: /^error: .*fifo\.yaml: not a regular file \(a FIFO\): pipe it into `-` instead$/ },
  { command: "psp", situation: "a broken symbolic link", args: ["psp", "$T/h/broken.yaml"], code: 2, first: /^error: .*broken\.yaml: broken symbolic link \(its target does not exist\)$/ },
  { command: "psp", situation: "a directory holding a broken link", args: ["psp", "$T/h/with-broken"], code: 2, first: /^error: .*with-broken\/policy\.yaml: broken symbolic link/ },
  { command: "psp", situation: "a directory holding a link loop", args: ["psp", "$T/h/with-loop"], code: 2, first: /^error: .*with-loop\/self\.yaml: symbolic link loop/ },
  { command: "psp", situation: "a directory linking to its parent", args: ["psp", "$T/h/cycle/with-cycle"], code: 2, first: /^error: .*with-cycle\/up\/with-cycle: symbolic link loop: the directory contains itself$/ },
  { command: "psp", situation: "a file over the size limit", args: ["psp", "$T/h/big.yaml"], code: 2, first: new RegExp(`^error: .*big\\.yaml: file is over the ${LIMITS.maxBytes}-byte limit$`) },
  { command: "psp", situation: "an alias bomb", args: ["psp", "$T/h/alias-bomb.yaml"], code: 2, first: /^error: .*alias-bomb\.yaml:1: .*YAML aliases are limited to 100/ },
  { command: "psp", situation: "flow nesting 20000 deep", args: ["psp", "$T/h/deep-flow.yaml"], code: 2, first: /^error: .*deep-flow\.yaml(:\d+)?: document nests deeper than 200 levels \(the nesting limit\)$/ },
  { command: "psp", situation: "block nesting past the limit", args: ["psp", "$T/h/deep-block.yaml"], code: 2, first: /^error: .*deep-block\.yaml:1: document nests deeper than 200 levels/ },
  { command: "psp", situation: "invalid YAML", args: ["psp", "$T/h/invalid.yaml"], code: 2, first: /^error: .*invalid\.yaml:\d+: invalid YAML: / },
  { command: "psp", situation: "a tab in the indentation", args: ["psp", "$T/h/tab-indent.yaml"], code: 2, first: /^error: .*tab-indent\.yaml:2: invalid YAML: / },
  { command: "psp", situation: "duplicate keys", args: ["psp", "$T/h/duplicate-keys.yaml"], code: 2, first: /^error: .*duplicate-keys\.yaml:2: invalid YAML: Map keys must be unique/ },
  { command: "psp", situation: "wrong field types (spec a list)", args: ["psp", "$T/h/psp-wrong-types.yaml"], code: 2, first: /^error: .*psp-wrong-types\.yaml:\d+: / },
  { command: "psp", situation: "an unknown kind", args: ["psp", "$T/h/unknown-kind.yaml"], code: 2, first: /^error: .*unknown-kind\.yaml:2: expected kind PodSecurityPolicy, got "Gizmo"$/ },
  { command: "psp", situation: "a .nan value (JSON has none)", args: ["psp", "$T/h/nan.yaml"], code: 2, first: /^error: .*nan\.yaml:1: a \.inf or \.nan value/ },
  { command: "psp", situation: "`-` with binary standard input", args: ["psp", "-"], stdin: "a: \0\0\0", code: 2, first: /^error: <stdin>: binary file, not text$/ },
  { command: "psp", situation: "`-` with invalid YAML on standard input", args: ["psp", "-"], stdin: "a: [\n", code: 2, first: /^error: <stdin>:\d+: invalid YAML: / },
  { command: "psp", situation: "`-` twice", args: ["psp", "-", "-"], stdin: readFileSync(PSP, "utf8"), code: 2, first: /^error: <stdin>: standard input can be read only once/ },
  { command: "psp", situation: "an unknown flag", args: ["psp", PSP, "--bogus"], code: 2, first: /^error: unknown option '--bogus'$/ },

  // kyverno
  { command: "kyverno", situation: "binary junk", args: ["kyverno", "$T/h/binary.yaml"], code: 2, first: /^error: .*binary\.yaml: binary file, not YAML$/ },
  { command: "kyverno", situation: "a FIFO", args: ["kyverno", "$T/h/fifo.yaml"], code: 2, first: /^error: .*fifo\.yaml: not a regular file \(a FIFO\)/ },
  { command: "kyverno", situation: "an alias bomb", args: ["kyverno", "$T/h/alias-bomb.yaml"], code: 2, first: /YAML aliases are limited to 100/ },
  { command: "kyverno", situation: "an unknown kind", args: ["kyverno", "$T/h/unknown-kind.yaml"], code: 2, first: /^error: .*unknown-kind\.yaml:1: / },
  { command: "kyverno", situation: "--out into a regular file", args: ["kyverno", KYV, "--out", "$T/h/notes.txt"], code: 2, first: /^converting 1 Kyverno policy from 1 file\(s\)$/, last: /^error: .*notes\.txt: cannot create the directory: a part of the path is a file$/ },
  { command: "kyverno", situation: "a scalar document", args: ["kyverno", "$T/h/scalar.yaml"], code: 2, first: /^error: .*scalar\.yaml:1: / },

  // gatekeeper
  { command: "gatekeeper", situation: "a broken symbolic link", args: ["gatekeeper", "$T/h/broken.yaml"], code: 2, first: /^error: .*broken\.yaml: broken symbolic link/ },
  { command: "gatekeeper", situation: "a directory holding a link loop", args: ["gatekeeper", "$T/h/with-loop"], code: 2, first: /^error: .*self\.yaml: symbolic link loop/ },
  { command: "gatekeeper", situation: "/dev/zero", args: ["gatekeeper", "/dev/zero"], code: 2, first: /^error: \/dev\/zero: not a regular file/ },
  { command: "gatekeeper", situation: "flow nesting 20000 deep", args: ["gatekeeper", "$T/h/deep-flow.yaml"], code: 2, first: /nests deeper than 200 levels \(the nesting limit\)$/ },
  { command: "gatekeeper", situation: "--out under a regular file", args: ["gatekeeper", ...GK, "--out", "$T/h/notes.txt/x"], code: 2, first: /^converting 1 ConstraintTemplate with 1 constraint from 2 file\(s\)$/, last: /^error: .*notes\.txt\/x: cannot create the directory: a part of the path is a file$/ },

  // verify
  { command: "verify", situation: "fixtures: a FIFO", args: ["verify", PSP, "--fixtures", "$T/h/fifo.yaml"], code: 2, first: /^error: .*fifo\.yaml: not a regular file \(a FIFO\)/ },
  { command: "verify", situation: "fixtures: a file over the size limit", args: ["verify", PSP, "--fixtures", "$T/h/big.yaml"], code: 2, first: /^error: .*big\.yaml: file is over the/ },
  { command: "verify", situation: "fixtures: `-` with invalid YAML", args: ["verify", PSP, "--fixtures", "-"], stdin: "kind: [\n", code: 2, first: /^error: <stdin>:\d+: invalid YAML/ },
  { command: "verify", situation: "an unknown kind", args: ["verify", "$T/h/unknown-kind.yaml", "--fixtures", `${F}/psp/pods`], code: 2, first: /^error: .*unknown-kind\.yaml/ },
  { command: "verify", situation: "an empty source file", args: ["verify", "$T/h/empty.yaml", "--fixtures", `${F}/psp/pods`], code: 2, first: /^error: .*empty\.yaml/ },
  { command: "verify", situation: "a directory linking to its parent", args: ["verify", "$T/h/cycle/with-cycle", "--fixtures", `${F}/psp/pods`], code: 2, first: /symbolic link loop: the directory contains itself$/ },

  // eval
  { command: "eval", situation: "CEL nested 3000 deep", args: ["eval", "$T/h/deep-cel.yaml", "--request", REQUEST], code: 2, first: /^error: .*deep-cel\.yaml:\d+: ValidatingAdmissionPolicy deep: spec\.validations\[0\]\.expression: column \d+: expression recursion limit exceeded: 250$/ },
  { command: "eval", situation: "wrong field types (validations: 5)", args: ["eval", "$T/h/vap-wrong-types.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-wrong-types\.yaml:4: ValidatingAdmissionPolicy x: spec\.validations: must be a list, not an integer$/ },
  { command: "eval", situation: "wrong field types (expression: 5)", args: ["eval", "$T/h/vap-expression-number.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-expression-number\.yaml:4: ValidatingAdmissionPolicy x: spec\.validations\[0\]\.expression: must be a string, not an integer$/ },
  { command: "eval", situation: "a VAP whose spec is a list", args: ["eval", "$T/h/vap-spec-list.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-spec-list\.yaml:4: ValidatingAdmissionPolicy x: spec: must be a map, not a list$/ },
  { command: "eval", situation: "operations: a string", args: ["eval", "$T/h/vap-operations-string.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-operations-string\.yaml:6: ValidatingAdmissionPolicy x: spec\.matchConstraints\.resourceRules\[0\]\.operations: must be a list, not a string$/ },
  { command: "eval", situation: "a misspelt field (validation)", args: ["eval", "$T/h/vap-unknown-field.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-unknown-field\.yaml:7: ValidatingAdmissionPolicy x: spec\.validation: unknown field "validation"$/ },
  { command: "eval", situation: "binding: validationActions a string", args: ["eval", "$T/h/binding-actions-string.yaml", "--request", REQUEST], code: 2, first: /^error: .*binding-actions-string\.yaml:14: ValidatingAdmissionPolicyBinding b: spec\.validationActions: must be a list, not a string$/ },
  { command: "eval", situation: "binding: validationActions [Block]", args: ["eval", "$T/h/binding-actions-block.yaml", "--request", REQUEST], code: 2, first: /^error: .*binding-actions-block\.yaml:14: ValidatingAdmissionPolicyBinding b: spec\.validationActions\[0\]: Unsupported value: "Block": supported values: "Deny", "Warn", "Audit"$/ },
  { command: "eval", situation: "binding: paramRef with name and selector", args: ["eval", "$T/h/binding-paramref-both.yaml", "--request", REQUEST], code: 2, first: /^error: .*binding-paramref-both\.yaml:15: ValidatingAdmissionPolicyBinding b: spec\.paramRef\.name: name and selector are mutually exclusive$/ },
  { command: "eval", situation: "a selector operator that does not exist", args: ["eval", "$T/h/vap-selector-operator.yaml", "--request", REQUEST], code: 2, first: /^error: .*vap-selector-operator\.yaml:\d+: ValidatingAdmissionPolicy x: spec\.matchConstraints\.objectSelector\.matchExpressions\[0\]\.operator: Unsupported value: "Equals"/ },
  { command: "eval", situation: "request: an object without kind", args: ["eval", POLICY, "--request", "$T/h/request-no-kind.yaml"], code: 2, first: /^error: .*request-no-kind\.yaml:1: object x: kind: Required value$/ },
  { command: "eval", situation: "request: an unknown operation", args: ["eval", POLICY, "--request", "$T/h/request-bad-operation.yaml"], code: 2, first: /^error: .*request-bad-operation\.yaml:4: AdmissionReview: request\.operation: Unsupported value: "CREAT"/ },
  { command: "eval", situation: "request: a directory", args: ["eval", POLICY, "--request", "$T/h/adir"], code: 2, first: /^error: .*adir: expected exactly one request document, found 0$/ },
  { command: "eval", situation: "request: two documents", args: ["eval", POLICY, "--request", "$T/h/two-requests.yaml"], code: 2, first: /found 2$/ },
  { command: "eval", situation: "request: `-` empty", args: ["eval", POLICY, "--request", "-"], stdin: "", code: 2, first: /^error: <stdin>: expected exactly one request document, found 0$/ },
  { command: "eval", situation: "request: /dev/zero", args: ["eval", POLICY, "--request", "/dev/zero"], code: 2, first: /^error: \/dev\/zero: not a regular file/ },
  { command: "eval", situation: "--authz: a broken link", args: ["eval", POLICY, "--request", REQUEST, "--authz", "$T/h/broken.yaml"], code: 2, first: /broken symbolic link/ },
  { command: "eval", situation: "policy and request both `-`", args: ["eval", "-", "--request", "-"], stdin: readFileSync(POLICY, "utf8"), code: 2, first: /^error: <stdin>: standard input can be read only once/ },

  // test
  { command: "test", situation: "`-` (a suite names files relative to itself)", args: ["test", "-"], code: 2, first: /^error: <stdin>: a test manifest cannot be read from standard input/ },
  { command: "test", situation: "a FIFO", args: ["test", "$T/h/fifo.yaml"], code: 2, first: /^error: .*fifo\.yaml: not a regular file/ },
  { command: "test", situation: "binary junk", args: ["test", "$T/h/binary.yaml"], code: 2, first: /^error: .*binary\.yaml: binary file, not YAML$/ },
  { command: "test", situation: "a directory holding a broken link", args: ["test", "$T/h/with-broken"], code: 2, first: /broken symbolic link/ },

  // rego
  { command: "rego", situation: "a binary module", args: ["rego", "$T/h/binary.rego", "--entrypoint", "data.x.deny"], code: 2, first: /^error: .*binary\.rego: binary file, not Rego$/ },
  { command: "rego", situation: "fixtures: a FIFO", args: ["rego", REGO, "--entrypoint", "data.kubernetes.admission.deny", "--fixtures", "$T/h/fifo.yaml"], code: 2, first: /^converting data\.kubernetes\.admission\.deny from 1 Rego module\(s\), input: admission$/, last: /^error: .*fifo\.yaml: not a regular file \(a FIFO\)/ },
  { command: "rego", situation: "--out under a regular file", args: ["rego", REGO, "--entrypoint", "data.kubernetes.admission.deny", "--out", "$T/h/notes.txt/x"], code: 2, first: /^converting /, last: /^error: .*notes\.txt\/x: cannot create the directory: a part of the path is a file$/ },
  { command: "rego eval", situation: "input: a directory", args: ["rego", "eval", "input", "-i", "$T/h/adir"], code: 2, first: /^error: .*adir: is a directory, not a file$/ },
  { command: "rego eval", situation: "input: an alias bomb", args: ["rego", "eval", "input", "-i", "$T/h/alias-bomb.yaml"], code: 2, first: /YAML aliases are limited to 100/ },
  { command: "rego eval", situation: "data: /dev/zero", args: ["rego", "eval", "data", "-d", "/dev/zero"], code: 2, first: /^error: \/dev\/zero: not a regular file/ },

  // impact
  { command: "impact", situation: "dump: binary junk", args: ["impact", "$T/h/binary.yaml", "--policies", PSP], code: 2, first: /^error: .*binary\.yaml: binary file, not YAML$/ },
  { command: "impact", situation: "dump: /dev/zero", args: ["impact", "/dev/zero", "--policies", PSP], code: 2, first: /^error: \/dev\/zero: not a regular file/ },
  { command: "impact", situation: "policies: a FIFO", args: ["impact", DUMP, "--policies", "$T/h/fifo.yaml"], code: 2, first: /^error: .*fifo\.yaml: not a regular file/ },
  { command: "impact", situation: "dump: nesting past the limit", args: ["impact", "$T/h/deep-block.yaml", "--policies", PSP], code: 2, first: /nests deeper than 200 levels/ },
  { command: "impact", situation: "no --policies", args: ["impact", DUMP], code: 2, first: /^error: required option '--policies <paths\.\.\.>' not specified$/ },

  // repo, review
  { command: "repo", situation: "a regular file, not a directory", args: ["repo", "$T/h/notes.txt", "--out", "$T/h/out-never"], code: 2, first: /^error: .*notes\.txt: not a directory$/ },
  { command: "repo", situation: "a missing directory", args: ["repo", "$T/h/nope", "--out", "$T/h/out-never"], code: 2, first: /^error: .*nope: no such directory$/ },
  { command: "repo", situation: "--out is a regular file", args: ["repo", "$T/h/adir", "--out", "$T/h/notes.txt"], code: 2, first: /^error: .*notes\.txt: --out is not a directory$/ },
  { command: "review", situation: "not a git repository", args: ["review", "--base", "HEAD~1", "--dir", "$T/h/adir", "--workers", "0"], code: 2, first: /^reviewing HEAD against HEAD~1$/, last: /^error: .*adir: not a git repository$/ },
  { command: "review", situation: "a bad --write", args: ["review", "--base", "HEAD", "--dir", "$T/h/adir", "--write", "pdf=$T/h/r.pdf"], code: 2, first: /^error: <flags>: --write must be FORMAT=FILE/ },
];

/** Every entry under `dir` with its type and size, links not followed: what a row must leave unchanged. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      const st = lstatSync(p);
      out.push(`${path.relative(dir, p)} ${st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isFIFO() ? "p" : "f"} ${st.isFile() ? st.size : ""}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe("hostile input: one line on stderr, exit 2, no stack trace, nothing written", () => {
  it("covers at least 45 inputs across the commands", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(45);
    expect(new Set(ROWS.map((r) => r.command.split(" ")[0]))).toEqual(new Set(["psp", "kyverno", "gatekeeper", "verify", "eval", "test", "rego", "impact", "repo", "review"]));
  });

  it.each(ROWS.map((r) => [`${r.command}: ${r.situation}`, r] as const))("%s", async (_title, row) => {
    const before = listing(scratch);
    const r = await runMigrate(row.args, scratch, row.stdin ?? "");
    const rel = r.err.split(scratch).join("$T");
    expect(r.code, rel).toBe(row.code);
    const lines = rel.split("\n").filter((l) => l !== "");
    expect(lines[0], rel).toMatch(row.first);
    if (row.last) expect(lines.at(-1), rel).toMatch(row.last);
    expect(lines.filter((l) => l.startsWith("error: ")), rel).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at |Maximum call stack|RangeError|TypeError|internal error/);
    expect(listing(scratch)).toEqual(before);
  });
});

// --- `-` is standard input ---------------------------------------------------------------------------------------

const text = (file: string): string => readFileSync(file, "utf8");

/** `-` for every file argument that takes one: the command reads standard input as it would the file. */
const STDIN_ROWS: readonly { situation: string; args: readonly string[]; stdin: string; code: number; out: RegExp }[] = [
  { situation: "psp -", args: ["psp", "-"], stdin: text(PSP), code: 0, out: /kind: ValidatingAdmissionPolicy\n/ },
  { situation: "kyverno -", args: ["kyverno", "-"], stdin: text(KYV), code: 0, out: /kind: ValidatingAdmissionPolicy\n/ },
  { situation: "gatekeeper - (template and constraint in one stream)", args: ["gatekeeper", "-"], stdin: `${text(GK[0]!)}\n---\n${text(GK[1]!)}`, code: 0, out: /kind: ValidatingAdmissionPolicyBinding\n/ },
  { situation: "verify --fixtures -", args: ["verify", PSP, "--fixtures", "-"], stdin: text(`${F}/psp/pods/allowed-hardened.yaml`), code: 0, out: /^Total: 1, Pass: 1, Fail: 0$/m },
  { situation: "eval - --request FILE", args: ["eval", "-", "--request", REQUEST], stdin: text(POLICY), code: 0, out: /^verdict: admit$/m },
  { situation: "eval FILE --request -", args: ["eval", POLICY, "--request", "-"], stdin: text(`${E}/deployment-7.yaml`), code: 1, out: /^verdict: deny$/m },
  { situation: "rego - --entrypoint", args: ["rego", "-", "--entrypoint", "data.kubernetes.admission.deny"], stdin: text(REGO), code: 0, out: /kind: ValidatingAdmissionPolicy\n/ },
  { situation: "rego eval -i -", args: ["rego", "eval", "input.a", "-i", "-"], stdin: "a: yes\n", code: 0, out: /"value": true/ },
];

describe("`-` reads standard input wherever a file is accepted", () => {
  it.each(STDIN_ROWS.map((r) => [r.situation, r] as const))("%s", async (_title, row) => {
    const r = await runMigrate(row.args, scratch, row.stdin);
    expect(r.code, r.err).toBe(row.code);
    expect(r.out).toMatch(row.out);
  });

  it("names standard input <stdin> in a located error", async () => {
    const r = await runMigrate(["eval", "-", "--request", REQUEST], scratch, "a: 1\nb: [\n");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: <stdin>:\d+: invalid YAML: /);
  });
});

// --- YAML as kubectl reads it --------------------------------------------------------------------------------------

/** Plain scalars as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) resolves them; quoted scalars are always strings. */
const SCALARS: readonly [string, unknown][] = [
  ["yes", true], ["Yes", true], ["YES", true], ["y", true], ["Y", true], ["on", true], ["On", true], ["ON", true],
  ["true", true], ["True", true], ["TRUE", true],
  ["no", false], ["No", false], ["NO", false], ["n", false], ["N", false], ["off", false], ["Off", false], ["OFF", false],
  ["false", false], ["False", false], ["FALSE", false],
  ["yEs", "yEs"], ["oN", "oN"], ["tRUE", "tRUE"], ["'yes'", "yes"], ['"on"', "on"],
  ["~", null], ["null", null], ["Null", null], ["NULL", null], ["nULL", "nULL"],
  ["0755", 493], ["0o755", 493], ["0x1F", 31], ["0b101", 5], ["-0b101", -5], ["1_000", 1000], ["+12", 12], ["-0", 0],
  ["08", 8], ["1.5", 1.5], ["1e3", 1000], [".5", 0.5], ["1.", 1], ["1e400", "1e400"], ["0x", "0x"], ["_1", "_1"],
  ["18446744073709551615", 18446744073709551615], ["99999999999999999999", 1e20], ["0xFFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF"],
  ["2024-01-02", "2024-01-02"], ["12:30:00", "12:30:00"], ["1.2.3", "1.2.3"],
];

describe("YAML is read as kubectl reads it (sigs.k8s.io/yaml: YAML 1.1 scalars)", () => {
  it.each(SCALARS.map(([src, want]) => [src, want] as const))("%s", (src, want) => {
    const [doc] = parseDocuments(`v: ${src}\n`, "t.yaml", { schema: "kubectl" });
    expect((doc!.doc as { v: unknown }).v).toEqual(want);
  });

  it("keeps the YAML 1.2 core schema by default (gator and Gatekeeper read with yaml.v3)", () => {
    const [doc] = parseDocuments("a: yes\nb: 0755\nc: on\n", "t.yaml");
    expect(doc!.doc).toEqual({ a: "yes", b: 755, c: "on" });
  });

  it("turns boolean keys into \"true\"/\"false\" (`on:`, `y:`) and merges `<<` as kubectl does", () => {
    const [doc] = parseDocuments("base: &b {x: 1}\nm: {<<: *b, z: 2}\non: 1\nn: 0\n", "t.yaml", { schema: "kubectl" });
    expect(doc!.doc).toEqual({ base: { x: 1 }, m: { x: 1, z: 2 }, true: 1, false: 0 });
  });

  it("resolves exactly the go-yaml v2 bool words", () => {
    const words = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    for (const w of words) expect(resolveKubectlScalar(w).kind, w).toBe("bool");
    for (const w of ["yeS", "nO", "oFF", "ture", "t", "f", "1", "0"]) expect(resolveKubectlScalar(w).kind, w).not.toBe("bool");
  });

  it("denies a pod written with `privileged: yes`, as the cluster would", async () => {
    const pod = text(`${F}/psp/pods/allowed-hardened.yaml`).replace(/^(\s+)allowPrivilegeEscalation: false\n/m, "$1allowPrivilegeEscalation: false\n$1privileged: yes\n");
    expect(pod).toContain("privileged: yes");
    const r = await runMigrate(["verify", PSP, "--fixtures", "-", "-o", "json"], scratch, pod);
    const report = JSON.parse(r.out) as { cases: { source: string; vap: string }[] };
    expect(report.cases.map((c) => [c.source, c.vap])).toEqual([["deny", "deny"]]);
  });
});
