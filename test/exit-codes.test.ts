// The exit-code contract, one row per (command, situation): 0 ok (admit, every case passes, converted exactly),
// 1 mismatch (a failing case; deny or error for `migrate eval`), 2 usage or input error, 3 converted with gaps.
// Runs main() in-process on the bundled fixtures and on tiny scratch inputs (support/cli-run.ts, removed afterwards).
// Every row asserts the contract's code; none may throw out of main() (bin/migrate.js would exit 70, internal error).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeScratch, removeScratch, runMigrate } from "./support/cli-run.js";

interface Row {
  command: string;
  situation: string;
  /** `migrate` arguments; `$T/…` names a scratch input. */
  args: readonly string[];
  /** The contract's exit code for this situation. */
  code: 0 | 1 | 2 | 3;
}

const F = "fixtures";
const GK = [`${F}/gatekeeper/template.yaml`, `${F}/gatekeeper/constraint.yaml`];
const E = `${F}/eval`;
const PSP = `${F}/psp/restricted.yaml`;
const KYV = `${F}/kyverno/disallow-host-namespaces.yaml`;
const REGO_ADM = [`${F}/rego/admission/policy.rego`, "--entrypoint", "data.kubernetes.admission.deny"];
const SIZED = ["$T/sized.rego", "--entrypoint", "data.sized.deny"];

