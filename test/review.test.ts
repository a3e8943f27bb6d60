// `migrate review` without git: comparing hand-built repo runs (added / removed / changed / unchanged, gaps matched by
// id+rule+reason, exit codes) and every output form — markdown (marker, folding, fences, the comment limit), GitHub
// workflow commands (escaping, levels), SARIF (validated against the official 2.1.0 schema), JUnit (escaping, counts,
// well-formedness) and JSON (validated against docs/schemas/review-report.schema.json) — plus the git output parsers.
import { describe, expect, it } from "vitest";
import type { ReportGap } from "../src/convert/types.js";
import type { RepoRun, ReplayStats, SourceEntry } from "../src/repo/types.js";
import { compareRuns, exitCodeOf, gapsMissingFrom, outputDiff } from "../src/review/compare.js";
import { parseCatFileBatch, parseLsTree } from "../src/review/git.js";
import { escapeData, escapeProperty, renderGithub, workflowCommand } from "../src/review/render-github.js";
import { renderJson } from "../src/review/render-json.js";
import { renderJunit, xmlEscape } from "../src/review/render-junit.js";
import { mdCode, mdText, renderMarkdown, REVIEW_MARKER } from "../src/review/render-markdown.js";
import { reviewSarif } from "../src/review/render-sarif.js";
import { stripRoots } from "../src/review/review.js";
import type { ReviewReport } from "../src/review/types.js";
import { validateJson } from "./support/schema.js";

const SARIF_SCHEMA = "docs/schemas/third-party/sarif-schema-2.1.0.json";
const REVIEW_SCHEMA = "docs/schemas/review-report.schema.json";

// --- building runs ----------------------------------------------------------------------------------------------

const replay = (cases: number, failures: string[] = []): ReplayStats => ({
  suites: cases ? ["test/suite.yaml"] : [],
  cases,
  agreeing: cases - failures.length,
  failed: failures.length,
  maxCaseCost: 0,
  maxExpressionCost: 0,
  failures,
});

const VAP = (expr: string): string => `apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nspec:\n  validations:\n    - expression: "${expr}"\n`;

interface Src {
  path: string;
  text?: string;
  status?: SourceEntry["status"];
  equivalence?: SourceEntry["equivalence"];
  gaps?: ReportGap[];
  replay?: ReplayStats;
  error?: SourceEntry["error"];
}

function entry(s: Src): SourceEntry {
  return {
    path: s.path,
    converter: "kyverno",
    status: s.status ?? "converted",
    names: [s.path.replace(/\.yaml$/, "")],
    outputs: s.text === undefined ? [] : [`out/${s.path}`],
    gaps: s.gaps ?? [],
    equivalence: s.equivalence ?? "agree",
    replay: s.replay ?? replay(2),
    ...(s.error ? { error: s.error } : {}),
  };
}

function run(sources: Src[], errors: RepoRun["report"]["errors"] = []): RepoRun {
  const entries = sources.map(entry);
  return {
    report: {
      version: 1,
      options: { targetVersion: "1.36", params: "inline", emitTests: false, target: "vap" },
      shard: null,
      summary: { sources: entries.length, converted: 0, partial: 0, unsupported: 0, errors: 0, gaps: 0, suites: 0, cases: 0, agreeing: 0, failed: 0, skipped: 0 },
      sources: entries,
      suites: [],
      skipped: [],
      errors,
    },
    outputs: sources.filter((s) => s.text !== undefined).map((s) => ({ path: `out/${s.path}`, text: s.text! })),
  };
}

const REFS = { base: { ref: "main", commit: "a".repeat(40) }, head: { ref: "HEAD", commit: "b".repeat(40) } };
const OPTS = { params: "inline" as const, targetVersion: "1.36" };
const review = (base: Src[], head: Src[], headErrors: RepoRun["report"]["errors"] = []): ReviewReport => compareRuns(run(base), run(head, headErrors), REFS, OPTS);

