// `migrate review` end to end: a temporary git repository (a Kyverno policy with its kyverno-test suite and a PSP)
// with branches that break the policy's equivalence, open a gap, or touch only docs; review runs in-process through
// main() in every output form (SARIF and JSON validated against their schemas) and through runReview (its
// temporary checkouts removed, the user's worktree untouched). Bad refs, directories and flags exit 2.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { DEFAULT_REPO_OPTIONS, runRepo } from "../src/repo/run.js";
import { REVIEW_MARKER } from "../src/review/render-markdown.js";
import { runReview } from "../src/review/review.js";
import type { ReviewReport } from "../src/review/types.js";
import { validateJson } from "./support/schema.js";

const SARIF_SCHEMA = "docs/schemas/third-party/sarif-schema-2.1.0.json";
const REVIEW_SCHEMA = "docs/schemas/review-report.schema.json";
const POLICY = "policies/disallow-host-namespaces.yaml";

let tmp = "";
let repo = "";

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "migrate", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const review = (...args: string[]): Promise<{ code: number; out: string; err: string }> => run("review", "--dir", repo, "--workers", "0", ...args);

function git(...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=migrate test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", ...args], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

/** Commit an edit of the policy on a new branch from `main`. */
function branch(name: string, edit: (policy: string) => string, file = POLICY): void {
  git("checkout", "-q", "-b", name, "main");
  const abs = path.join(repo, file);
  writeFileSync(abs, edit(readFileSync(abs, "utf8")));
  git("commit", "-q", "-am", name);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "migrate-review-test-"));
  repo = path.join(tmp, "repo");
  mkdirSync(path.join(repo, "policies"), { recursive: true });
  cpSync("fixtures/kyverno/disallow-host-namespaces.yaml", path.join(repo, POLICY));
  cpSync("fixtures/kyverno/test", path.join(repo, "policies/test"), { recursive: true });
  cpSync("fixtures/psp/restricted.yaml", path.join(repo, "psp/restricted.yaml"));
  writeFileSync(path.join(repo, "README.md"), "# policies\n");
  git("init", "-q");
  git("checkout", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  // the VAP stops checking hostIPC: the suite's bad-deployment (hostIPC: true) is now admitted by both engines → differ
  branch("regress", (p) => p.split("\n").filter((l) => !l.includes("hostIPC")).join("\n"));
  // applyRules: One opens a (stricter) gap; the message change shows in the VAP diff; the suite still agrees
  branch("gappy", (p) => p.replace("  background: true\n", "  background: true\n  applyRules: One\n").replace("Sharing the host namespaces is disallowed.", "Host namespaces must not be shared."));
  branch("docs", (p) => p + "more\n", "README.md");
  git("checkout", "-q", "main");
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("migrate review (temporary git repository)", () => {
  it("a change that breaks equivalence: every form names the policy, shows its VAP diff and equivalence; exit 1", async () => {
    const f = (ext: string): string => path.join(tmp, `regress.${ext}`);
    const r = await review("--base", "main", "--head", "regress", "--write", `github=${f("gh")}`, "--write", `sarif=${f("sarif")}`, "--write", `json=${f("json")}`, "--write", `junit=${f("xml")}`);
    expect(r.code).toBe(1);
    expect(r.err).toContain("1 changed, 0 added, 0 removed (1 unchanged); 1 regression; equivalence differs in 1; gaps +0 −0.");

    const md = r.out;
    expect(md.startsWith(`${REVIEW_MARKER}\n`)).toBe(true);
    expect(md).toContain(`### ✏️ \`${POLICY}\` (changed, **regression**)`);
    expect(md).toContain("```diff\n");
    expect(md).toContain("-    - name: noHostIPC\n");
    expect(md).toContain("| equivalence | agree | **differ** |");
    expect(md).toContain("| replay | 4/4 agree | 3/4 agree, 1 failed |");
    expect(md).toMatch(/- disallow-host-namespaces CREATE \S+bad-deployment: kyverno pass, VAP admit/);

    const gh = readFileSync(f("gh"), "utf8").trimEnd().split("\n");
    expect(gh[0]).toMatch(new RegExp(`^::error file=${POLICY},line=1,title=migrate%3A source and VAP differ::The generated VAP does not decide like the source policy \\(1 of 4 replayed cases disagree\\)\\.`));
    expect(gh.at(-1)).toBe("::notice title=migrate review::1 changed, 0 added, 0 removed (1 unchanged); 1 regression; equivalence differs in 1; gaps +0 −0.");

    const sarif = JSON.parse(readFileSync(f("sarif"), "utf8")) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(validateJson(SARIF_SCHEMA, sarif)).toEqual([]);
    expect(sarif.runs[0]!.results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri])).toEqual([["migrate/equivalence/differ", "error", POLICY]]);

    const json = JSON.parse(readFileSync(f("json"), "utf8")) as ReviewReport;
    expect(validateJson(REVIEW_SCHEMA, json)).toEqual([]);
    expect(json.head.commit).toBe(git("rev-parse", "regress").trim());
    expect(json.policies.map((p) => [p.path, p.change, p.equivalence.base, p.equivalence.head, p.converter])).toEqual([[POLICY, "changed", "agree", "differ", "kyverno"]]);
    expect(json.policies[0]!.diff).toContain("-    - name: noHostIPC\n");
    expect(json.policies[0]!.diff).not.toContain(tmpdir());

    const junit = readFileSync(f("xml"), "utf8");
    expect(junit).toContain(`<testsuite id="0" name="${POLICY}" tests="2" failures="1" errors="0" skipped="0">`);
    expect(junit).toMatch(/<failure message="disallow-host-namespaces CREATE \S+bad-deployment: kyverno pass, VAP admit"\/>/);

    // -o FORM on stdout is the same text as --write FORM=FILE
    const direct = await review("--base", "main", "--head", "regress", "-o", "sarif");
    expect(direct.out).toBe(readFileSync(f("sarif"), "utf8"));
  });

  it("a change that opens a gap: a warning at the policy, the gap in markdown and SARIF; exit 3", async () => {
    const gh = await review("--base", "main", "--head", "gappy", "-o", "github");
    expect(gh.code).toBe(3);
    expect(gh.out).toContain(`::warning file=${POLICY},line=1,title=migrate%3A new gap kyverno.applyRules::disallow-host-namespaces: [kyverno.applyRules] applyRules: One`);
    expect(gh.out).not.toContain("::error");

    const md = await review("--base", "main", "--head", "gappy");
    expect(md.code).toBe(3);
    expect(md.out).toContain("Gaps opened (1):");
    expect(md.out).toContain("| status | converted | partial |");
    expect(md.out).toContain("| equivalence | agree | agree |");
    expect(md.out).toContain("+      message: Host namespaces must not be shared.");

    const sarif = await review("--base", "main", "--head", "gappy", "-o", "sarif");
    const log = JSON.parse(sarif.out) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; baselineState: string }[] }[] };
    expect(validateJson(SARIF_SCHEMA, log)).toEqual([]);
    expect(log.runs[0]!.tool.driver.rules.map((x) => x.id)).toEqual(["migrate/gap/kyverno.applyRules"]);
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.level, x.baselineState])).toEqual([["migrate/gap/kyverno.applyRules", "warning", "new"]]);
  });

  it.each([
    ["a docs-only change", ["--head", "docs"]],
    ["the same commit (--head defaults to HEAD, which is main)", []],
  ])("%s: nothing to report, exit 0", async (_name, head) => {
    const md = await review("--base", "main", ...head);
    expect(md.code).toBe(0);
    expect(md.out).toContain("No policy changes (2 unchanged).");
    const json = await review("--base", "main", ...head, "-o", "json");
    expect(JSON.parse(json.out)).toMatchObject({ summary: { changed: 0, added: 0, removed: 0, unchanged: 2, exitCode: 0 }, policies: [] });
  });

  it("--dir below the top level reviews only that subtree (paths stay repository-relative)", async () => {
    const r = await run("review", "--dir", path.join(repo, "policies"), "--workers", "0", "--base", "main", "--head", "regress", "-o", "json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as ReviewReport;
    expect(j.summary).toMatchObject({ changed: 1, unchanged: 0 });
    expect(j.policies[0]!.path).toBe(POLICY);
  });

  it("reads refs without touching the checkout, and removes its temporary trees", async () => {
    writeFileSync(path.join(repo, "README.md"), "# edited, not committed\n");
    writeFileSync(path.join(repo, "untracked.txt"), "x\n");
    const before = { head: git("rev-parse", "HEAD"), status: git("status", "--porcelain"), branch: git("branch", "--show-current") };
    const roots: string[] = [];
    const report = await runReview({ dir: repo, base: "main", head: "regress", params: "inline", targetVersion: "1.36" }, (root) => {
      roots.push(root);
      expect(existsSync(path.join(root, POLICY))).toBe(true);
      expect(existsSync(path.join(root, "untracked.txt"))).toBe(false);
      return runRepo(root, { ...DEFAULT_REPO_OPTIONS, workers: 0 });
    });
    expect(report.policies.map((p) => p.path)).toEqual([POLICY]);
    expect(roots).toHaveLength(2);
    for (const r of roots) expect(existsSync(r)).toBe(false);
    expect({ head: git("rev-parse", "HEAD"), status: git("status", "--porcelain"), branch: git("branch", "--show-current") }).toEqual(before);
    expect(before.status).toContain("README.md");
    git("checkout", "-q", "--", "README.md");
    rmSync(path.join(repo, "untracked.txt"));
  });

  it.each<[string, string[], RegExp]>([
    ["an unknown ref", ["--base", "no-such-branch"], /^error: .*unknown git ref "no-such-branch"/],
    ["an unknown head", ["--base", "main", "--head", "nope"], /^error: .*unknown git ref "nope"/],
    ["a ref that looks like an option", ["--base=--output=x"], /^error: <flags>: not a git ref/],
    ["a bad output form", ["--base", "main", "-o", "html"], /^error: <flags>: -o must be markdown, github, sarif, junit, json, not "html"/],
    ["bad --params", ["--base", "main", "--params", "both"], /^error: <flags>: --params must be inline or constraint/],
    ["bad --target-version", ["--base", "main", "--target-version", "2"], /^error: <flags>: --target-version must look like 1.36/],
    ["bad --write", ["--base", "main", "--write", "pdf=x"], /^error: <flags>: --write must be FORMAT=FILE/],
  ])("%s: one error line, exit 2", async (_name, args, re) => {
    const r = await review(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const errors = r.err.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(re);
  });

  it("a --write file that cannot be written: exit 2 naming it", async () => {
    const target = path.join(repo, "README.md", "review.md");
    const r = await review("--base", "main", "--write", `markdown=${target}`);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: ${target}: cannot write:`);
  });

  it("outside a git repository, or with a missing directory: exit 2", async () => {
    const plain = path.join(tmp, "plain");
    mkdirSync(plain, { recursive: true });
    for (const dir of [plain, path.join(tmp, "missing")]) {
      const r = await run("review", "--dir", dir, "--base", "main");
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: .*(not a git repository|no such directory)/m);
    }
  });

  it("--base is required; help shows examples and exit codes", async () => {
    expect((await run("review")).code).toBe(2);
    const h = await run("review", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("Examples:");
    expect(h.out).toContain("Exit codes: 0");
    expect(h.out).toContain('(default: "HEAD")');
  });
});
