// The JSON Schemas in docs/schemas/ against real output: every `-o json` output of every command, run in-process on
// the bundled fixtures (and tiny scratch inputs), validates against its schema, and a deliberately broken copy of each
// is rejected (so each row can fail). Hand-made documents cover what no command prints yet (migrate repo's report)
// and our SARIF against the official OASIS SARIF 2.1.0 schema. The schemas themselves are checked too: strict
// compile, `$id`/title/description, a description on every property, `required` names declared in `properties`.
//
// Adding a row is one line: `{ name: "repo", schema: REPO, args: ["repo", "fixtures", "-o", "json"], code: 0 },`
// (the broken copy defaults to the output without the schema's first required field).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoReport } from "../src/repo/types.js";
import { compareRuns } from "../src/review/compare.js";
import type { ReviewReport } from "../src/review/types.js";
import { makeScratch, removeScratch, runMigrate } from "./support/cli-run.js";
import { schemaValidator, validateJson } from "./support/schema.js";

const SCHEMA_DIR = "docs/schemas";
const S = (name: string): string => `${SCHEMA_DIR}/${name}.schema.json`;
const CONVERT = S("convert-report");
const REPLAY = S("replay-report");
const EVAL = S("eval-result");
const REGO_EVAL = S("rego-eval");
const REPO = S("repo-report");
const IMPACT = S("impact-report");
const REVIEW = S("review-report");
const SARIF = `${SCHEMA_DIR}/third-party/sarif-schema-2.1.0.json`;

/** Remove the member at the pointer (instead of setting a value). */
const DELETE = Symbol("delete");

interface Row {
  /** Test title. */
  name: string;
  /** Schema file the output must validate against. */
  schema: string;
  /** `migrate` arguments whose stdout is the document (`$T/…` names a scratch input from support/cli-run.ts). */
  args?: readonly string[];
  /** Exit code the run must end with (so the row tests the situation it names). */
  code?: number;
  /** A hand-made document, instead of `args`. */
  value?: () => unknown;
  /** The broken copy: JSON pointer and the value to put there (DELETE removes it). Default: drop the schema's first
   *  top-level required member. */
  breaks?: readonly [pointer: string, value: unknown];
}

const F = "fixtures";
const GK = [`${F}/gatekeeper/template.yaml`, `${F}/gatekeeper/constraint.yaml`];
const E = `${F}/eval`;

/** A SARIF 2.1.0 log as `migrate` would write one: a gap as a warning result at its file:line. */
const sarifLog = (): unknown => ({
  $schema: "https://json.schemastore.org/sarif-2.1.0.json",
  version: "2.1.0",
  runs: [
    {
      tool: { driver: { name: "migrate", version: "0.1.0", rules: [{ id: "psp.runAsGroup.pod-level", shortDescription: { text: "runAsGroup at pod level is unverified" } }] } },
      results: [
        {
          ruleId: "psp.runAsGroup.pod-level",
          ruleIndex: 0,
          level: "warning",
          message: { text: "whether PSP also required a pod-level runAsGroup under MustRunAs is unverified" },
          locations: [{ physicalLocation: { artifactLocation: { uri: "psps/groups.yaml" }, region: { startLine: 4 } } }],
        },
      ],
    },
  ],
});

/** A `migration-report.json` typed as the code's RepoReport: one source converted and replayed, one that failed. */
const repoReport = (): RepoReport => {
  const replay = { suites: ["policies/.kyverno-test/kyverno-test.yaml"], cases: 4, agreeing: 4, failed: 0, maxCaseCost: 87, maxExpressionCost: 40, failures: [] };
  return {
    version: 1,
    options: { targetVersion: "1.36", params: "inline", emitTests: false, target: "vap" },
    shard: null,
    summary: { sources: 2, converted: 1, partial: 0, unsupported: 0, errors: 1, gaps: 1, suites: 2, cases: 5, agreeing: 4, failed: 1, skipped: 1 },
    sources: [
      {
        path: "policies/disallow-host-namespaces.yaml",
        converter: "kyverno",
        status: "converted",
        names: ["disallow-host-namespaces"],
        outputs: ["policies/disallow-host-namespaces.yaml"],
        gaps: [{ rule: "host-namespaces", reason: "[kyverno.match] match/exclude: subject kind Group", line: 12, id: "kyverno.match", effect: "stricter", file: "policies/disallow-host-namespaces.yaml" }],
        equivalence: "agree",
        replay,
      },
      {
        path: "psps/broken.yaml",
        converter: "psp",
        status: "error",
        names: [],
        outputs: [],
        gaps: [],
        equivalence: "untested",
        replay: { ...replay, suites: [], cases: 0, agreeing: 0, maxCaseCost: 0, maxExpressionCost: 0 },
        error: { message: "invalid YAML", file: "psps/broken.yaml", line: 3 },
      },
    ],
    suites: [{ ...replay, path: "vaps/kaptest.yaml", suite: "kaptest", cases: 1, agreeing: 0, failed: 1, failures: ["max-replicas prod/web: expected admit, got deny"] }],
    skipped: [{ path: "README.md", reason: "not a policy" }],
    errors: [{ path: "psps/broken.yaml", line: 3, message: "invalid YAML" }],
  };
};