const gap = (id: string, line: number, over: Partial<ReportGap> = {}): ReportGap => ({ rule: "r1", reason: `${id} is not converted`, line, id, ...over });

const A = "a.yaml";
const ok = { path: A, text: VAP("x > 1") };

// --- comparing --------------------------------------------------------------------------------------------------

describe("compareRuns", () => {
  it.each<[string, Src[], Src[], { change?: string; reasons?: string[]; regression?: boolean; exit: number }]>([
    ["identical", [ok], [ok], { exit: 0 }],
    ["a gap moved to another line only", [{ ...ok, gaps: [gap("g", 3)], status: "partial" }], [{ ...ok, gaps: [gap("g", 9)], status: "partial" }], { exit: 0 }],
    ["generated output changed", [ok], [{ ...ok, text: VAP("x > 2") }], { change: "changed", reasons: ["output"], regression: false, exit: 0 }],
    ["equivalence agree → differ", [ok], [{ ...ok, equivalence: "differ", replay: replay(2, ["case 1: kyverno deny, VAP admit"]) }], { change: "changed", reasons: ["equivalence", "replay"], regression: true, exit: 1 }],
    ["equivalence agree → untested", [ok], [{ ...ok, equivalence: "untested", replay: replay(0) }], { change: "changed", reasons: ["equivalence", "replay"], regression: true, exit: 0 }],
    ["status converted → partial with a gap", [ok], [{ ...ok, status: "partial", gaps: [gap("g", 4)] }], { change: "changed", reasons: ["status", "gaps"], regression: true, exit: 3 }],
    ["a gap closed", [{ ...ok, status: "partial", gaps: [gap("g", 4)] }], [ok], { change: "changed", reasons: ["status", "gaps"], regression: false, exit: 0 }],
    ["more replay cases", [ok], [{ ...ok, replay: replay(5) }], { change: "changed", reasons: ["replay"], regression: false, exit: 0 }],
    ["added with gaps", [], [{ ...ok, gaps: [gap("g", 1)] }], { change: "added", reasons: [], regression: true, exit: 3 }],
    ["added, agreeing", [], [ok], { change: "added", reasons: [], regression: false, exit: 0 }],
    ["removed (even if it differed)", [{ ...ok, equivalence: "differ" }], [], { change: "removed", reasons: [], regression: false, exit: 0 }],
    ["conversion fails at head", [ok], [{ path: A, status: "error", equivalence: "untested", replay: replay(0), error: { message: "bad pattern", file: A, line: 7 } }], { change: "changed", regression: true, exit: 1 }],
  ])("%s", (_name, base, head, want) => {
    const r = review(base, head);
    if (!want.change) {
      expect(r.policies).toEqual([]);
      expect(r.summary.unchanged).toBe(1);
    } else {
      expect(r.policies).toHaveLength(1);
      const p = r.policies[0]!;
      expect(p.change).toBe(want.change);
      if (want.reasons) expect(p.reasons).toEqual(want.reasons);
      expect(p.regression).toBe(want.regression);
      expect(p.summary.startsWith(`${A}: ${want.change}`)).toBe(true);
      expect(r.summary.unchanged).toBe(0);
    }
    expect(r.summary.exitCode).toBe(want.exit);
    expect(validateJson(REVIEW_SCHEMA, JSON.parse(renderJson(r)))).toEqual([]);
  });

  it("the review schema rejects a report that breaks it", () => {
    const r = JSON.parse(renderJson(review([ok], [{ ...ok, text: VAP("y") }]))) as { summary: { exitCode: number }; policies: { change: string }[] };
    r.summary.exitCode = 2;
    r.policies[0]!.change = "renamed";
    expect(validateJson(REVIEW_SCHEMA, r)).toEqual(["/summary/exitCode: must be equal to one of the allowed values ([0,1,3])", '/policies/0/change: must be equal to one of the allowed values (["added","removed","changed"])']);
  });

  it("a file unreadable at head (report.errors) is a changed policy failing to convert, not a removed one", () => {
    const r = review([ok], [], [{ path: A, line: 3, message: "invalid YAML" }]);
    expect(r.policies.map((p) => [p.path, p.change, p.status.head, p.error?.line])).toEqual([[A, "changed", "error", 3]]);
    expect(r.summary.errors).toBe(1);
    expect(r.summary.exitCode).toBe(1);
  });

  it("diffs the generated output, reports status, equivalence, gaps and counts; policies sorted by path", () => {
    const base: Src[] = [{ path: "z.yaml", text: VAP("z") }, { path: "m.yaml", text: VAP("m"), gaps: [gap("old", 2)], status: "partial" }, { path: "gone.yaml", text: VAP("g") }, { path: "same.yaml", text: VAP("s") }];
    const head: Src[] = [{ path: "z.yaml", text: VAP("z2") }, { path: "m.yaml", text: VAP("m"), gaps: [gap("new", 5, { effect: "weaker" })], status: "partial" }, { path: "new.yaml", text: VAP("n") }, { path: "same.yaml", text: VAP("s") }];
    const r = review(base, head);
    expect(r.policies.map((p) => `${p.path}:${p.change}`)).toEqual(["gone.yaml:removed", "m.yaml:changed", "new.yaml:added", "z.yaml:changed"]);
    const z = r.policies[3]!;
    expect(z.diff).toContain('-    - expression: "z"\n+    - expression: "z2"\n');
    expect(z.diff.startsWith("--- a/out/z.yaml\n+++ b/out/z.yaml\n")).toBe(true);
    expect(z.changedOutputs).toEqual(["out/z.yaml"]);
    expect(r.policies[2]!.diff.startsWith("--- /dev/null\n+++ b/out/new.yaml\n")).toBe(true);
    expect(r.policies[0]!.diff.startsWith("--- a/out/gone.yaml\n+++ /dev/null\n")).toBe(true);
    const m = r.policies[1]!;
    expect(m.diff).toBe("");
    expect(m.gaps.opened.map((g) => g.id)).toEqual(["new"]);
    expect(m.gaps.closed.map((g) => g.id)).toEqual(["old"]);
    expect(m.summary).toContain("gaps +1 −1");
    expect(r.summary).toMatchObject({ changed: 2, added: 1, removed: 1, unchanged: 1, gapsOpened: 1, gapsClosed: 1, withGaps: 1, exitCode: 3 });
    expect(r.summary.line).toBe("2 changed, 1 added, 1 removed (1 unchanged); 1 regression; gaps +1 −1.");
  });

  it("gaps compare as multisets by id, rule and reason", () => {
    const g = gap("x", 1);
    expect(gapsMissingFrom([g, { ...g, line: 8 }], [g])).toEqual([{ ...g, line: 8 }]);
    expect(gapsMissingFrom([g], [{ ...g, line: 8 }])).toEqual([]);
    expect(gapsMissingFrom([g], [{ ...g, rule: "r2" }])).toEqual([g]);
    expect(gapsMissingFrom([g], [{ ...g, id: "y" }])).toEqual([g]);
  });

  it.each([
    [{ differ: 0, errors: 0, withGaps: 0 }, 0],
    [{ differ: 0, errors: 0, withGaps: 2 }, 3],
    [{ differ: 1, errors: 0, withGaps: 2 }, 1],
    [{ differ: 0, errors: 1, withGaps: 0 }, 1],
  ])("exit code of %o is %i", (s, code) => expect(exitCodeOf(s)).toBe(code));

  it("outputDiff counts added and removed lines, skips identical files", () => {
    const d = outputDiff({ "x.yaml": "a\nb\n", "same.yaml": "s\n" }, { "x.yaml": "a\nc\nd\n", "same.yaml": "s\n" });
    expect(d.files).toEqual(["x.yaml"]);
    expect([d.added, d.removed]).toEqual([2, 1]);
  });
});

