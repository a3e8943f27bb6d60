// OPA's own topdown conformance cases (../shared/corpus/opa, v0 and v1) replayed through our parser and engine,
// as OPA's exported_test.go runs them: result sets compared as sets of binding objects (arrays sorted when
// `sort_bindings`), `want_error_code` by code, `want_error` as a substring of the error text. Measured on the cases
// whose builtins are all in the admission subset INDEX.tsv names; every failure is listed below with its cause.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { compileModules, evalQuery, RegoError } from "../converters/rego/engine/index.js";
import { parseModule, parseQuery, parseTerm } from "../converters/rego/parser.js";
import { RegoParseError } from "../converters/rego/ast.js";
import { compare, fromJSON, isArray, keyOf, RSet, toJSON, type Value } from "../converters/rego/value.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";
import { evalTerm, Frame, newContext } from "../converters/rego/engine/eval.js";
import { compileProgram } from "../converters/rego/engine/compile.js";

interface OpaCase {
  note: string;
  modules?: string[];
  query: string;
  data?: Record<string, unknown>;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
}

interface IndexRow {
  file: string;
  outside: string[];
  version: 0 | 1;
}

const DOUBLES = "numbers are doubles (OPA keeps arbitrary precision)";

/** Cases known to fail, by `<v0|v1>/<note>`, with the cause. Keep this list short and true. */
const KNOWN_FAILURES: Record<string, string> = {
  "v0/strings/sprintf: float too big": `${DOUBLES}: 2e308 overflows to Infinity`,
  "v0/sprintf/big_int": `${DOUBLES}: a 21-digit integer loses its low digits`,
  "v0/sprintf/big_int/max_cert_serial_number": `${DOUBLES}: a 25-digit integer prints as a float`,
  "v0/arithmetic/big_int": `${DOUBLES}: two 23-digit integers that differ in the last digit compare equal`,
  "v1/strings/sprintf: float too big": `${DOUBLES}: 2e308 overflows to Infinity`,
  "v1/sprintf/big_int": `${DOUBLES}: a 21-digit integer loses its low digits`,
  "v1/sprintf/big_int/max_cert_serial_number": `${DOUBLES}: a 25-digit integer prints as a float`,
  "v1/arithmetic/big_int": `${DOUBLES}: two 23-digit integers that differ in the last digit compare equal`,
  "v1/strings/format_int: bignum exact (>64-bit integer, all bases + negative)": `${DOUBLES}: 2^64 + 1 is not exact`,
  "v1/aggregates/sum integer fast-path overflow (elements fit int64, sum does not)": `${DOUBLES}: sums beyond 2^63 are not exact`,
  "v1/arithmetic/bignum exact (>64-bit integers through plus, minus, multiply)": `${DOUBLES}: results beyond 2^53 are not exact`,
  "v1/arithmetic/bignum modulo (divisor a nonzero multiple of 2^64)": `${DOUBLES}: operands beyond 2^53 are not exact`,
};

function readIndex(): IndexRow[] {
  const lines = readFileSync(corpusPath("opa/INDEX.tsv"), "utf8").trim().split("\n");
  const header = lines[0]!.split("\t");
  const col = (name: string): number => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const cells = line.split("\t");
    const names = (cell: string | undefined): string[] => (cell ? cell.split(",").filter(Boolean) : []);
    return {
      file: cells[col("file")]!,
      outside: [...names(cells[col("out_of_scope_builtins")]), ...names(cells[col("other_builtins_outside_subset")])],
      version: cells[col("version")] === "v1" ? 1 : 0,
    };
  });
}

function inScope(testCase: OpaCase, outside: readonly string[]): boolean {
  const text = [...(testCase.modules ?? []), testCase.query].join("\n");
  return !outside.some((name) => new RegExp(`(^|[^\\w.])${name.replace(/\./g, "\\.")}\\(`).test(text));
}

/** A result binding as OPA's test compares it: through JSON, sets as (sorted) arrays. */
function normalize(value: Value, sortArrays: boolean): Value {
  const json = fromJSON(toJSON(value));
  if (sortArrays && isArray(json)) return [...json].sort(compare);
  return json;
}

function evalInputTerm(text: string): Value | undefined {
  const program = compileProgram([]);
  let result: Value | undefined;
  evalTerm(parseTerm(text), new Frame(), newContext(program, undefined, undefined, false), (value) => {
    result = value;
    return true;
  });
  return result;
}

type Outcome = { pass: true } | { pass: false; why: string };

