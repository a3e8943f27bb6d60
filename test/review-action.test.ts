// The composite GitHub Action (action.yml): its inputs and outputs hang together, no `${{ }}` reaches a script's text
// (inputs arrive as environment variables), every script parses, and the scripts behave — run by bash as the runner
// runs them (-eo pipefail) with stand-ins for `gh` and the migrate CLI: the review step passes the inputs through and
// records its outputs, the comment step updates the marked comment or posts one (never one for an empty review),
// and the result step fails per exit code and fail-on-gaps.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync("action.yml", "utf8")) as Action;
const step = (name: string): Step => action.runs.steps.find((s) => s.name === name)!;
const hasJq = spawnSync("jq", ["--version"]).status === 0;

let tmp = "";
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "migrate-action-test-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Run one step's script as the runner would, with its env block's `${{ }}` values replaced by `values`. */
function runStep(s: Step, values: Record<string, string>, extraEnv: Record<string, string> = {}): { code: number; out: string; err: string } {
  const dir = mkdtempSync(path.join(tmp, "step-"));
  const script = path.join(dir, "step.sh");
  writeFileSync(script, s.run!);
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", RUNNER_TEMP: dir, GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_STEP_SUMMARY: path.join(dir, "summary"), GITHUB_REPOSITORY: "o/r", ...extraEnv };
  for (const [k, v] of Object.entries(s.env ?? {})) env[k] = v.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => values[expr] ?? "");
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { env, encoding: "utf8", cwd: dir });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("action.yml", () => {
  it("is a composite action whose inputs, outputs and step references exist", () => {
    expect(action.runs.using).toBe("composite");
    for (const input of ["base", "params", "target-version", "working-directory", "github-token", "fail-on-gaps"]) expect(action.inputs[input], input).toBeDefined();
    expect(action.inputs["base"]!.default).toBe("${{ github.event.pull_request.base.sha }}");
    const text = readFileSync("action.yml", "utf8");
    for (const m of text.matchAll(/inputs\.([a-z-]+)/g)) expect(action.inputs[m[1]!], m[0]).toBeDefined();
    const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
    for (const m of text.matchAll(/steps\.([a-z-]+)\.outputs/g)) expect(ids.has(m[1]!), m[0]).toBe(true);
    for (const s of action.runs.steps.filter((x) => x.run)) expect(s.shell, s.name).toBe("bash");
  });

  it("no ${{ }} in any script's text (inputs reach scripts as environment variables), and every script parses", () => {
    for (const s of action.runs.steps.filter((x) => x.run)) {
      expect(s.run, s.name).not.toContain("${{");
      expect(spawnSync("bash", ["-n"], { input: s.run, encoding: "utf8" }).status, s.name).toBe(0);
    }
  });

  it("the review step runs `review -o github` with the inputs, writes markdown and JSON, records outputs and the step summary", () => {
    const fake = mkdtempSync(path.join(tmp, "cli-"));
    mkdirSync(path.join(fake, "bin"));
    // a stand-in CLI: records its argv, writes each --write FORMAT=FILE, prints an annotation, exits 3
    writeFileSync(
      path.join(fake, "bin/migrate.js"),
      `const fs = require("node:fs"); const a = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(path.join(fake, "argv.json"))}, JSON.stringify(a));
a.forEach((x, i) => { if (a[i - 1] === "--write") { const [f, file] = x.split(/=(.*)/s); fs.writeFileSync(file, f === "markdown" ? "<!-- migrate-review -->\\nbody\\n" : "{}"); } });
console.log("::warning file=p.yaml,line=3,title=t::m"); process.exit(3);`,
    );
    writeFileSync(path.join(fake, "package.json"), "{}");
    const r = runStep(step("Review"), { "inputs.base": "abc123", "inputs.head": "HEAD", "inputs.params": "constraint", "inputs.target-version": "1.35", "inputs.sarif-file": "out.sarif", "inputs.junit-file": "", "inputs.migrate-version": "" }, { GITHUB_ACTION_PATH: fake, GITHUB_WORKSPACE: fake });
    expect(r.code).toBe(0);
    expect(r.out).toContain("::warning file=p.yaml,line=3,title=t::m");
    const argv = JSON.parse(readFileSync(path.join(fake, "argv.json"), "utf8")) as string[];
    expect(argv.slice(0, 11)).toEqual(["review", "--base", "abc123", "--head", "HEAD", "--params", "constraint", "--target-version", "1.35", "-o", "github"]);
    expect(argv.filter((x, i) => argv[i - 1] === "--write").map((x) => x.split("=")[0])).toEqual(["markdown", "json", "sarif"]);
    expect(argv).toContain(`sarif=${fake}/out.sarif`);
    const dir = path.dirname(argv.find((x) => x.startsWith("markdown="))!.slice("markdown=".length));
    const outputs = readFileSync(path.join(dir, "output"), "utf8");
    expect(outputs).toContain("exit-code=3\n");
    expect(outputs).toContain(`markdown-file=${path.join(dir, "migrate-review.md")}\n`);
    expect(readFileSync(path.join(dir, "summary"), "utf8")).toBe("<!-- migrate-review -->\nbody\n");
  });

  describe.skipIf(!hasJq)("the comment step (with a stand-in gh)", () => {
    function setup(ids: string, changes: number, failWrites = false): { log: string; env: Record<string, string>; values: Record<string, string>; md: string } {
      const dir = mkdtempSync(path.join(tmp, "gh-"));
      const log = path.join(dir, "gh.log");
      writeFileSync(
        path.join(dir, "gh"),
        `#!/usr/bin/env bash
echo "gh $*" >> ${JSON.stringify(log)}
if [[ "$*" == *--paginate* ]]; then printf '%s' "$FAKE_IDS"; exit 0; fi
for ((i = 1; i <= $#; i++)); do if [ "\${!i}" = "--input" ]; then j=$((i + 1)); cat "\${!j}" >> ${JSON.stringify(log)}; echo >> ${JSON.stringify(log)}; fi; done
[ -z "$FAKE_FAIL" ]`,
      );
      chmodSync(path.join(dir, "gh"), 0o755);
      const md = path.join(dir, "review.md");
      writeFileSync(md, '<!-- migrate-review -->\n## "quoted" `md`\n');
      const json = path.join(dir, "review.json");
      writeFileSync(json, JSON.stringify({ summary: { changed: changes, added: 0, removed: 0 } }));
      return {
        log,
        md,
        env: { PATH: `${dir}:${process.env["PATH"] ?? ""}`, FAKE_IDS: ids, ...(failWrites ? { FAKE_FAIL: "1" } : {}) },
        values: { "inputs.github-token": "t", "github.event.pull_request.number": "7", "steps.review.outputs.markdown-file": md, "steps.review.outputs.json-file": json },
      };
    }
    const body = JSON.stringify({ body: '<!-- migrate-review -->\n## "quoted" `md`\n' });

    it.each<[string, string, number, string[]]>([
      ["updates the first marked comment", "111\n222\n", 1, ["gh api --paginate repos/o/r/issues/7/comments --jq", "gh api -X PATCH repos/o/r/issues/comments/111 --input", body]],
      ["updates it even when nothing changed now", "111\n", 0, ["gh api -X PATCH repos/o/r/issues/comments/111 --input", body]],
      ["posts a new comment", "", 2, ["gh api -X POST repos/o/r/issues/7/comments --input", body]],
    ])("%s", (_name, ids, changes, want) => {
      const s = setup(ids, changes);
      const r = runStep(step("Post or update the PR comment"), s.values, s.env);
      expect(r.code).toBe(0);
      const log = readFileSync(s.log, "utf8");
      for (const w of want) expect(log).toContain(w);
      expect(log.match(/-X (PATCH|POST)/g)).toHaveLength(1);
    });

    it("posts nothing for an empty review without an earlier comment", () => {
      const s = setup("", 0);
      expect(runStep(step("Post or update the PR comment"), s.values, s.env).code).toBe(0);
      expect(readFileSync(s.log, "utf8")).not.toMatch(/-X (PATCH|POST)/);
    });

    it("a refused write (a fork's read-only token) is a warning, not a failure", () => {
      const s = setup("", 1, true);
      const r = runStep(step("Post or update the PR comment"), s.values, s.env);
      expect(r.code).toBe(0);
      expect(r.out).toContain("::warning title=migrate review::could not post the PR comment");
    });
  });

  it.each([
    ["0", "false", 0],
    ["3", "false", 0],
    ["3", "true", 3],
    ["1", "false", 1],
    ["2", "false", 2],
    ["70", "false", 70],
  ])("the result step: exit %s with fail-on-gaps %s → %i", (code, failOnGaps, want) => {
    const r = runStep(step("Result"), { "steps.review.outputs.exit-code": code, "inputs.fail-on-gaps": failOnGaps });
    expect(r.code).toBe(want);
    if (want) expect(r.out).toMatch(/^::error title=migrate review::/);
  });
});