/** The review report of the typed repo report against a copy whose first source gained a gap. */
const reviewReport = (): ReviewReport => {
  const base = repoReport();
  const head = repoReport();
  head.sources[0]!.gaps = [{ rule: "restricted.seccomp", reason: "[psp.seccomp] not expressible", line: 9, id: "psp.seccomp", effect: "weaker", file: head.sources[0]!.path }];
  const ref = (name: string) => ({ ref: name, commit: "0".repeat(40) });
  return compareRuns({ report: base, outputs: [] }, { report: head, outputs: [] }, { base: ref("main"), head: ref("HEAD") }, { params: "inline", targetVersion: "1.36" });
};

const ROWS: readonly Row[] = [
  // convert-report: migrate psp | kyverno | gatekeeper | rego -o json
  { name: "psp restricted", schema: CONVERT, args: ["psp", `${F}/psp/restricted.yaml`, "-o", "json"], code: 0, breaks: ["/results/0/psps", DELETE] },
  { name: "psp with a gap", schema: CONVERT, args: ["psp", "$T/psp-gap.yaml", "-o", "json"], code: 3, breaks: ["/results/0/gaps/0/effect", "worse"] },
  { name: "psp several files, --controllers", schema: CONVERT, args: ["psp", `${F}/psp/restricted.yaml`, `${F}/psp/baseline.yaml`, "--controllers", "-o", "json"], code: 3, breaks: ["/results/0/files", "a,b"] },
  { name: "kyverno", schema: CONVERT, args: ["kyverno", `${F}/kyverno/disallow-host-namespaces.yaml`, "-o", "json"], code: 0, breaks: ["/results/0/policies/0/line", "1"] },
  { name: "kyverno --target kyverno", schema: CONVERT, args: ["kyverno", `${F}/kyverno/disallow-host-namespaces.yaml`, "--target", "kyverno", "-o", "json"], code: 0, breaks: ["/results/0/manifests/0/metadata", DELETE] },
  { name: "kyverno with a gap", schema: CONVERT, args: ["kyverno", "$T/kyverno-gap.yaml", "-o", "json"], code: 3, breaks: ["/results/0/gaps/0/line", -1] },
  { name: "gatekeeper --params inline", schema: CONVERT, args: ["gatekeeper", ...GK, "-o", "json"], code: 0, breaks: ["/results/0/templates/0/constraints/0/policy", 7] },
  { name: "gatekeeper --params constraint", schema: CONVERT, args: ["gatekeeper", ...GK, "--params", "constraint", "-o", "json"], code: 0, breaks: ["/results/0/source", "opa"] },
  { name: "gatekeeper template without Rego (unsupported)", schema: CONVERT, args: ["gatekeeper", "$T/gatekeeper-cel-only.yaml", "-o", "json"], code: 3, breaks: ["/results/0/status", "failed"] },
  { name: "rego --input admission", schema: CONVERT, args: ["rego", `${F}/rego/admission/policy.rego`, "--entrypoint", "data.kubernetes.admission.deny", "-o", "json"], code: 0, breaks: ["/results/0/input", "review"] },
  { name: "rego --input object", schema: CONVERT, args: ["rego", `${F}/rego/conftest/policy.rego`, "--entrypoint", "data.main.deny", "--input", "object", "-o", "json"], code: 0, breaks: ["/results/0/entrypoint", DELETE] },
  { name: "rego with a gap", schema: CONVERT, args: ["rego", "$T/sized.rego", "--entrypoint", "data.sized.deny", "-o", "json"], code: 3, breaks: ["/results/0/gaps/0/rule", DELETE] },

  // replay-report: migrate test | verify -o json, migrate rego --fixtures -o json
  { name: "rego --fixtures", schema: REPLAY, args: ["rego", `${F}/rego/conftest/policy.rego`, "--entrypoint", "data.main.deny", "--input", "object", "--fixtures", `${F}/rego/conftest/deployments`, "-o", "json"], code: 0, breaks: ["/conversion/status", "ok"] },
  { name: "rego --fixtures, a case differs", schema: REPLAY, args: ["rego", "$T/sized.rego", "--entrypoint", "data.sized.deny", "--fixtures", "$T/big", "-o", "json"], code: 1, breaks: ["/summary/failed", -1] },
  { name: "verify psp", schema: REPLAY, args: ["verify", `${F}/psp/restricted.yaml`, "--fixtures", `${F}/psp/pods`, "-o", "json"], code: 0, breaks: ["/cases/0/vap", "allow"] },
  { name: "verify psp, a case fails", schema: REPLAY, args: ["verify", `${F}/psp/restricted.yaml`, "--fixtures", "$T/wrong-expectation", "-o", "json"], code: 1, breaks: ["/cases/0/reason", DELETE] },
  { name: "verify kyverno", schema: REPLAY, args: ["verify", `${F}/kyverno/disallow-host-namespaces.yaml`, "--fixtures", `${F}/kyverno/test/resources.yaml`, "-o", "json"], code: 0, breaks: ["/cases/0/source", "pass"] },
  { name: "verify gatekeeper", schema: REPLAY, args: ["verify", ...GK, "--fixtures", `${F}/gatekeeper/cases`, "-o", "json"], code: 0, breaks: ["/cases/0/binding", 5] },
  { name: "verify rego", schema: REPLAY, args: ["verify", `${F}/rego/admission/policy.rego`, "--entrypoint", "data.kubernetes.admission.deny", "--fixtures", `${F}/rego/admission/pods`, "-o", "json"], code: 0, breaks: ["/cases/0/pass", "yes"] },
  { name: "test kyverno suite", schema: REPLAY, args: ["test", `${F}/kyverno/test/kyverno-test.yaml`, "-o", "json"], code: 0, breaks: ["/cases/0/kyverno", "deny"] },
  { name: "test gator suite", schema: REPLAY, args: ["test", `${F}/gatekeeper/suite.yaml`, "-o", "json"], code: 0, breaks: ["/cases/0/gatorEngine", "OPA"] },
  { name: "test gator suite --params constraint", schema: REPLAY, args: ["test", `${F}/gatekeeper/suite.yaml`, "--params", "constraint", "-o", "json"], code: 0, breaks: ["/cases/1/violations/0/constraint/name", DELETE] },
  { name: "test kaptest", schema: REPLAY, args: ["test", "$T/kaptest-pass/kaptest.json", "-o", "json"], code: 0, breaks: ["/cases/0/cost", 1.5] },
  { name: "test kaptest, a case fails", schema: REPLAY, args: ["test", "$T/kaptest-fail/kaptest.json", "-o", "json"], code: 1, breaks: ["/summary/errors", "0"] },

  // eval-result: migrate eval -o json
  { name: "eval deny", schema: EVAL, args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-7.yaml`, "-o", "json"], code: 1, breaks: ["/apiError/code", "422"] },
  { name: "eval admit", schema: EVAL, args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-3.yaml`, "-o", "json"], code: 0, breaks: ["/results/0/binding", DELETE] },
  { name: "eval skip", schema: EVAL, args: ["eval", `${E}/replicas-policy.yaml`, "--request", `${E}/deployment-7-dev.yaml`, "-o", "json"], code: 0, breaks: ["/results/0/skipReason", "namespace"] },
  { name: "eval params", schema: EVAL, args: ["eval", `${F}/vap/params-policy.yaml`, "--request", `${F}/vap/replicas-deployment.yaml`, "-o", "json"], code: 1, breaks: ["/results/1/params", 1] },
  { name: "eval MutatingAdmissionPolicy", schema: EVAL, args: ["eval", `${F}/map/sidecar-apply/policies.yaml`, "--request", `${F}/map/sidecar-apply/object.yaml`, "-o", "json"], code: 0, breaks: ["/mutatedObject", "patched"] },
  { name: "eval mutation error", schema: EVAL, args: ["eval", `${F}/map/atomic-list-error/policies.yaml`, "--request", `${F}/map/atomic-list-error/object.yaml`, "-o", "json"], code: 1, breaks: ["/verdict", "mutate"] },

  // rego-eval: migrate rego eval (always JSON)
  { name: "rego eval with bindings", schema: REGO_EVAL, args: ["rego", "eval", "x := 1; y := [x, 2]"], code: 0, breaks: ["/result/0/expressions/1/location/row", 0] },
  { name: "rego eval undefined", schema: REGO_EVAL, args: ["rego", "eval", "data.nothing.here"], code: 0, breaks: ["/result", []] },
  { name: "rego eval -d -i", schema: REGO_EVAL, args: ["rego", "eval", "data.k8sdenyprivileged.violation", "-d", `${F}/gatekeeper/rego/k8sdenyprivileged.rego`, "-i", `${F}/gatekeeper/rego/input.yaml`, "--v0"], code: 0, breaks: ["/result/0/expressions/0/text", DELETE] },

  // repo-report: migrate repo -o json (the migration-report.json it writes), and a typed sample with an error entry
  { name: "repo fixtures", schema: REPO, args: ["repo", F, "--out", "$T/repo-out", "--workers", "1", "-o", "json"], code: 3, breaks: ["/sources/0/equivalence", "same"] },
  { name: "repo report (typed sample)", schema: REPO, value: repoReport, breaks: ["/sources/1/status", "failed"] },

  // impact-report: migrate impact -o json
  { name: "impact", schema: IMPACT, args: ["impact", `${F}/impact/dump.yaml`, "--policies", `${F}/psp/restricted.yaml`, `${F}/kyverno/disallow-host-namespaces.yaml`, ...GK, "-o", "json"], code: 0, breaks: ["/policies/0/objects", "3"] },

  // review-report: migrate review -o json needs a git repository (test/cli-review.test.ts runs it); here the
  // comparison of two typed repo runs stands in
  { name: "review (two typed runs compared)", schema: REVIEW, value: reviewReport, breaks: ["/policies/0/change", "edited"] },

  // SARIF 2.1.0 (OASIS schema, verbatim)
  { name: "SARIF log (hand-made)", schema: SARIF, value: sarifLog, breaks: ["/runs/0/results/0/level", "fatal"] },
];