export function runCase(testCase: OpaCase, version: 0 | 1): Outcome {
  let results: Map<string, Value>[];
  try {
    const modules = (testCase.modules ?? []).map((text, index) => parseModule(text, `test-${index}.rego`, { regoVersion: version }));
    const program = compileModules(modules);
    const query = parseQuery(testCase.query, "<query>", { regoVersion: version });
    const input = testCase.input_term !== undefined ? evalInputTerm(testCase.input_term) : testCase.input !== undefined ? fromJSON(testCase.input) : undefined;
    results = evalQuery(program, query, { input, data: testCase.data === undefined ? undefined : fromJSON(testCase.data), strictBuiltinErrors: testCase.strict_error ?? false });
  } catch (error) {
    if (!(error instanceof RegoError || error instanceof RegoParseError)) return { pass: false, why: `crash: ${String(error)}` };
    const code = error instanceof RegoError ? error.code : "rego_parse_error";
    if (testCase.want_error_code === undefined && testCase.want_error === undefined) return { pass: false, why: `unexpected error: ${error.message}` };
    if (testCase.want_error_code !== undefined && testCase.want_error_code !== code) return { pass: false, why: `want code ${testCase.want_error_code}, got ${error.message}` };
    if (testCase.want_error !== undefined && !error.message.includes(testCase.want_error)) return { pass: false, why: `want error text ${JSON.stringify(testCase.want_error)}, got ${error.message}` };
    return { pass: true };
  }
  if (testCase.want_error_code !== undefined || testCase.want_error !== undefined) {
    return { pass: false, why: `want error ${testCase.want_error_code ?? ""} ${testCase.want_error ?? ""}, got ${results.length} results` };
  }
  const sortArrays = testCase.sort_bindings ?? false;
  const got = new RSet(results.map((bindings) => fromJSON(Object.fromEntries([...bindings].map(([name, value]) => [name, toJSON(normalize(value, sortArrays))])))));
  const want = new RSet((testCase.want_result ?? []).map((bindings) => fromJSON(bindings)));
  if (keyOf(got) === keyOf(want)) return { pass: true };
  return { pass: false, why: `want ${JSON.stringify(toJSON(want))}, got ${JSON.stringify(toJSON(got))}` };
}

/** Every in-scope case of every INDEX row through our parser and engine. */
function runAll(): { tally: { v0: { run: number; pass: number }; v1: { run: number; pass: number } }; failures: string[]; unexpectedPasses: string[] } {
  const rows = readIndex();
  const tally = { v0: { run: 0, pass: 0 }, v1: { run: 0, pass: 0 } };
  const failures: string[] = [];
  const unexpectedPasses: string[] = [];
  for (const row of rows) {
    const doc = parseYaml(readFileSync(corpusPath(`opa/${row.file}`), "utf8")) as { cases?: OpaCase[] };
    for (const testCase of doc.cases ?? []) {
      if (!inScope(testCase, row.outside)) continue;
      const bucket = row.version === 1 ? tally.v1 : tally.v0;
      bucket.run++;
      const outcome = runCase(testCase, row.version);
      const id = `${row.file.split("/")[0]}/${testCase.note}`;
      if (outcome.pass) {
        bucket.pass++;
        if (KNOWN_FAILURES[id]) unexpectedPasses.push(id);
      } else if (!KNOWN_FAILURES[id]) failures.push(`${id} (${row.file}): ${outcome.why}`);
    }
  }
  if (process.env["REGO_FAILURES_OUT"]) writeFileSync(process.env["REGO_FAILURES_OUT"], failures.join("\n") + "\n");
  return { tally, failures, unexpectedPasses };
}

describe.skipIf(!haveCorpus("rego-opa-conformance", "opa/INDEX.tsv"))("OPA conformance cases (admission subset)", () => {
  // collection runs this body even when the corpus is missing (the tests are then skipped): run lazily
  let cache: ReturnType<typeof runAll> | undefined;
  const results = (): ReturnType<typeof runAll> => (cache ??= runAll());

  it("reports the pass rate per syntax version", () => {
    const { tally } = results();
    console.log(`OPA conformance (admission subset): v0 ${tally.v0.pass}/${tally.v0.run}, v1 ${tally.v1.pass}/${tally.v1.run}`);
    expect(tally.v0.run).toBeGreaterThan(900);
    expect(tally.v1.run).toBeGreaterThan(1100);
  });

  it("passes at least 98 % of the cases in each version", () => {
    const { tally } = results();
    expect(tally.v0.pass / tally.v0.run).toBeGreaterThanOrEqual(0.98);
    expect(tally.v1.pass / tally.v1.run).toBeGreaterThanOrEqual(0.98);
  });

  it("fails only the cases listed with their cause", () => {
    const { failures, unexpectedPasses } = results();
    expect(failures.slice(0, 60)).toEqual([]);
    expect(unexpectedPasses).toEqual([]);
  });
});
