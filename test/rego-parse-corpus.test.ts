// The Rego parser against real policies: every module and query of the OPA conformance cases (v0 and v1 syntax) and
// the Rego of every Gatekeeper library template. Cases expecting `rego_parse_error` must fail to parse (with that
// message; this includes modules handed to rego.parse_module in `data`), all others must parse (their expected
// errors come later: compile or evaluation). Known mismatches are listed with the cause.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { RegoParseError } from "../converters/rego/ast.js";
import { parseModule, parseQuery } from "../converters/rego/parser.js";
import { corpusPath, haveCorpus } from "./support/corpus.js";

interface OpaCase {
  note: string;
  modules?: string[];
  query?: string;
  want_error_code?: string;
  want_error?: string;
  experimental_keywords?: boolean;
  data?: unknown;
}

/** Cases the parser gets wrong, with the cause. */
const KNOWN_MISMATCHES: Record<string, string> = {};

/** OPA's experimental keywords (`import future.keywords.and|or|not`: logic operators and negated bodies): these
 *  modules must parse like all others; they are counted apart. */
const EXPERIMENTAL_IMPORT = /^\s*import\s+future\.keywords\.(and|or|not)\s*$/m;

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (f.endsWith(".yaml")) out.push(p);
  }
  return out;
}

function parseError(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (!(e instanceof RegoParseError)) throw e;
    return e.message;
  }
}

interface Tally {
  parseMs: number;
  modules: number;
  queries: number;
  parsed: number;
  expectedErrors: number;
  experimental: number;
  mismatches: string[];
}

function timed<T>(t: Tally, run: () => T): T {
  const start = performance.now();
  try {
    return run();
  } finally {
    t.parseMs += performance.now() - start;
  }
}

function checkCase(c: OpaCase, version: 0 | 1, t: Tally): void {
  const key = `v${version} ${c.note}`;
  const wantParseError = c.want_error_code === "rego_parse_error";
  const fails: string[] = [];
  (c.modules ?? []).forEach((src, i) => {
    t.modules++;
    const error = timed(t, () => parseError(() => parseModule(src, `${c.note}#${i}.rego`, { regoVersion: version })));
    if (EXPERIMENTAL_IMPORT.test(src)) t.experimental++;
    if (wantParseError && error !== undefined && !error.includes(c.want_error ?? "")) fails.push(`wrong error: ${error}`);
    else if (wantParseError && error !== undefined) t.expectedErrors++;
    else if (!wantParseError && error === undefined) t.parsed++;
    else fails.push(error ?? "parsed, but a rego_parse_error was expected");
  });
  if (c.query !== undefined) {
    t.queries++;
    const error = timed(t, () => parseError(() => parseQuery(c.query as string, "query", { regoVersion: version })));
    if (error !== undefined) fails.push(`query: ${error}`);
  }
  checkEmbeddedModules(c, version, t, fails);
  if (fails.length > 0) t.mismatches.push(`${key}: ${fails.join("; ")}`);
}

/** Cases that parse a module held in `data` with rego.parse_module and expect its rego_parse_error. */
function checkEmbeddedModules(c: OpaCase, version: 0 | 1, t: Tally, fails: string[]): void {
  if (c.want_error?.startsWith("rego_parse_error:") !== true || typeof c.data !== "object" || c.data === null) return;
  const sources = Object.values(c.data).filter((v): v is string => typeof v === "string");
  const errors = sources.map((src) => timed(t, () => parseError(() => parseModule(src, "x.rego", { regoVersion: version }))));
  if (errors.some((e) => e?.includes(c.want_error as string) === true)) t.expectedErrors++;
  else fails.push(`embedded module: want ${c.want_error}, got ${errors.join(" | ")}`);
}

describe.skipIf(!haveCorpus("rego-parse-corpus", "opa/v0", "opa/v1"))("OPA conformance corpus", () => {
  it("parses every module and query (v0 and v1)", () => {
    const t: Tally = { parseMs: 0, modules: 0, queries: 0, parsed: 0, expectedErrors: 0, experimental: 0, mismatches: [] };
    for (const version of [0, 1] as const) {
      for (const file of yamlFiles(corpusPath(`opa/v${version}`)).sort()) {
        const doc = parseYaml(readFileSync(file, "utf8")) as { cases?: OpaCase[] } | null;
        for (const c of doc?.cases ?? []) checkCase(c, version, t);
      }
    }
    console.info(
      `[rego-parse-corpus] ${t.modules} modules: ${t.parsed} parsed, ${t.expectedErrors} expected parse errors matched, ` +
        `${t.experimental} of them with experimental keywords; ${t.queries} queries; ${t.mismatches.length} mismatches; parsing took ${Math.round(t.parseMs)} ms`,
    );
    const unexpected = t.mismatches.filter((m) => !Object.keys(KNOWN_MISMATCHES).some((k) => m.startsWith(`${k}:`)));
    expect(unexpected).toEqual([]);
    expect(t.mismatches.length).toBeLessThanOrEqual(Object.keys(KNOWN_MISMATCHES).length);
    expect(t.modules).toBeGreaterThan(4000);
  });
});

interface Target {
  rego?: string;
  libs?: string[];
  code?: { engine?: string; source?: { rego?: string; libs?: string[]; version?: string } }[];
}

/** The Rego sources of one template: the target's rego and libs, and each Rego `code` entry (v1 if it says so). */
function templateSources(doc: unknown): [string, 0 | 1][] {
  const targets = (doc as { spec?: { targets?: Target[] } } | null)?.spec?.targets ?? [];
  const out: [string, 0 | 1][] = [];
  for (const t of targets) {
    if (t.rego !== undefined) out.push([t.rego, 0]);
    for (const lib of t.libs ?? []) out.push([lib, 0]);
    for (const code of t.code ?? []) {
      if (code.engine !== "Rego" || code.source === undefined) continue;
      const v = code.source.version === "v1" ? 1 : 0;
      if (code.source.rego !== undefined) out.push([code.source.rego, v]);
      for (const lib of code.source.libs ?? []) out.push([lib, v]);
    }
  }
  return out;
}

function templateFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) templateFiles(p, out);
    else if (f === "template.yaml") out.push(p);
  }
  return out;
}

describe.skipIf(!haveCorpus("rego-parse-corpus", "gatekeeper"))("Gatekeeper library templates", () => {
  it("parses the Rego of every template", () => {
    const failures: string[] = [];
    let count = 0;
    for (const file of templateFiles(corpusPath("gatekeeper")).sort()) {
      for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
        for (const [src, version] of templateSources(doc.toJS())) {
          count++;
          const error = parseError(() => parseModule(src, file, { regoVersion: version }));
          if (error !== undefined) failures.push(error);
        }
      }
    }
    console.info(`[rego-parse-corpus] gatekeeper: ${count} Rego modules, ${failures.length} failures`);
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(30);
  });
});