// --- markdown ---------------------------------------------------------------------------------------------------

const longVap = (tag: string, n: number): string => Array.from({ length: n }, (_, i) => `line ${i} ${tag}`).join("\n") + "\n";

describe("markdown", () => {
  it("starts with the marker and shows each policy's diff, status, equivalence and gaps", () => {
    const r = review([ok], [{ ...ok, text: VAP("x > 2"), equivalence: "differ", replay: replay(2, ["pod-a: kyverno deny, VAP admit"]), gaps: [gap("g", 4, { reason: "[g] <b>bold</b> | pipe" })], status: "partial" }]);
    const md = renderMarkdown(r);
    expect(md.startsWith(`${REVIEW_MARKER}\n`)).toBe(true);
    expect(md).toContain("### ✏️ `a.yaml` (changed, **regression**)");
    expect(md).toContain("| equivalence | agree | **differ** |");
    expect(md).toContain("| status | converted | partial |");
    expect(md).toContain("Equivalence: agree → differ.");
    expect(md).toContain("- pod-a: kyverno deny, VAP admit");
    expect(md).toContain('```diff\n--- a/out/a.yaml\n+++ b/out/a.yaml\n');
    expect(md).toContain('+    - expression: "x > 2"');
    expect(md).toContain("- `r1` (line 4): `g` &lt;b&gt;bold&lt;/b&gt; \\| pipe");
    expect(md).not.toContain("<details>");
  });

  it("folds a long diff and fences one that contains backtick lines", () => {
    const r = review([{ path: A, text: "```\n" + longVap("old", 40) }], [{ path: A, text: "```\n" + longVap("new", 40) }]);
    const md = renderMarkdown(r);
    expect(md).toMatch(/<details><summary>Generated VAP diff \(\d+ lines\)<\/summary>/);
    expect(md).toContain("````diff\n");
    expect(md).toContain("\n````\n");
  });

  it("stays under the comment limit: shortens diffs, then leaves sections out with a note", () => {
    const many = (tag: string): Src[] => Array.from({ length: 60 }, (_, i) => ({ path: `p${String(i).padStart(2, "0")}.yaml`, text: longVap(`${tag}${"x".repeat(80)}`, 300) }));
    const r = review(many("old"), many("new"));
    const md = renderMarkdown(r);
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md.startsWith(REVIEW_MARKER)).toBe(true);
    expect(md).toContain("p00.yaml");
    const small = renderMarkdown(r, 5_000);
    expect(small.length).toBeLessThanOrEqual(5_000);
    expect(small).toMatch(/… \d+ more changed policies not shown/);
  });

  it("says so when nothing changed", () => {
    const md = renderMarkdown(review([ok], [ok]));
    expect(md).toContain("No policy changes (1 unchanged).");
    expect(md).not.toContain("###");
  });

  it.each([
    ["a*b_c", "a\\*b\\_c"],
    ["<x>&", "&lt;x&gt;&amp;"],
    ["two\nlines", "two lines"],
  ])("mdText(%j) = %j", (s, want) => expect(mdText(s)).toBe(want));

  it.each([
    ["a.yaml", "`a.yaml`"],
    ["we`ird", "``we`ird``"],
    ["`x`", "`` `x` ``"],
  ])("mdCode(%j) = %j", (s, want) => expect(mdCode(s)).toBe(want));
});

