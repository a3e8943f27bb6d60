// Fuzzing the read side with fast-check: YAML-ish text through parseDocuments (both schemas) and CEL-ish strings
// through the CEL parser and through `migrate eval`. The property: input is either accepted or refused with a located
// error — an InputError naming the file (YAML), a CelCompileError whose every issue has a line and column (CEL), exit
// 2 with one `error: FILE:LINE: …` line (the CLI) — never another exception, a stack trace or a stack overflow.
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CelCompileError } from "../src/cel/ast.js";
import { parse } from "../src/cel/parser.js";
import { InputError, parseDocuments } from "../src/input/yaml.js";
import { runMigrate } from "./support/cli-run.js";

/** Pieces YAML is made of, so generated text reaches the parser's corners (flow, anchors, tags, indentation). */
const YAML_PIECES = ["a", "b", ":", ": ", "- ", "\n", "  ", "\t", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ", "!!int ", "? ", "|", ">", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n", "yes", "on", "0755", "0x1F", ".inf", ".nan", "~", "<<: ", "\\", "\u0000", "\uFEFF", "é"];
const yamlish = fc.oneof(fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((xs) => xs.join("")), fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 100 }));

/** Pieces of CEL: operators, brackets, literals, macros, strings with escapes. */
const CEL_PIECES = ["object", ".", "spec", "replicas", "(", ")", "[", "]", "{", "}", "?", ":", "!", "-", "+", "*", "/", "%", "==", "!=", "<", "<=", "&&", "||", " in ", ",", "1", "1u", "1.5", "0x1F", "9223372036854775808", '"s"', "'\\u00e9'", 'b"\\xff"', 'r"\\d"', "'''x'''", "true", "null", "has(", ".all(x, ", ".exists(x, ", ".map(x, ", "x", "`a-b`", "@result", " ", "\n", "\\"];
const celish = fc.oneof(fc.array(fc.constantFrom(...CEL_PIECES), { maxLength: 50 }).map((xs) => xs.join("")), fc.string({ maxLength: 120 }), fc.nat({ max: 600 }).map((n) => `${"(".repeat(n)}1${")".repeat(n)}`), fc.nat({ max: 2000 }).map((n) => Array(n + 1).fill("1").join("+")));

describe("fuzz: YAML text is accepted or refused with a located InputError", () => {
  for (const schema of ["core", "kubectl"] as const) {
    it(`schema ${schema}`, () => {
      fc.assert(
        fc.property(yamlish, (text) => {
          try {
            parseDocuments(text, "fuzz.yaml", { schema });
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
            expect(e.file).toBe("fuzz.yaml");
            expect(e.message.startsWith(e.line ? `fuzz.yaml:${e.line}: ` : "fuzz.yaml: ")).toBe(true);
            expect(e.message).not.toMatch(/call stack/i);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("fuzz: CEL source is accepted or refused with a CelCompileError at a line and column", () => {
  it("parse", () => {
    fc.assert(
      fc.property(celish, (src) => {
        try {
          parse(src);
        } catch (e) {
          if (!(e instanceof CelCompileError)) throw e;
          expect(e.issues.length).toBeGreaterThan(0);
          for (const i of e.issues) {
            expect(i.line).toBeGreaterThanOrEqual(1);
            expect(i.column).toBeGreaterThanOrEqual(1);
          }
          expect(e.message).not.toMatch(/call stack/i);
        }
      }),
      { numRuns: 300 },
    );
  });
});

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "migrate-fuzz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const policy = (expression: string): string => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: fuzz}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
    - expression: ${JSON.stringify(expression)}
`;

describe("fuzz: `migrate eval` with a fuzzed validation exits 0, 1 or 2 with a located error, never a crash", () => {
  it("eval", async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(celish, async (expression) => {
        const file = path.join(dir, "policy.yaml");
        writeFileSync(file, policy(expression));
        const r = await runMigrate(["eval", file, "--request", "fixtures/eval/deployment-3.yaml"]);
        expect([0, 1, 2]).toContain(r.code);
        expect(r.err).not.toMatch(/\n\s+at |call stack|internal error/i);
        if (r.code === 2) {
          refused++;
          expect(r.err.split("\n")[0]).toMatch(/^error: .*policy\.yaml:8: ValidatingAdmissionPolicy fuzz: spec\.validations\[0\]\.expression: (column \d+|expression is required$)/);
        }
      }),
      { numRuns: 150 },
    );
    // the generator reaches the refusal path (a property that only ever saw valid CEL would prove nothing)
    expect(refused).toBeGreaterThan(0);
  });
});
