// Every gator suite of the shared Gatekeeper corpus loads: tests, cases, objects (one per file), inventories,
// templates and constraints; the per-template counts and expected verdicts agree with corpus/gatekeeper/INDEX.tsv.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkConstraintForTemplate, regoModules, regoFileLine } from "../converters/rego/gatekeeper/model.js";
import { gatorReview, inventoryData, isAdmissionReview } from "../converters/rego/gatekeeper/review.js";
import { runSuite } from "../converters/rego/gatekeeper/run.js";
import { expectedVerdict, listSuiteFiles, loadCaseInventory, loadCaseObject, readConstraintFile, readSuite, readTemplateFile, suiteFilesUnder } from "../converters/rego/gatekeeper/suite.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

interface Counts {
  tests: number;
  cases: number;
  admission_review_cases: number;
  inventory_cases: number;
  message_assert_cases: number;
  exact_count_gt1_cases: number;
  cases_expect_violation: number;
  cases_expect_none: number;
}

const COLUMNS: (keyof Counts)[] = ["tests", "cases", "admission_review_cases", "inventory_cases", "message_assert_cases", "exact_count_gt1_cases", "cases_expect_violation", "cases_expect_none"];

function readIndex(): Map<string, Counts & { kind: string; template_name: string }> {
  const [head, ...lines] = readFileSync(corpusPath("gatekeeper/INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim());
  const cols = head!.split("\t");
  const out = new Map<string, Counts & { kind: string; template_name: string }>();
  for (const l of lines) {
    const cells = l.split("\t");
    const rec = Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ""]));
    const counts = Object.fromEntries(COLUMNS.map((c) => [c, Number(rec[c])])) as unknown as Counts;
    out.set(rec.path!, { ...counts, kind: rec.kind!, template_name: rec.template_name! });
  }
  return out;
}

describe.skipIf(!haveCorpus("gatekeeper-corpus", "gatekeeper/INDEX.tsv"))("gatekeeper corpus suites", () => {
  // collection runs this body even when the corpus is missing (the tests are then skipped): read it lazily
  const root = corpusPath("gatekeeper");
  let cache: { files: string[]; index: ReturnType<typeof readIndex> } | undefined;
  const corpus = (): { files: string[]; index: ReturnType<typeof readIndex> } => (cache ??= { files: suiteFilesUnder(root), index: readIndex() });

  it("finds a suite for every INDEX row", () => {
    const { files, index } = corpus();
    expect(files.map((f) => path.relative(root, path.dirname(f))).sort()).toEqual([...index.keys()].sort());
    // gator verify dir/... reads every YAML file and keeps the suites
    expect(listSuiteFiles(root).filter((f) => readSuite(f) !== undefined)).toEqual([...files].sort());
  });

  it("loads every test and case, and the counts per template match INDEX.tsv", () => {
    const { files, index } = corpus();
    const errors: string[] = [];
    const mismatches: string[] = [];
    const totals: Counts = { tests: 0, cases: 0, admission_review_cases: 0, inventory_cases: 0, message_assert_cases: 0, exact_count_gt1_cases: 0, cases_expect_violation: 0, cases_expect_none: 0 };
    let objects = 0;
    let inventoryObjects = 0;
    for (const f of files) {
      const rel = path.relative(root, path.dirname(f));
      const suite = readSuite(f);
      if (!suite) {
        errors.push(`${rel}: not a suite`);
        continue;
      }
      const got: Counts = { tests: suite.tests.length, cases: 0, admission_review_cases: 0, inventory_cases: 0, message_assert_cases: 0, exact_count_gt1_cases: 0, cases_expect_violation: 0, cases_expect_none: 0 };
      const templateNames = new Set<string>();
      for (const t of suite.tests) {
        try {
          const template = readTemplateFile(t.template);
          templateNames.add(template.name);
          const mods = regoModules(template);
          if (!mods) errors.push(`${rel}/${t.name}: template has no Rego`);
          else {
            // Every module's lines map back onto the same text in the YAML file.
            const fileLines = readFileSync(t.template, "utf8").split("\n");
            for (const m of mods.modules) {
              m.text.replace(/\n$/, "").split("\n").forEach((l, i) => {
                const at = fileLines[regoFileLine(m, i + 1) - 1] ?? "";
                if (at.trim() !== l.trim()) errors.push(`${rel}: ${m.role}[${m.index}] line ${i + 1} maps to "${at.trim()}", not "${l.trim()}"`);
              });
            }
          }
          const constraint = readConstraintFile(t.constraint);
          checkConstraintForTemplate(constraint, template);
        } catch (e) {
          errors.push(`${rel}/${t.name}: ${(e as Error).message}`);
        }
        for (const c of t.cases) {
          got.cases++;
          if (c.inventory.length) got.inventory_cases++;
          if (c.assertions.some((a) => a.message !== undefined)) got.message_assert_cases++;
          if (c.assertions.some((a) => typeof a.violations === "number" && a.violations > 1)) got.exact_count_gt1_cases++;
          if (expectedVerdict(c.assertions) === "deny") got.cases_expect_violation++;
          else got.cases_expect_none++;
          if (!c.assertions.length) errors.push(`${rel}/${t.name}/${c.name}: no assertions (gator rejects such a case)`);
          try {
            const obj = loadCaseObject(c, f);
            objects++;
            if (isAdmissionReview(obj.object)) got.admission_review_cases++;
            const review = gatorReview(obj.object);
            expect(review.object).toBeTruthy();
            const inv = loadCaseInventory(c);
            inventoryObjects += inv.length;
            inventoryData(inv.map((o) => o.object));
          } catch (e) {
            errors.push(`${rel}/${t.name}/${c.name}: ${(e as Error).message}`);
          }
        }
      }
      const want = index.get(rel);
      if (!want) {
        mismatches.push(`${rel}: not in INDEX.tsv`);
        continue;
      }
      if (![...templateNames].every((n) => n === want.template_name)) mismatches.push(`${rel}: template ${[...templateNames].join(",")} ≠ ${want.template_name}`);
      for (const col of COLUMNS) {
        totals[col] += got[col];
        if (got[col] !== want[col]) mismatches.push(`${rel}: ${col} ${got[col]} ≠ INDEX ${want[col]}`);
      }
    }
    expect(errors).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(objects).toBe(totals.cases);
    console.log(
      `[gatekeeper-corpus] ${files.length} suites, ${totals.tests} tests, ${totals.cases} cases (${totals.cases_expect_violation} expect violation, ${totals.cases_expect_none} expect none), ` +
        `${totals.admission_review_cases} AdmissionReview, ${totals.inventory_cases} with inventory (${inventoryObjects} objects), ${totals.message_assert_cases} message asserts, ${totals.exact_count_gt1_cases} exact counts > 1`,
    );
  });

  it("runSuite replays every case (an evaluator that never finds anything passes exactly the admit cases)", () => {
    const { files, index } = corpus();
    const rows = files.flatMap((f) => runSuite(f, () => []));
    expect(rows).toHaveLength([...index.values()].reduce((n, r) => n + r.cases, 0));
    expect(rows.filter((r) => r.vap !== "admit").map((r) => `${r.test}/${r.case}: ${r.reason}`)).toEqual([]);
    expect(rows.filter((r) => r.pass !== (r.expected === "admit")).map((r) => `${r.test}/${r.case}`)).toEqual([]);
    expect(new Set(rows.map((r) => r.gatorEngine))).toEqual(new Set(["Rego", "K8sNativeValidation"]));
  });
});
