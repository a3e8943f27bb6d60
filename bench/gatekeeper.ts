// `npm run bench`, Gatekeeper section (every gator suite of corpus/gatekeeper): converting every template from Rego
// (parse + compile + lower + emit, inline params with the suite's first constraint) against only parsing it (YAML,
// template model, Rego modules); and gator cases per second through the Rego engine (gatekeeperViolations with
// the real evaluator; templates compiled once) and through the VAP engine on the converted policies. Files are
// read before timing; every figure is the median of a few runs after a warm-up run.
import { existsSync } from "node:fs";
import path from "node:path";
import { convertTemplate } from "../converters/rego/convert/gatekeeper.js";
import { vapVerdict } from "../converters/rego/convert/replay.js";
import { regoModules, type Constraint, type ConstraintTemplate } from "../converters/rego/gatekeeper/model.js";
import { clearCompiledTemplates, regoEngineEval } from "../converters/rego/gatekeeper/rego-eval.js";
import { gatorReview, type GkReview } from "../converters/rego/gatekeeper/review.js";
import { gatekeeperViolations } from "../converters/rego/gatekeeper/run.js";
import { loadCaseInventory, loadCaseObject, readConstraintFile, readDocs, readSuite, readTemplateFile, suiteFilesUnder } from "../converters/rego/gatekeeper/suite.js";
import { parseModule } from "../converters/rego/parser.js";
import type { ConvertResult } from "../src/convert/types.js";
import type { KObject } from "../src/vap/types.js";
import { parseTemplate } from "../converters/rego/gatekeeper/model.js";
import { medianMs as medianOf, type BenchRow } from "./kyverno.js";

export interface GatekeeperBench {
  templates: number;
  parseMs: number;
  convertMs: number;
  convertOverParse: number;
  cases: number;
  regoMs: number;
  regoCasesPerSec: number;
  vapCases: number;
  vapMs: number;
  vapCasesPerSec: number;
  runs: number;
}

const RUNS = 5;
const medianMs = (run: () => void): number => medianOf(run, RUNS);

interface LoadedCase {
  template: ConstraintTemplate;
  constraint: Constraint;
  review: GkReview;
  object: unknown;
  inventory: KObject[];
  converted: ConvertResult;
}

export function benchGatekeeper(corpusDir: string): { rows: BenchRow[]; results: GatekeeperBench } | null {
  const dir = path.join(corpusDir, "gatekeeper");
  if (!existsSync(path.join(dir, "INDEX.tsv"))) {
    console.error(`bench: ${path.join(dir, "INDEX.tsv")} not found — Gatekeeper benchmarks skipped`);
    return null;
  }
  const suites = suiteFilesUnder(dir).map((file) => readSuite(file)!);
  const firstTests = suites.map((suite) => suite.tests[0]!).filter((test) => test.template && test.constraint);
  const templateTexts = firstTests.map((test) => ({ file: test.template, text: readDocs(test.template).text, constraint: readConstraintFile(test.constraint) }));

  const parseMs = medianMs(() => {
    for (const { file } of templateTexts) {
      const template = parseTemplate(readDocs(file).docs[0]!);
      const modules = regoModules(template);
      for (const module of modules?.modules ?? []) parseModule(module.text, module.file, { regoVersion: modules!.version === "v1" ? 1 : 0 });
    }
  });
  const convertMs = medianMs(() => {
    clearCompiledTemplates();
    for (const { file, constraint } of templateTexts) convertTemplate(parseTemplate(readDocs(file).docs[0]!), [constraint], {});
  });

  const cases: LoadedCase[] = [];
  const conversions = new Map<string, ConvertResult>();
  for (const suite of suites) {
    for (const test of suite.tests) {
      if (!test.template || !test.constraint) continue;
      const template = readTemplateFile(test.template);
      const constraint = readConstraintFile(test.constraint);
      const key = `${test.template}\u0000${test.constraint}`;
      const converted = conversions.get(key) ?? convertTemplate(template, [constraint], {});
      conversions.set(key, converted);
      for (const kase of test.cases) {
        if (kase.skip || !kase.object) continue;
        const object = loadCaseObject(kase).object;
        cases.push({ template, constraint, review: gatorReview(object), object, inventory: loadCaseInventory(kase).map((o) => o.object), converted });
      }
    }
  }
  const regoMs = medianMs(() => {
    for (const c of cases) gatekeeperViolations(c.template, c.constraint, c.review, c.inventory, regoEngineEval);
  });
  const vapCases = cases.filter((c) => c.converted.manifests.length > 0);
  const vapMs = medianMs(() => {
    for (const c of vapCases) vapVerdict(c.converted, c.object, c.inventory);
  });

  const perSec = (n: number, ms: number): number => (n / ms) * 1000;
  const results: GatekeeperBench = {
    templates: templateTexts.length,
    parseMs,
    convertMs,
    convertOverParse: convertMs / parseMs,
    cases: cases.length,
    regoMs,
    regoCasesPerSec: perSec(cases.length, regoMs),
    vapCases: vapCases.length,
    vapMs,
    vapCasesPerSec: perSec(vapCases.length, vapMs),
    runs: RUNS,
  };
  const fmt = (n: number): string => (n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
  const rows: BenchRow[] = [
    { bench: `gatekeeper: convert ${results.templates} templates (ms)`, ours: results.convertMs.toFixed(1), baseline: `${results.parseMs.toFixed(1)} (parse YAML + Rego only)`, ratio: `${results.convertOverParse.toFixed(1)}×` },
    { bench: `gatekeeper: Rego engine, ${results.cases} gator cases (cases/s)`, ours: fmt(results.regoCasesPerSec), baseline: "-", ratio: "-" },
    { bench: `gatekeeper: VAP engine, ${results.vapCases} converted cases (cases/s)`, ours: fmt(results.vapCasesPerSec), baseline: "-", ratio: "-" },
  ];
  return { rows, results };
}