// --- the broken copy --------------------------------------------------------------------------------------------

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;

/** A deep copy of `doc` with `value` put at the JSON pointer (DELETE: removed). Throws when the parent is missing. */
function broken(doc: unknown, pointer: string, value: unknown): unknown {
  const copy = structuredClone(doc);
  const keys = pointer.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = keys.pop();
  let at: unknown = copy;
  for (const k of keys) {
    if (!isContainer(at)) throw new Error(`${pointer}: no container at ${k}`);
    at = (at as Record<string, unknown>)[k];
  }
  if (!isContainer(at) || last === undefined) throw new Error(`${pointer}: no parent to break`);
  if (value !== DELETE) (at as Record<string, unknown>)[last] = value;
  else if (!(last in at)) throw new Error(`${pointer}: nothing to delete`);
  else if (Array.isArray(at)) at.splice(Number(last), 1);
  else delete at[last];
  return copy;
}

/** Default break: the schema's first top-level required member, removed. */
function defaultBreak(schemaPath: string): readonly [string, unknown] {
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as { required?: string[] };
  const first = schema.required?.[0];
  if (!first) throw new Error(`${schemaPath} requires nothing at the top: give the row a \`breaks\``);
  return [`/${first}`, DELETE];
}

// --- the rows ---------------------------------------------------------------------------------------------------

