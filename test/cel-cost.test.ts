// Runtime CEL cost as kube-apiserver 1.36 tracks it (cel-go 0.26 ActualCost with Kubernetes' CostEstimator and
// OptOptimize): small tables verified against the golden data, then every row of corpus/golden/cel-costs.jsonl —
// expression, bound vars and the policy's variables typed as the plugin types them — must reproduce its cost
// exactly (or fall within [cost, costMax] where Go's map order makes it vary) together with its result or error.
import { describe, expect, it } from "vitest";
import { PER_CALL_LIMIT } from "../src/cel/cost.js";
import type { CelType } from "../src/cel/types.js";
import { fromJSON, toJSON, typeName, type Value } from "../src/cel/values.js";
import { admissionEnv, compileAdmission, variableDeclType } from "../src/vap/celenv.js";
import { evaluate } from "../src/vap/engine.js";
import type { AdmissionRequest, ValidatingAdmissionPolicy } from "../src/vap/types.js";
import { bound, canonical } from "./support/cel-json.js";
import { haveCorpus, readCorpusJsonl } from "./support/corpus.js";

interface CostRow {
  id: string;
  field: string | null;
  expr: string;
  vars: Record<string, unknown>;
  variableDecls?: { name: string; expression: string }[];
  result: unknown;
  type: string | null;
  error: string | null;
  cost: number;
  costMax?: number;
}

/** The `variables` field types: each declared variable compiled in order, seeing the earlier ones. */
function variableTypes(decls: readonly { name: string; expression: string }[]): [string, CelType][] {
  const types: [string, CelType][] = [];
  for (const d of decls) {
    const env = admissionEnv({ hasParams: true, hasAuthorizer: true, variables: [...types] });
    const c = compileAdmission(env, d.expression);
    types.push([d.name, variableDeclType(c.ok ? c.type : undefined)]);
  }
  return types;
}

interface Outcome {
  cost: number;
  result?: unknown;
  type?: string;
  error?: string;
  compileError?: string;
}

function run(expr: string, vars: Record<string, unknown>, opts: { decls?: CostRow["variableDecls"]; messageExpression?: boolean } = {}): Outcome {
  const env = admissionEnv({
    hasParams: true,
    hasAuthorizer: !opts.messageExpression,
    variables: variableTypes(opts.decls ?? []),
  });
  const c = compileAdmission(env, expr);
  if (!c.ok) return { cost: 0, compileError: c.error };
  const act: Record<string, Value> = {
    object: bound(vars["object"] ?? null),
    oldObject: bound(vars["oldObject"] ?? null),
    request: fromJSON(vars["request"] ?? {}),
    namespaceObject: bound(vars["namespaceObject"] ?? null),
    params: null,
    variables: bound(vars["variables"] ?? {}),
  };
  const r = c.program.evaluate(act);
  if (!r.ok) return { cost: r.cost, error: r.error.message };
  return { cost: r.cost, result: toJSON(r.value), type: typeName(r.value) };
}

// ---------------------------------------------------------------------------------------------------------------
// Small tables (costs verified against corpus/golden/cel-costs.jsonl), no corpus needed

const pod = { spec: { containers: [{ name: "a", image: "registry.example.com/a:1" }, { name: "b", image: "docker.io/b:2" }] } };
const longString = "abcdefghij".repeat(2000);

describe("CEL runtime cost", () => {
  it.each([
    // [expression, cost, object]
    ["has(object.a) && has(object.a.b) && !has(object.a.c)", 6, { a: { b: 1 } }], // cost-has-free: has() itself is free
    ["'b' in ['a', 'b', 'c']", 0, {}], // cost-const-fold-in: constant set membership is folded
    ["['a', 'b', 'c'].exists(x, x == 'b')", 16, {}], // cost-const-fold-list: no list creation cost
    ["size(object.s)", 3, { s: longString }], // cost-str-size
    ["object.s.startsWith('abc')", 2002, { s: longString }], // cost-str-startswith: ⌈0.1 · 20,000⌉
    ["object.s.contains('jabcdefghij')", 4002, { s: longString }], // cost-str-contains: ⌈0.1·len⌉·⌈0.1·len(sub)⌉
    ["object.?a.?b.orValue(0) + object.?x.?y.orValue(5) + object.a[?'b'].orValue(0)", 9, { a: { b: 1 } }], // cost-optional-chain
    ["lists.range(166664).all(i, i >= 0)", 999_996, {}], // cost-boundary-under
    ["lists.range(100).map(i, {'k': i}).size()", 4413, {}], // cost-map-create-in-loop: 30 per map
    ["lists.range(2000).exists_one(i, i == 1234)", 6015, {}], // cost-comp-exists-one
  ] as const)("%s costs %d", (expr, cost, object) => {
    expect(run(expr, { object })).toMatchObject({ cost });
  });

  it("a typed list makes `in` cost its size, a dyn one costs 1 (the overload is resolved statically)", () => {
    expect(run("'item-1999' in object.items", { object: { items: ["a", "b", "c"] } }).cost).toBe(3);
    expect(run("1999 in lists.range(2000)", {}).cost).toBe(2011 + 2000); // cost-comp-map-in: range n + 11, `in` n
  });

  it("stops past the per-call limit with cel-go's error and the total at the crossing step", () => {
    const r = run("lists.range(166665).all(i, i >= 0)", {}); // cost-boundary-over
    expect(r).toEqual({ cost: PER_CALL_LIMIT + 1, error: "operation cancelled: actual cost limit exceeded" });
    expect(run("size(lists.range(2000000))", {})).toMatchObject({ cost: 2_000_011 }); // cost-list-range-huge
  });

  it("charges pairwise comprehensions per element pair (the VAP budget cases' shape)", () => {
    const r = run("object.spec.containers.all(c, object.spec.containers.exists_one(d, d.name == c.name))", { object: pod });
    expect(r).toMatchObject({ result: true, cost: 5 * 2 * 2 + 10 * 2 + 4 }); // 5n² + 10n + 4: 804,004 for 400
  });
});

