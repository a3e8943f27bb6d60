// Evidence for `migrate psp`: the generated MAP(s) + VAP reach the same admission outcome as the PSP admission
// engine on every corpus pod — the 24 per-field folders (allowed pods admit, disallowed deny, in both engines) and
// all PSA pods replayed through the official privileged, baseline and restricted PSPs (0 divergences).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { convertPsps } from "../converters/psp/convert.js";
import type { PodSecurityPolicy } from "../converters/psp/model.js";
import { parsePspFile } from "../converters/psp/parse.js";
import { replayPsp } from "../converters/psp/replay.js";
import type { Fixture } from "../src/convert/types.js";
import type { CaseResult } from "../src/equivalence/contract.js";
import { mapStage } from "../src/equivalence/mapstage.js";

const CORPUS = path.resolve(process.cwd(), "../shared/corpus");
const haveCorpus = existsSync(path.join(CORPUS, "psp")) && existsSync(path.join(CORPUS, "psa"));
if (!haveCorpus) {
  if (process.env.CI === "true") throw new Error(`corpus missing at ${CORPUS} (CI=true)`);
  console.warn(`[psp-equivalence] corpus not found at ${CORPUS}: corpus equivalence tests skipped (fixtures/ still covered by cli.test.ts)`);
}

function readFixture(file: string): string | undefined {
  const text = readFileSync(file, "utf8");
  const prefix = "../../submodules/gatekeeper-library/library/";
  const link = text.trim();
  if (link.startsWith(prefix) && !link.includes("\n")) {
    const target = path.join(CORPUS, "gatekeeper", link.slice(prefix.length));
    return existsSync(target) ? readFileSync(target, "utf8") : undefined;
  }
  return text;
}

function fixturesOf(file: string, text: string): Fixture[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d) => !!d && typeof d === "object")
    .map((doc) => ({ doc, file, line: 1 }));
}

function replay(psps: PodSecurityPolicy[], fixtures: Fixture[]): CaseResult[] {
  const conv = convertPsps(psps, { rbac: "authorizer" });
  return replayPsp({ psps, manifests: conv.manifests, fixtures, mapStage });
}

describe.skipIf(!haveCorpus)("per-field corpus: both engines", () => {
  const dir = path.join(CORPUS, "psp", "per-field");
  const folders = haveCorpus ? readdirSync(dir).filter((f) => existsSync(path.join(dir, f, "psp.yaml"))).sort() : [];
  it("has 24 fields", () => expect(folders).toHaveLength(24));
  it.each(folders)("%s", (folder) => {
    const psps = parsePspFile(readFileSync(path.join(dir, folder, "psp.yaml"), "utf8"), path.join(dir, folder, "psp.yaml"));
    const fixtures: Fixture[] = [];
    for (const side of ["allowed.yaml", "disallowed.yaml"]) {
      const f = path.join(dir, folder, side);
      if (!existsSync(f)) continue;
      const text = readFixture(f);
      if (text !== undefined) fixtures.push(...fixturesOf(f, text));
    }
    expect(fixtures.length).toBeGreaterThan(0);
    const cases = replay(psps, fixtures);
    for (const c of cases) {
      expect(c.expected, `${folder} ${c.resource}`).not.toBeNull();
      expect({ resource: c.resource, pass: c.pass, reason: c.reason }).toEqual({ resource: c.resource, pass: true, reason: c.reason });
    }
  });
});

describe.skipIf(!haveCorpus)("PSA pods through the official example PSPs", () => {
  const examples = path.join(CORPUS, "psp", "examples");
  const pods: Fixture[] = [];
  if (haveCorpus) {
    const walk = (d: string): void => {
      for (const e of readdirSync(d).sort()) {
        const p = path.join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (e.endsWith(".yaml")) pods.push(...fixturesOf(path.relative(path.join(CORPUS, "psa"), p), readFileSync(p, "utf8")));
      }
    };
    walk(path.join(CORPUS, "psa"));
  }
  const counts: Record<string, unknown>[] = [];
  it.each(["privileged", "baseline", "restricted"])("%s: 0 divergences", (name) => {
    const file = path.join(examples, `${name}-psp.yaml`);
    const psps = parsePspFile(readFileSync(file, "utf8"), file);
    // fixture file names carry PSA's pass/fail, not this PSP's expectation: compare the engines only
    const fx = pods.map((p) => ({ ...p, file: `psa:${p.file}` }));
    const cases = replay(psps, fx);
    const div = cases.filter((c) => !c.pass);
    const admitted = cases.filter((c) => c.source === "admit").length;
    counts.push({ psp: name, pods: cases.length, pspAdmits: admitted, pspDenies: cases.length - admitted, divergences: div.length });
    if (div.length) console.log(div.slice(0, 5));
    expect(cases.length).toBe(pods.length);
    expect(div.length).toBe(0);
  });
  it("prints the counts", () => {
    console.table(counts);
    expect(pods.length).toBeGreaterThan(4000);
  });
});