let scratch = "";
beforeAll(() => {
  scratch = makeScratch();
});
afterAll(() => removeScratch(scratch));

async function documentOf(row: Row): Promise<unknown> {
  if (row.value) return row.value();
  const r = await runMigrate(row.args ?? [], scratch);
  expect(r.code, r.err).toBe(row.code ?? 0);
  return JSON.parse(r.out) as unknown;
}

describe("every -o json output validates against its schema in docs/schemas", () => {
  it.each(ROWS.map((r) => [r.name, r] as const))("%s", async (_name, row) => {
    const doc = await documentOf(row);
    expect(validateJson(row.schema, doc)).toEqual([]);
    const [pointer, value] = row.breaks ?? defaultBreak(row.schema);
    const bad = broken(doc, pointer, value);
    expect(JSON.stringify(bad)).not.toBe(JSON.stringify(doc));
    expect(validateJson(row.schema, bad), `broken at ${pointer}`).not.toEqual([]);
  });
});

// --- the schemas themselves -------------------------------------------------------------------------------------

const OUR_SCHEMAS = readdirSync(SCHEMA_DIR)
  .filter((f) => f.endsWith(".schema.json"))
  .sort();

interface SchemaNode {
  [k: string]: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
}

/** Every schema object under `node` that documents data (through properties, items, definitions, allOf/anyOf/oneOf,
 *  then/else; not into `if` / `not`, which only test). */
