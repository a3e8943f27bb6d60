// Templates of the Gatekeeper corpus that carry hand-written CEL next to their Rego: that CEL is never used for
// conversion; it is replayed as a third opinion. For every case of their suites: the Rego (our Rego engine = gator's
// Rego verdict), ours (our conversion of the Rego, --params inline and constraint) and theirs (the VAP Gatekeeper
// generates from the template's CEL, converters/rego/gatekeeper/cel-vap.ts, through our VAP engine on the same case
// object). Every case where the three are not all equal is listed below with the side(s) the suite's expectation
// supports; the computed list must equal the checked-in one, so a change either way fails.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { replayGatorSuite, type GatorReplayRow } from "../converters/rego/convert/replay.js";
import { celVapVerdict, gatekeeperBindingName, gatekeeperCelVap, templateCel, type GatekeeperCelVap } from "../converters/rego/gatekeeper/cel-vap.js";
import { loadCaseInventory, loadCaseObject, readConstraintFile, readSuite, readTemplateFile, suiteFilesUnder } from "../converters/rego/gatekeeper/suite.js";
import type { KObject, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../src/vap/types.js";
import { corpusPath, haveCorpus, readCorpusJsonl } from "./support/corpus.js";

/**
 * Every case where Rego, ours and theirs are not all equal. Format:
 * `<suite> <test>/<case>: expected E; rego R, ours O, theirs T → supports <sides>` where `ours` shows
 * `inline X / constraint Y` when the two params modes differ, and `supports` names the side(s) equal to the
 * expectation (`none` when no side is). A VAP that does not match the request (`skip`) counts as admit.
 *
 * Causes. Theirs never differs from the Rego (nor from the expectation) on these suites: the library's CI runs every
 * suite under both engines, and the known CEL drifts (ephemeral containers skipped, exemptImages compared as
 * objects, `exemptImages: "*"`) are fixed upstream or not exercised by a case. Operation: gator wraps a plain object
 * with no operation (the Rego's `is_update` is then false) while the VAP engine sees it as a CREATE; the library CEL
 * only guards on `has(request.operation) && request.operation == "UPDATE"`, so "" and CREATE behave alike, and the
 * `update` cases are AdmissionReviews carrying UPDATE for all three. Ours converts all 12 templates in both params
 * modes and agrees with both on every case, so the list is empty: any difference that appears is a regression.
 */
const KNOWN_DIFFERENCES: string[] = [];

type V = string;
/** A VAP that does not match the request (`skip`) admits it. */
const norm = (v: V | null | undefined): V => (v === "skip" ? "admit" : (v ?? "-"));
/** Our side of a case: the VAP's verdict, or `unconverted` when the template did not convert (no VAP). */
const oursOf = (row: GatorReplayRow): V => (row.conversion === "unsupported" ? "unconverted" : norm(row.vap) + (row.conversion === "partial" ? " (partial)" : ""));

interface Line {
  suite: string;
  test: string;
  case: string;
  object: string;
  expected: V;
  rego: V;
  inline: V;
  constraint: V;
  theirs: V;
  theirsMessages: string[];
  vap: GatekeeperCelVap;
}

interface GoldenCase {
  source: string;
  constraint: string;
  test: string;
  case: string;
  object: string;
  verdict: V;
  messages: string[];
  objects: KObject[];
}

/** JSON with object keys sorted (key order is not part of an object). */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

/** CEL text without comments and white space (Gatekeeper's snippets are tab-indented Go raw strings). */
const squash = (e: string): string => e.replace(/\/\/[^\n]*/g, "").replace(/\s+/g, "");
const squashPolicy = (p: ValidatingAdmissionPolicy): unknown => {
  const spec = p.spec;
  return {
    ...p,
    spec: {
      ...spec,
      matchConditions: spec.matchConditions?.map((m) => ({ ...m, expression: squash(m.expression) })),
      variables: spec.variables?.map((v) => ({ ...v, expression: squash(v.expression) })),
    },
  };
};

function compute(): { lines: Line[]; templates: number } {
  const root = corpusPath("gatekeeper");
  const lines: Line[] = [];
  const templates = new Set<string>();
  for (const file of suiteFilesUnder(root)) {
    const suite = readSuite(file);
    if (!suite) continue;
    const rel = path.relative(root, path.dirname(file));
    const celTests = suite.tests.filter((t) => {
      try {
        return !!t.template && !!templateCel(readTemplateFile(t.template));
      } catch {
        return false;
      }
    });
    if (!celTests.length) continue;
    const inlineRows = replayGatorSuite(file, { params: "inline" });
    const constraintRows = replayGatorSuite(file, { params: "constraint" });
    const find = (rows: GatorReplayRow[], test: string, kase: string): GatorReplayRow | undefined => rows.find((r) => r.test === test && r.case === kase);
    for (const test of celTests) {
      const template = readTemplateFile(test.template);
      templates.add(template.file);
      const vap = gatekeeperCelVap(template, readConstraintFile(test.constraint), { forReplay: true })!;
      for (const kase of test.cases) {
        const inline = find(inlineRows, test.name, kase.name);
        const cons = find(constraintRows, test.name, kase.name);
        if (!inline || !cons) continue; // a skipped case
        let theirs: V = "error";
        let theirsMessages: string[] = [];
        try {
          const r = celVapVerdict(vap, loadCaseObject(kase).object, loadCaseInventory(kase).map((o) => o.object));
          theirs = norm(r.verdict);
          theirsMessages = r.messages;
        } catch (error) {
          theirsMessages = [(error as Error).message];
        }
        lines.push({
          suite: rel,
          test: test.name,
          case: kase.name,
          object: path.relative(path.dirname(file), kase.object),
          expected: norm(inline.expected),
          rego: norm(inline.source),
          inline: oursOf(inline),
          constraint: oursOf(cons),
          theirs,
          theirsMessages,
          vap,
        });
      }
    }
  }
  return { lines, templates: templates.size };
}

function render(l: Line): string {
  const ours = l.inline === l.constraint ? l.inline : `inline ${l.inline} / constraint ${l.constraint}`;
  const sides = [
    l.rego === l.expected ? "rego" : "",
    l.inline === l.expected && l.constraint === l.expected ? "ours" : l.inline === l.expected ? "ours(inline)" : l.constraint === l.expected ? "ours(constraint)" : "",
    l.theirs === l.expected ? "theirs" : "",
  ].filter(Boolean);
  return `${l.suite} ${l.test}/${l.case}: expected ${l.expected}; rego ${l.rego}, ours ${ours}, theirs ${l.theirs} → supports ${sides.join("+") || "none"}`;
}

describe.skipIf(!haveCorpus("gatekeeper-cel-ports", "gatekeeper/INDEX.tsv", "golden/gatekeeper-vap-verdicts.jsonl"))("Gatekeeper templates' own CEL beside our conversion and the Rego", () => {
  // computed on first use: a skipped suite (no corpus) still runs this callback to collect its tests
  let cached: ReturnType<typeof compute> | undefined;
  const data = (): ReturnType<typeof compute> => (cached ??= compute());

  it("lists every case where ours, theirs and the Rego differ, with the side the suite supports", () => {
    const { lines, templates } = data();
    const differs = lines.filter((l) => new Set([l.rego, l.inline, l.constraint, l.theirs]).size > 1);
    const computed = differs.map(render);
    const meets = (f: (l: Line) => V): string => `${lines.filter((l) => f(l) === l.expected).length}/${lines.length}`;
    console.log(
      [
        `[gatekeeper-cel-ports] ${templates} templates with CEL; ${lines.length} cases; ours (both modes), theirs and the Rego agree on ${lines.length - differs.length}`,
        `  = expectation: rego ${meets((l) => l.rego)}; ours ${meets((l) => l.inline)} (--params inline), ${meets((l) => l.constraint)} (--params constraint); theirs ${meets((l) => l.theirs)}`,
        `  ours vs theirs: ${lines.filter((l) => l.inline !== l.theirs).length} (inline), ${lines.filter((l) => l.constraint !== l.theirs).length} (constraint) cases differ; theirs vs rego: ${lines.filter((l) => l.theirs !== l.rego).length}`,
        ...computed.map((c) => `  ${c}`),
      ].join("\n"),
    );
    expect(templates).toBe(12);
    expect(lines).toHaveLength(98);
    expect(computed).toEqual(KNOWN_DIFFERENCES);
  });

  it("generates the VAP, binding and param recorded in gatekeeper-vap-verdicts.jsonl, and the real apiserver's verdicts and messages", () => {
    const { lines } = data();
    const golden = readCorpusJsonl<GoldenCase>("golden/gatekeeper-vap-verdicts.jsonl");
    const key = (suite: string, test: string, kase: string, object: string): string => [suite, test, kase, object].join("\u0000");
    const byKey = new Map(golden.map((g) => [key(path.dirname(g.source), g.test, g.case, g.object), g]));
    const mismatches: string[] = [];
    for (const l of lines) {
      const g = byKey.get(key(l.suite, l.test, l.case, l.object));
      const id = `${l.suite} ${l.test}/${l.case}`;
      if (!g) {
        mismatches.push(`${id}: not in the golden file`);
        continue;
      }
      byKey.delete(key(l.suite, l.test, l.case, l.object));
      const [policy, binding, param] = g.objects as [ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, KObject];
      if (canon(squashPolicy(l.vap.policy)) !== canon(squashPolicy(policy))) mismatches.push(`${id}: policy differs:\n${canon(squashPolicy(l.vap.policy))}\n${canon(squashPolicy(policy))}`);
      // The golden run used the pre-v3.23 binding name `gatekeeper-<constraint>` (LegacyVAPBindingName).
      expect(binding.metadata?.name).toBe(`gatekeeper-${param.metadata?.name}`);
      if (canon({ ...l.vap.binding, metadata: {} }) !== canon({ ...binding, metadata: {} })) mismatches.push(`${id}: binding differs`);
      if (canon(l.vap.params) !== canon(param)) mismatches.push(`${id}: param differs`);
      if (l.theirs !== norm(g.verdict)) mismatches.push(`${id}: theirs ${l.theirs}, apiserver ${g.verdict}`);
      if (JSON.stringify(l.theirsMessages) !== JSON.stringify(g.messages)) mismatches.push(`${id}: messages ${JSON.stringify(l.theirsMessages)} vs ${JSON.stringify(g.messages)}`);
    }
    expect(mismatches).toEqual([]);
    expect([...byKey.keys()]).toEqual([]);
  });
});

describe("gatekeeperCelVap naming", () => {
  it("names bindings gatekeeper-<kind>-<constraint>, cut to 253 characters with a sha256 suffix", () => {
    expect(gatekeeperBindingName("K8sPSPCapabilities", "psp-capabilities")).toBe("gatekeeper-k8spspcapabilities-psp-capabilities");
    const long = gatekeeperBindingName("K8sPSPCapabilities", "x".repeat(250));
    expect(long).toHaveLength(253);
    expect(long).toMatch(/^gatekeeper-k8spspcapabilities-x+-[0-9a-f]{8}$/);
  });
});