// --- github -----------------------------------------------------------------------------------------------------

describe("github workflow commands", () => {
  it.each([
    ["100% done\r\nnext", "100%25 done%0D%0Anext", "100%25 done%0D%0Anext"],
    ["a:b,c", "a:b,c", "a%3Ab%2Cc"],
  ])("escapes %j", (s, data, prop) => {
    expect(escapeData(s)).toBe(data);
    expect(escapeProperty(s)).toBe(prop);
  });

  it("formats a command with escaped properties; line 0 becomes 1", () => {
    expect(workflowCommand({ level: "warning", file: "dir,x/a:b.yaml", line: 0, title: "t: 1", message: "m\nn" })).toBe("::warning file=dir%2Cx/a%3Ab.yaml,line=1,title=t%3A 1::m%0An");
  });

  it("an error per weaker new gap and per differing policy, a warning per other new gap, a notice last", () => {
    const r = review(
      [ok, { path: "b.yaml", text: VAP("b"), gaps: [gap("old", 2)], status: "partial" }, { path: "c.yaml", text: VAP("c") }],
      [
        { ...ok, equivalence: "differ", replay: replay(3, ["case 2"]) },
        { path: "b.yaml", text: VAP("b"), status: "partial", gaps: [gap("old", 2), gap("weak", 6, { effect: "weaker", file: "constraints/b.yaml" }), gap("strict", 7, { effect: "stricter" }), gap("plain", 0)] },
      ],
    );
    const lines = renderGithub(r).trimEnd().split("\n");
    expect(lines).toEqual([
      "::error file=a.yaml,line=1,title=migrate%3A source and VAP differ::The generated VAP does not decide like the source policy (1 of 3 replayed cases disagree).%0Acase 2",
      "::error file=constraints/b.yaml,line=6,title=migrate%3A new gap weak::r1: [weak] weak is not converted (weaker)",
      "::warning file=b.yaml,line=7,title=migrate%3A new gap strict::r1: [strict] strict is not converted (stricter)",
      "::warning file=b.yaml,line=1,title=migrate%3A new gap plain::r1: [plain] plain is not converted",
      `::notice title=migrate review::${r.summary.line}`,
    ]);
  });
});

