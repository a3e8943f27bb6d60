// Every row of corpus/golden/cel-values.jsonl (values recorded from cel-go 0.26 with the Kubernetes 1.36 admission
// environment): compile `expr` in our admission env for its field, evaluate with the row's vars, and compare the
// result and runtime type, or the error text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { T } from "../src/cel/types.js";
import { CelError, CelMap, fromJSON, toJSON, typeName, type Value } from "../src/cel/values.js";
import { admissionEnv, compileAdmission, namespaceValue } from "../src/vap/celenv.js";
import type { KObject } from "../src/vap/types.js";
import { bound, canonical } from "./support/cel-json.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

const FILE = "golden/cel-values.jsonl";

interface Row {
  id: string;
  field: string;
  expr: string;
  vars: {
    object: unknown;
    oldObject: unknown;
    request: Record<string, unknown>;
    namespaceObject: KObject | null;
    variables: Record<string, unknown>;
  };
  result: unknown;
  type: string | null;
  error: string | null;
  compileError: string | null;
}

/** Rows allowed to diverge, with the cause. */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

function returnTypes(field: string) {
  if (field.endsWith(".messageExpression")) return [T.string];
  if (field.startsWith("spec.variables")) return [];
  return [T.bool];
}

function evalRow(r: Row): { result?: unknown; type?: string; error?: string; compileError?: string } {
  const varNames = Object.keys(r.vars.variables ?? {});
  const env = admissionEnv({
    hasParams: true,
    hasAuthorizer: !r.field.endsWith(".messageExpression"),
    variables: varNames.map((n) => [n, T.dyn] as const),
  });
  const c = compileAdmission(env, r.expr, returnTypes(r.field));
  if (!c.ok) return { compileError: c.error };
  const variables = bound(r.vars.variables ?? {});
  // request is given as CEL sees it; namespaceObject already restricted
  const act = {
    object: bound(r.vars.object),
    oldObject: bound(r.vars.oldObject),
    request: fromJSON(r.vars.request),
    namespaceObject: r.vars.namespaceObject ? bound(r.vars.namespaceObject) : namespaceValue(null),
    params: null,
    variables: variables instanceof CelMap ? variables : fromJSON({}),
  };
  try {
    const v: Value = c.program.eval(act);
    return { result: toJSON(v), type: typeName(v) };
  } catch (e) {
    return { error: e instanceof CelError ? e.message : `internal: ${String(e)}` };
  }
}

describe.skipIf(!haveCorpus("vap-cel-values", FILE))("cel-go values in the admission environment", () => {
  it("agrees with every recorded row", () => {
    const rows = readFileSync(corpusPath(FILE), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Row);
    let agree = 0;
    const diverging: { id: string; expr: string; want: string; got: string }[] = [];
    for (const r of rows) {
      const got = evalRow(r);
      const want = r.error !== null
        ? { error: r.error }
        : r.compileError !== null
          ? { compileError: r.compileError }
          : { result: r.result, type: r.type };
      const ok =
        "error" in want
          ? got.error === want.error
          : "compileError" in want
            ? got.compileError === want.compileError
            : got.type === want.type && canonical(got.result) === canonical(want.result);
      if (ok) agree++;
      else diverging.push({ id: r.id, expr: r.expr.slice(0, 160), want: JSON.stringify(want).slice(0, 300), got: JSON.stringify(got).slice(0, 300) });
    }
    const unlisted = diverging.filter((d) => !EXCEPTIONS.has(d.id));
    console.log(`[vap-cel-values] ${agree}/${rows.length} rows agree; listed exceptions ${diverging.length - unlisted.length}, unlisted ${unlisted.length}`);
    for (const d of unlisted.slice(0, 25)) console.log(`  ✗ ${d.id} ${d.expr}\n    want ${d.want}\n    got  ${d.got}`);
    expect(unlisted.map((d) => d.id)).toEqual([]);
    // a listed exception that now agrees is stale: remove it
    expect([...EXCEPTIONS.keys()].filter((id) => !diverging.some((d) => d.id === id))).toEqual([]);
    expect(rows).toHaveLength(2142);
  });
});