function* nodes(node: unknown, where: string): Generator<[string, SchemaNode]> {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) yield* nodes(n, `${where}/${i}`);
    return;
  }
  if (!isContainer(node)) return;
  yield [where, node as SchemaNode];
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties" || k === "definitions" || k === "$defs") for (const [name, sub] of Object.entries(v as object)) yield* nodes(sub, `${where}/${k}/${name}`);
    else if (["items", "additionalProperties", "allOf", "anyOf", "oneOf", "then", "else"].includes(k)) yield* nodes(v, `${where}/${k}`);
  }
}

/** What is wrong with one of our schemas (`file`: its file name), one line each. */
function schemaProblems(schema: SchemaNode, file: string): string[] {
  const problems: string[] = [];
  if (schema["$schema"] !== "http://json-schema.org/draft-07/schema#") problems.push("$schema is not draft-07");
  if (typeof schema["$id"] !== "string" || !schema["$id"].endsWith(`/${file}`)) problems.push(`$id does not end with /${file}`);
  for (const k of ["title", "description"]) if (typeof schema[k] !== "string") problems.push(`no ${k}`);
  for (const [where, node] of nodes(schema, "#")) {
    for (const [name, prop] of Object.entries(node.properties ?? {}))
      if (!isContainer(prop) || typeof prop.description !== "string" || !prop.description) problems.push(`${where}/properties/${name}: no description`);
    // a `then: {"required": [...]}` without properties names members declared beside its `if`: not checked here
    if (node.properties) for (const name of node.required ?? []) if (!(name in node.properties)) problems.push(`${where}: required ${name} is not in properties`);
  }
  return problems;
}

const readSchema = (file: string): SchemaNode => JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as SchemaNode;

/**
 * Schemas in docs/schemas written elsewhere that do not meet the conventions above yet, and have no row: each is
 * asserted to still fall short, so fixing one fails that test — then delete its entry here and add its row.
 */
const PENDING: Readonly<Record<string, string>> = {};

describe("the schemas", () => {
  it("docs/schemas holds the output schemas of this table", () => {
    expect(OUR_SCHEMAS).toEqual(expect.arrayContaining(["convert-report.schema.json", "eval-result.schema.json", "rego-eval.schema.json", "replay-report.schema.json", "repo-report.schema.json"]));
  });

  const ready = OUR_SCHEMAS.filter((f) => !(f in PENDING));
  const pending = OUR_SCHEMAS.filter((f) => f in PENDING);

  it.each(ready)("%s: compiles strictly, with $id, title and a description on every property", (file) => {
    expect(() => schemaValidator(path.join(SCHEMA_DIR, file))).not.toThrow();
    expect(schemaProblems(readSchema(file), file)).toEqual([]);
  });

  it.each(ready)("%s: has a row above and a line in docs/schemas/README.md", (file) => {
    expect(ROWS.some((r) => path.basename(r.schema) === file)).toBe(true);
    expect(readFileSync(path.join(SCHEMA_DIR, "README.md"), "utf8")).toContain(`(${file})`);
  });

  it.runIf(pending.length).each(pending)("%s: pending (still short of the conventions)", (file) => {
    expect(schemaProblems(readSchema(file), file), PENDING[file]).not.toEqual([]);
  });

  it("the schema check itself finds what it looks for", () => {
    const schema: SchemaNode = { $schema: "http://json-schema.org/draft-04/schema#", $id: "x/other.json", title: "t", properties: { a: { type: "string" }, b: { description: "b" } }, required: ["a", "c"] };
    expect(schemaProblems(schema, "x.schema.json")).toEqual([
      "$schema is not draft-07",
      "$id does not end with /x.schema.json",
      "no description",
      "#/properties/a: no description",
      "#: required c is not in properties",
    ]);
  });

  it("the SARIF schema is the OASIS 2.1.0 one (errata 01), compiled as draft-04", () => {
    const sarif = JSON.parse(readFileSync(SARIF, "utf8")) as { id?: string; $schema?: string };
    expect(sarif.id).toBe("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
    expect(sarif.$schema).toBe("http://json-schema.org/draft-04/schema#");
    expect(validateJson(SARIF, { version: "2.1.0", runs: [] })).toEqual([]);
    expect(validateJson(SARIF, { version: "2.0.0", runs: [] })).toEqual(['/version: must be equal to one of the allowed values (["2.1.0"])']);
  });
});