describe("VAP cost budget", () => {
  const request = (object: unknown): AdmissionRequest => ({
    kind: { group: "", version: "v1", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    name: "p",
    namespace: "default",
    operation: "CREATE",
    object: object as AdmissionRequest["object"],
  });
  const policy = (expressions: string[], failurePolicy: "Fail" | "Ignore" = "Fail"): ValidatingAdmissionPolicy => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "p" },
    spec: {
      failurePolicy,
      matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }] },
      validations: expressions.map((expression, i) => ({ expression, message: `check ${i}` })),
    },
  });
  // 900,013 each: lists.range(150,000) (150,011) + 150,000 × 5 + 1, then `i >= 0` (1)
  const heavy = (i: number): string => `lists.range(150000).all(x, x >= 0) && ${i} >= 0`;

  it("12 validations of ~900k exceed the 10M budget: one error, earlier denies dropped", () => {
    const exprs = ["object.metadata.name == 'other'", ...Array.from({ length: 12 }, (_, i) => heavy(i))];
    const d = evaluate({ policies: [policy(exprs)], bindings: [], request: request({ metadata: { name: "p" } }) });
    expect(d.verdict).toBe("error");
    expect(d.messages).toEqual(["validation failed due to running out of cost budget, no further validation rules will be run"]);
    const ignored = evaluate({ policies: [policy(exprs, "Ignore")], bindings: [], request: request({ metadata: { name: "p" } }) });
    expect(ignored.verdict).toBe("admit");
  });

  it("11 of them fit, and the Decision reports the cost", () => {
    const exprs = Array.from({ length: 11 }, (_, i) => heavy(i));
    const d = evaluate({ policies: [policy(exprs)], bindings: [], request: request({ metadata: { name: "p" } }) });
    expect(d.verdict).toBe("admit");
    expect(d.results[0]!.cost).toBe(11 * 900_013);
    expect(d.cost).toBe(11 * 900_013);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Golden rows

/** Why a golden row disagrees (cost, result or error), or undefined when it agrees. */
function rowDiff(r: CostRow): string | undefined {
  const got = run(r.expr, r.vars, { decls: r.variableDecls, messageExpression: r.field?.endsWith(".messageExpression") });
  const costOk = r.costMax === undefined ? got.cost === r.cost : got.cost >= r.cost && got.cost <= r.costMax;
  const valueOk = r.error !== null ? got.error === r.error : got.type === r.type && canonical(got.result) === canonical(r.result);
  if (costOk && valueOk) return undefined;
  const want = r.error ?? `${r.type} ${canonical(r.result).slice(0, 80)}`;
  const have = got.compileError ?? got.error ?? `${got.type} ${canonical(got.result).slice(0, 80)}`;
  return `${r.id} ${r.expr.slice(0, 140)}\n    want ${r.cost}${r.costMax ? `..${r.costMax}` : ""} ${want}\n    got  ${got.cost} ${have}`;
}

const present = haveCorpus("cel-cost", "golden/cel-costs.jsonl");

describe.skipIf(!present)("cel-go runtime costs (corpus/golden/cel-costs.jsonl)", () => {
  it("reproduces every row's cost and result", () => {
    const rows = readCorpusJsonl<CostRow>("golden/cel-costs.jsonl");
    const diverging = rows.map(rowDiff).filter((d): d is string => d !== undefined);
    console.log(`[cel-cost] ${rows.length - diverging.length}/${rows.length} rows: cost and result agree`);
    for (const d of diverging.slice(0, 40)) console.log(`  ✗ ${d}`);
    expect(diverging).toEqual([]);
  });
});