// --- sarif ------------------------------------------------------------------------------------------------------

describe("sarif", () => {
  const r = review(
    [{ path: "b.yaml", text: VAP("b"), gaps: [gap("kept", 2)], status: "partial" }],
    [
      { path: "a dir/a.yaml", text: VAP("a"), equivalence: "differ", replay: replay(2, ["x"]) },
      { path: "b.yaml", text: VAP("b2"), status: "partial", gaps: [gap("kept", 3), gap("weak", 0, { effect: "weaker" }), { rule: "r", reason: "no id", line: 4 }] },
      { path: "e.yaml", status: "error", equivalence: "untested", replay: replay(0), error: { message: "cannot parse", file: "e.yaml", line: 2 } },
    ],
  );
  const log = reviewSarif(r, "0.1.0");

  it("validates against the SARIF 2.1.0 schema (which does reject a broken log)", () => {
    expect(validateJson(SARIF_SCHEMA, JSON.parse(JSON.stringify(log)))).toEqual([]);
    const broken = JSON.parse(JSON.stringify(log)) as { runs: { results: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    broken.runs[0]!.results[0]!.level = "fatal";
    broken.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = 0;
    expect(validateJson(SARIF_SCHEMA, broken)).toHaveLength(2);
  });

  it("has stable ruleIds, levels, relative locations with startLine ≥ 1 and baseline states", () => {
    const run = log.runs[0]!;
    expect(log.version).toBe("2.1.0");
    expect(run.tool.driver.name).toBe("migrate");
    expect(run.tool.driver.rules.map((x) => x.id)).toEqual(["migrate/conversion/error", "migrate/equivalence/differ", "migrate/gap/kept", "migrate/gap/unidentified", "migrate/gap/weak"]);
    const rows = run.results.map((x) => [x.ruleId, x.level, x.baselineState, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine]);
    expect(rows).toEqual([
      ["migrate/equivalence/differ", "error", "new", "a%20dir/a.yaml", 1],
      ["migrate/gap/kept", "note", "unchanged", "b.yaml", 3],
      ["migrate/gap/weak", "error", "new", "b.yaml", 1],
      ["migrate/gap/unidentified", "warning", "new", "b.yaml", 4],
      ["migrate/conversion/error", "error", "new", "e.yaml", 2],
    ]);
    for (const x of run.results) {
      expect(run.tool.driver.rules[x.ruleIndex]!.id).toBe(x.ruleId);
      expect(x.locations[0]!.physicalLocation.artifactLocation.uriBaseId).toBe("%SRCROOT%");
    }
  });

  it("fingerprints do not depend on the line", () => {
    const at = (line: number): string => reviewSarif(review([], [{ ...ok, gaps: [gap("g", line)] }]), "0").runs[0]!.results[0]!.partialFingerprints["migrateResult/v1"];
    expect(at(3)).toBe(at(30));
    expect(at(3)).toMatch(/^[0-9a-f]{32}$/);
  });
});

// --- junit ------------------------------------------------------------------------------------------------------

/** Every tag closes in order (a small well-formedness check: no XML parser in the dependencies). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, "").matchAll(/<(\/?)([A-Za-z-]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;|apos;)/.test(xml);
}

describe("junit", () => {
  it.each([
    [`a<b>&"c'`, "a&lt;b&gt;&amp;&quot;c&apos;"],
    ["bell\u0007 ok", "bell ok"],
  ])("xmlEscape(%j)", (s, want) => expect(xmlEscape(s)).toBe(want));

  it("one testsuite per added or changed policy, failures from the replay, skipped when untested, error when not converted", () => {
    const r = review(
      [{ path: "gone.yaml", text: VAP("g") }, ok],
      [
        { ...ok, text: VAP("a2"), equivalence: "differ", replay: { ...replay(5, ['pod <x> & "y"']), agreeing: 2, failed: 3 } },
        { path: "new.yaml", text: VAP("n"), equivalence: "untested", replay: replay(0) },
        { path: "bad.yaml", status: "error", equivalence: "untested", replay: replay(0), error: { message: "boom", file: "bad.yaml", line: 4 } },
      ],
    );
    const xml = renderJunit(r);
    expect(balanced(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="migrate review" tests="5" failures="2" errors="1" skipped="1">')).toBe(true);
    expect(xml).not.toContain("gone.yaml");
    expect(xml).toContain('<testsuite id="0" name="a.yaml" tests="3" failures="2" errors="0" skipped="0">');
    expect(xml).toContain('<failure message="pod &lt;x&gt; &amp; &quot;y&quot;"/>');
    expect(xml).toContain('name="2 more failing case(s)"');
    expect(xml).toContain('name="2 of 5 cases agree"/>');
    expect(xml).toContain('<skipped message="no replay suite exercises this policy (equivalence untested)"/>');
    expect(xml).toContain('<error message="boom">bad.yaml:4: boom</error>');
  });
});

// --- git output parsing and path scrubbing ----------------------------------------------------------------------

describe("git plumbing parsers", () => {
  it("parseLsTree keeps blobs (files and links) with safe paths", () => {
    const out = Buffer.from(
      ["100644 blob aaa\tp/a.yaml", "100755 blob bbb\tb c.sh", "120000 blob ccc\tlink", "160000 commit ddd\tsub", "100644 blob eee\t../evil"].join("\0") + "\0",
    );
    expect(parseLsTree(out)).toEqual([
      { mode: "100644", oid: "aaa", path: "p/a.yaml" },
      { mode: "100755", oid: "bbb", path: "b c.sh" },
      { mode: "120000", oid: "ccc", path: "link" },
    ]);
  });

  it("parseCatFileBatch splits objects whose contents contain newlines", () => {
    const out = Buffer.concat([Buffer.from("aaa blob 4\nx\ny\n\n"), Buffer.from("bbb blob 0\n\n")]);
    const objects = parseCatFileBatch(out);
    expect(objects.get("aaa")?.toString()).toBe("x\ny\n");
    expect(objects.get("bbb")?.length).toBe(0);
    expect(() => parseCatFileBatch(Buffer.from("ccc missing\n"))).toThrow(/missing/);
  });

  it("stripRoots cuts temporary roots out of every string", () => {
    expect(stripRoots({ a: ["/tmp/x/p.yaml: bad", 3], b: { c: "# from /tmp/x/p.yaml and /private/tmp/x/q" } }, ["/tmp/x", "/private/tmp/x/"])).toEqual({
      a: ["p.yaml: bad", 3],
      b: { c: "# from p.yaml and q" },
    });
  });
});