const ROWS: readonly Row[] = [
  { command: "migrate", situation: "no arguments (help)", args: [], code: 0 },
  { command: "migrate", situation: "--help", args: ["--help"], code: 0 },
  { command: "migrate", situation: "--version", args: ["--version"], code: 0 },
  { command: "migrate", situation: "unknown command", args: ["bogus"], code: 2 },
  { command: "migrate", situation: "unknown option", args: ["--bogus"], code: 2 },

  { command: "psp", situation: "converted exactly", args: ["psp", PSP], code: 0 },
  { command: "psp", situation: "converted exactly, -o json", args: ["psp", PSP, "-o", "json"], code: 0 },
  { command: "psp", situation: "converted with a gap", args: ["psp", "$T/psp-gap.yaml"], code: 3 },
  { command: "psp", situation: "converted with a gap, -o json", args: ["psp", "$T/psp-gap.yaml", "-o", "json"], code: 3 },
  { command: "psp", situation: "no file argument", args: ["psp"], code: 2 },
  { command: "psp", situation: "missing file", args: ["psp", "$T/nope.yaml"], code: 2 },
  { command: "psp", situation: "invalid YAML", args: ["psp", "$T/bad.yaml"], code: 2 },
  { command: "psp", situation: "not a PodSecurityPolicy", args: ["psp", `${E}/deployment-3.yaml`], code: 2 },
  { command: "psp", situation: "-o text (not yaml or json)", args: ["psp", PSP, "-o", "text"], code: 2 },
  { command: "psp", situation: "bad --rbac", args: ["psp", PSP, "--rbac", "sometimes"], code: 2 },
  { command: "psp", situation: "bad --target-version", args: ["psp", PSP, "--target-version", "latest"], code: 2 },

  { command: "kyverno", situation: "converted exactly", args: ["kyverno", KYV], code: 0 },
  { command: "kyverno", situation: "converted with a gap", args: ["kyverno", "$T/kyverno-gap.yaml"], code: 3 },
  { command: "kyverno", situation: "missing file", args: ["kyverno", "$T/nope.yaml"], code: 2 },
  { command: "kyverno", situation: "bad --target", args: ["kyverno", KYV, "--target", "opa"], code: 2 },
  { command: "kyverno", situation: "a PSP-only flag (--rbac)", args: ["kyverno", KYV, "--rbac", "ignore"], code: 2 },

  { command: "gatekeeper", situation: "converted exactly", args: ["gatekeeper", ...GK], code: 0 },
  { command: "gatekeeper", situation: "converted exactly, --params constraint", args: ["gatekeeper", ...GK, "--params", "constraint"], code: 0 },
  { command: "gatekeeper", situation: "template without Rego (a gap)", args: ["gatekeeper", "$T/gatekeeper-cel-only.yaml"], code: 3 },
  { command: "gatekeeper", situation: "template without constraint (--params inline)", args: ["gatekeeper", GK[0]!], code: 2 },
  { command: "gatekeeper", situation: "constraint without its template", args: ["gatekeeper", GK[1]!], code: 2 },
  { command: "gatekeeper", situation: "bad --params", args: ["gatekeeper", ...GK, "--params", "both"], code: 2 },

  { command: "rego", situation: "converted exactly", args: ["rego", ...REGO_ADM], code: 0 },
  { command: "rego", situation: "converted with a gap", args: ["rego", ...SIZED], code: 3 },
  { command: "rego", situation: "no rule at the entrypoint (a gap)", args: ["rego", "$T/sized.rego", "--entrypoint", "data.sized.warn"], code: 3 },
  { command: "rego", situation: "--fixtures, every case agrees", args: ["rego", ...REGO_ADM, "--fixtures", `${F}/rego/admission/pods`], code: 0 },
  { command: "rego", situation: "--fixtures, every case agrees, with gaps", args: ["rego", ...SIZED, "--fixtures", "$T/small"], code: 3 },
  { command: "rego", situation: "--fixtures, a case differs", args: ["rego", ...SIZED, "--fixtures", "$T/big"], code: 1 },
  { command: "rego", situation: "--fixtures, the Rego engine lacks a builtin (http.send): the case is not run", args: ["rego", "$T/lookup.rego", "--entrypoint", "data.lookup.deny", "--fixtures", "$T/small"], code: 1 },
  { command: "rego", situation: "--fixtures, an evaluation error (conflict): the case is not run", args: ["rego", "$T/conflict.rego", "--entrypoint", "data.p.x", "--input", "object", "--fixtures", "$T/ab.json"], code: 1 },
  { command: "rego", situation: "no files", args: ["rego"], code: 2 },
  { command: "rego", situation: "no --entrypoint", args: ["rego", `${F}/rego/admission/policy.rego`], code: 2 },
  { command: "rego", situation: "bad --entrypoint", args: ["rego", `${F}/rego/admission/policy.rego`, "--entrypoint", "deny["], code: 2 },
  { command: "rego", situation: "bad --input", args: ["rego", ...REGO_ADM, "--input", "review"], code: 2 },
  { command: "rego", situation: "Rego parse error", args: ["rego", "$T/broken.rego", "--entrypoint", "data.broken.deny"], code: 2 },
  { command: "rego", situation: "missing fixtures", args: ["rego", ...REGO_ADM, "--fixtures", "$T/nope"], code: 2 },

  { command: "rego eval", situation: "defined", args: ["rego", "eval", "x := 1"], code: 0 },
  { command: "rego eval", situation: "undefined", args: ["rego", "eval", "data.nothing"], code: 0 },
  { command: "rego eval", situation: "undefined with --fail", args: ["rego", "eval", "data.nothing", "--fail"], code: 1 },
  { command: "rego eval", situation: "evaluation error (conflict)", args: ["rego", "eval", "data.p.x", "-d", "$T/conflict.rego", "-i", "$T/ab.json"], code: 1 },
  { command: "rego eval", situation: "parse error in a module", args: ["rego", "eval", "data.p", "-d", "$T/broken.rego"], code: 2 },
  { command: "rego eval", situation: "parse error in the query", args: ["rego", "eval", "x := "], code: 2 },
  { command: "rego eval", situation: "missing input file", args: ["rego", "eval", "input", "-i", "$T/nope.json"], code: 2 },
  { command: "rego eval", situation: "no query", args: ["rego", "eval"], code: 2 },
  { command: "rego eval", situation: "defined, -o json", args: ["rego", "eval", "x := 1", "-o", "json"], code: 0 },
  { command: "rego eval", situation: "undefined with --fail, -o json", args: ["rego", "eval", "data.nothing", "--fail", "-o", "json"], code: 1 },
  { command: "rego eval", situation: "-o yaml (not json)", args: ["rego", "eval", "x := 1", "-o", "yaml"], code: 2 },

  { command: "verify", situation: "psp, every case passes", args: ["verify", PSP, "--fixtures", `${F}/psp/pods`], code: 0 },
  { command: "verify", situation: "psp, a case fails", args: ["verify", PSP, "--fixtures", "$T/wrong-expectation"], code: 1 },
  { command: "verify", situation: "psp with a gap, every case passes", args: ["verify", "$T/psp-gap.yaml", "--fixtures", `${F}/psp/pods`], code: 3 },
  { command: "verify", situation: "psp with a gap, a case fails", args: ["verify", "$T/psp-gap.yaml", "--fixtures", "$T/wrong-expectation"], code: 1 },
  { command: "verify", situation: "psp with a gap, every case passes, -o json", args: ["verify", "$T/psp-gap.yaml", "--fixtures", `${F}/psp/pods`, "-o", "json"], code: 3 },
  { command: "verify", situation: "kyverno, every case passes", args: ["verify", KYV, "--fixtures", `${F}/kyverno/test/resources.yaml`], code: 0 },
  { command: "verify", situation: "kyverno with a gap, every case passes", args: ["verify", "$T/kyverno-gap.yaml", "--fixtures", `${F}/kyverno/test/resources.yaml`], code: 3 },
  { command: "verify", situation: "gatekeeper, every case passes", args: ["verify", ...GK, "--fixtures", `${F}/gatekeeper/cases`], code: 0 },
  { command: "verify", situation: "rego, every case passes", args: ["verify", ...REGO_ADM, "--fixtures", `${F}/rego/admission/pods`], code: 0 },
  { command: "verify", situation: "rego with a gap, every case passes", args: ["verify", ...SIZED, "--fixtures", "$T/small"], code: 3 },
  { command: "verify", situation: "rego, a case differs", args: ["verify", ...SIZED, "--fixtures", "$T/big"], code: 1 },
  { command: "verify", situation: "no --fixtures", args: ["verify", PSP], code: 2 },
  { command: "verify", situation: "missing fixtures", args: ["verify", PSP, "--fixtures", "$T/nope"], code: 2 },
  { command: "verify", situation: "not a policy of a known source", args: ["verify", `${E}/deployment-3.yaml`, "--fixtures", `${F}/psp/pods`], code: 2 },
  { command: "verify", situation: "two source languages", args: ["verify", PSP, KYV, "--fixtures", `${F}/psp/pods`], code: 2 },
  { command: "verify", situation: "-o yaml (not text or json)", args: ["verify", PSP, "--fixtures", `${F}/psp/pods`, "-o", "yaml"], code: 2 },

  { command: "test", situation: "kaptest, every case passes", args: ["test", "$T/kaptest-pass/kaptest.json"], code: 0 },
  { command: "test", situation: "kaptest, a case fails", args: ["test", "$T/kaptest-fail/kaptest.json"], code: 1 },
  { command: "test", situation: "kyverno test suite passes", args: ["test", `${F}/kyverno/test/kyverno-test.yaml`], code: 0 },
  { command: "test", situation: "kyverno test suite passes, its policy converted with a gap", args: ["test", "$T/kyverno-gap-test/kyverno-test.yaml"], code: 3 },
  { command: "test", situation: "gator suite passes", args: ["test", `${F}/gatekeeper/suite.yaml`], code: 0 },
  { command: "test", situation: "gator suite passes, its template converted with a gap", args: ["test", "$T/gator-gap/suite.yaml"], code: 3 },
  { command: "test", situation: "a failing kaptest beside a suite with a gap", args: ["test", "$T/kaptest-fail/kaptest.json", "$T/kyverno-gap-test/kyverno-test.yaml"], code: 1 },
  { command: "test", situation: "not a kaptest manifest", args: ["test", "$T/not-kaptest/kaptest.yaml"], code: 2 },
  { command: "test", situation: "missing file", args: ["test", "$T/nope.yaml"], code: 2 },
  { command: "test", situation: "bad --params", args: ["test", `${F}/gatekeeper/suite.yaml`, "--params", "both"], code: 2 },
  { command: "test", situation: "-o yaml (not text or json)", args: ["test", `${F}/gatekeeper/suite.yaml`, "-o", "yaml"], code: 2 },

  { command: "eval", situation: "admit", args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-3.yaml`], code: 0 },
  { command: "eval", situation: "skip (binding does not match)", args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-7-dev.yaml`], code: 0 },
  { command: "eval", situation: "deny", args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-7.yaml`], code: 1 },
  { command: "eval", situation: "deny, -o json", args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-7.yaml`, "-o", "json"], code: 1 },
  { command: "eval", situation: "error (a MutatingAdmissionPolicy fails)", args: ["eval", `${F}/map/atomic-list-error/policies.yaml`, "--request", `${F}/map/atomic-list-error/object.yaml`], code: 1 },
  { command: "eval", situation: "a policy does not compile", args: ["eval", `${E}/bad-policy.yaml`, "--request", `${E}/deployment-3.yaml`], code: 2 },
  { command: "eval", situation: "missing file", args: ["eval", "$T/nope.yaml", "--request", `${E}/deployment-3.yaml`], code: 2 },
  { command: "eval", situation: "invalid YAML", args: ["eval", "$T/bad.yaml", "--request", `${E}/deployment-3.yaml`], code: 2 },
  { command: "eval", situation: "no --request", args: ["eval", `${E}/replicas-policy.yaml`], code: 2 },
  { command: "eval", situation: "-o yaml (not text or json)", args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-3.yaml`, "-o", "yaml"], code: 2 },
];

let scratch = "";
beforeAll(() => {
  scratch = makeScratch();
});
afterAll(() => removeScratch(scratch));

describe("exit codes: 0 ok, 1 mismatch, 2 usage or input error, 3 converted with gaps", () => {
  it.each(ROWS.map((r) => [`${r.command}: ${r.situation}`, r] as const))("%s", async (_title, row) => {
    const r = await runMigrate(row.args, scratch);
    expect(r.code, r.err).toBe(row.code);
  });
});
