// `migrate review -o junit`: the replay evidence at head as JUnit XML, for CI test reports. One <testsuite> per added
// or changed policy (named by its source path); its test cases come from the replay stats: one failing case per
// reported failure line (plus one for failures beyond those listed), one passing case for the agreeing cases,
// a skipped case when no suite exercises the policy, an error case when it fails to convert.
import type { PolicyChange, ReviewReport } from "./types.js";

/** Text safe in XML attributes and content: markup escaped, characters XML 1.0 forbids dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");

interface Case {
  name: string;
  outcome: { kind: "pass" } | { kind: "failure" | "error" | "skipped"; message: string; detail?: string };
}

/** The test cases of one policy's replay at head. */
export function policyCases(p: PolicyChange): Case[] {
  if (p.error) return [{ name: "convert", outcome: { kind: "error", message: p.error.message, detail: `${p.error.file}:${p.error.line}: ${p.error.message}` } }];
  const r = p.replay.head;
  if (!r || !r.cases) return [{ name: "replay", outcome: { kind: "skipped", message: "no replay suite exercises this policy (equivalence untested)" } }];
  const cases: Case[] = r.failures.map((f) => ({ name: f, outcome: { kind: "failure", message: f } }));
  const unlisted = r.failed - r.failures.length;
  if (unlisted > 0) cases.push({ name: `${unlisted} more failing case(s)`, outcome: { kind: "failure", message: `${unlisted} more case(s) where the source and the VAP disagree (not listed)` } });
  if (r.agreeing) cases.push({ name: `${r.agreeing} of ${r.cases} cases agree`, outcome: { kind: "pass" } });
  const other = r.cases - r.agreeing - r.failed;
  if (other > 0) cases.push({ name: `${other} case(s) neither agreeing nor failed`, outcome: { kind: "skipped", message: "not counted as agreeing or failed by the replay" } });
  return cases;
}

function testsuite(p: PolicyChange, id: number): string {
  const cases = policyCases(p);
  const count = (k: string): number => cases.filter((c) => c.outcome.kind === k).length;
  const classname = p.path.replace(/\.[^./]+$/, "").replace(/\//g, ".");
  const props = [
    ["converter", p.converter],
    ["change", p.change],
    ["status", p.status.head ?? ""],
    ["equivalence", p.equivalence.head ?? ""],
    ["suites", (p.replay.head?.suites ?? []).join(",")],
    ["cases", String(p.replay.head?.cases ?? 0)],
    ["gaps", String(p.gaps.head.length)],
  ];
  const lines = [
    `  <testsuite${attrs({ id, name: p.path, tests: cases.length, failures: count("failure"), errors: count("error"), skipped: count("skipped") })}>`,
    `    <properties>`,
    ...props.map(([name, value]) => `      <property${attrs({ name: name!, value: value! })}/>`),
    `    </properties>`,
  ];
  for (const c of cases) {
    const open = `    <testcase${attrs({ classname, name: c.name })}`;
    const o = c.outcome;
    if (o.kind === "pass") lines.push(`${open}/>`);
    else lines.push(`${open}>`, `      <${o.kind}${attrs({ message: o.message })}${o.detail ? `>${xmlEscape(o.detail)}</${o.kind}>` : "/>"}`, `    </testcase>`);
  }
  lines.push(`  </testsuite>`);
  return lines.join("\n");
}

/** JUnit XML of the replay at head of every added or changed policy. */
export function renderJunit(r: ReviewReport): string {
  const policies = r.policies.filter((p) => p.change !== "removed");
  const suites = policies.map((p, i) => testsuite(p, i));
  const all = policies.flatMap(policyCases);
  const count = (k: string): number => all.filter((c) => c.outcome.kind === k).length;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attrs({ name: "migrate review", tests: all.length, failures: count("failure"), errors: count("error"), skipped: count("skipped") })}>`,
    ...suites,
    `</testsuites>`,
    "",
  ].join("\n");
}
