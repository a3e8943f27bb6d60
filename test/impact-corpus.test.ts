// `migrate impact` on a dump assembled from the shared corpus: the resources of the Kyverno test suites of a few
// dozen policies, and the example objects of the Gatekeeper library samples, replayed through those Kyverno
// policies, the Gatekeeper templates with their sample constraints, and the corpus' restricted PodSecurityPolicy.
// Every policy converted with no gap must agree between its engines on every object of the dump (not only on its
// own suite's objects); the numbers are printed.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocsLenient } from "../converters/rego/gatekeeper/suite.js";
import { readDump, type Dump } from "../src/impact/dump.js";
import { policyUnits } from "../src/impact/policies.js";
import { runImpact } from "../src/impact/run.js";
import type { ImpactReport, PolicyImpact } from "../src/impact/types.js";
import type { LoadedDoc } from "../src/input/yaml.js";
import { CORPUS_DIR, corpusPath, haveCorpus } from "./support/corpus.js";

/** Kyverno INDEX.tsv categories whose policies (and their suites' resources) go into the run. */
const KYVERNO_CATEGORIES = /^(best-practices|pod-security(\/.*)?|psa|psp-migration)$/;

/**
 * Differences between the engines on policies converted with no gap, each with its cause (owned by the converters,
 * not by impact). The test fails on any other difference, and on an entry that no longer matches one. Empty: the
 * last two were fixed — a batch/v1beta1 CronJob now reaches Kyverno converted to batch/v1, as its matchPolicy
 * Equivalent webhook receives it (converters/kyverno/webhook.ts), and a call of a Rego function whose definitions give
 * different values is checked by the VAP as OPA's eval_conflict_error (converters/rego/convert/conflicts.ts).
 */
const KNOWN_DIFFERENCES: { converter: string; policy: RegExp; object: RegExp; cause: string }[] = [];

/** Does a known difference explain this one? `object` as reported, the corpus folder left out. */
function knownFor(converter: string, policy: string, object: string): (typeof KNOWN_DIFFERENCES)[number] | undefined {
  const rel = object.replace(`${CORPUS_DIR}${path.sep}`, "");
  return KNOWN_DIFFERENCES.find((k) => k.converter === converter && k.policy.test(policy) && k.object.test(rel));
}
const isKnown = (converter: string, policy: string, object: string): boolean => knownFor(converter, policy, object) !== undefined;

/** Every STRIDE-th object of each Kyverno resource file goes into the dump (the whole set takes ~40 s to replay). */
const STRIDE = 3;

/** A file's documents, read as the impact command reads them (leniently: gatekeeper-library quoting). */
const load = (file: string): LoadedDoc[] => parseDocsLenient(readFileSync(file, "utf8"), file).docs;

function filesUnder(dir: string, pick: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, pick));
    else if (pick(p)) out.push(p);
  }
  return out;
}

/** The chosen Kyverno policies' files and the resource files their `kyverno test` suites name. */
function kyvernoInputs(): { policies: string[]; resources: string[] } {
  const rows = readFileSync(corpusPath("kyverno/INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
  const chosen = rows.filter((c) => KYVERNO_CATEGORIES.test(c[10]!));
  const policies = [...new Set(chosen.map((c) => corpusPath(`kyverno/${c[11]!}`)))];
  const resources = new Set<string>();
  for (const c of chosen) {
    for (const t of (c[12] ?? "").split(";").filter(Boolean)) {
      const file = corpusPath(`kyverno/${t}`);
      for (const d of load(file)) {
        const refs = (d.doc as { resources?: unknown }).resources;
        for (const r of Array.isArray(refs) ? refs : []) if (typeof r === "string") resources.add(path.resolve(path.dirname(file), r));
      }
    }
  }
  return { policies, resources: [...resources].sort() };
}

/** Gatekeeper library templates, their sample constraints, and the sample objects (not AdmissionReviews). */
function gatekeeperInputs(): { policies: string[]; resources: string[] } {
  const root = corpusPath("gatekeeper");
  const yaml = (f: string): boolean => /\.ya?ml$/.test(f);
  const templates = filesUnder(root, (f) => path.basename(f) === "template.yaml");
  const constraints = filesUnder(root, (f) => path.basename(f) === "constraint.yaml" && f.includes(`${path.sep}samples${path.sep}`));
  const objects = filesUnder(root, (f) => yaml(f) && f.includes(`${path.sep}samples${path.sep}`) && path.basename(f) !== "constraint.yaml").filter(
    (f) => !load(f).some((d) => (d.doc as { kind?: unknown }).kind === "AdmissionReview"),
  );
  return { policies: [...templates, ...constraints], resources: objects };
}

describe.skipIf(!haveCorpus("impact-corpus", "kyverno/INDEX.tsv", "gatekeeper/INDEX.tsv", "psp/examples/restricted-psp.yaml"))("migrate impact on a dump assembled from the corpus", () => {
  // collection runs this body even when the corpus is missing (the tests are then skipped): read lazily
  let cache: { report: ImpactReport; dump: Dump; ms: number } | undefined;
  const run = (): NonNullable<typeof cache> => {
    if (cache) return cache;
    const started = performance.now();
    const kyverno = kyvernoInputs();
    const gatekeeper = gatekeeperInputs();
    const policyDocs = [...kyverno.policies, ...gatekeeper.policies, corpusPath("psp/examples/restricted-psp.yaml")].flatMap(load);
    const { units } = policyUnits(policyDocs);
    const kyvernoObjects = kyverno.resources.flatMap((f) => readDump(load(f)).objects.filter((_, i) => i % STRIDE === 0));
    const dump = readDump([...kyvernoObjects.map((o) => ({ doc: o.object, file: o.file, line: o.line, index: 0 })), ...gatekeeper.resources.flatMap(load)]);
    const report = runImpact(units, dump, { operation: "CREATE", convertOptions: () => ({ targetVersion: "1.36" }) });
    return (cache = { report, dump, ms: performance.now() - started });
  };

  it("replays the dump through every policy and reports the numbers per converter", () => {
    const { report, dump, ms } = run();
    const agrees = (p: PolicyImpact): boolean => !p.differences.length && p.error === undefined;
    const lines = ["psp", "kyverno", "gatekeeper"].map((id) => {
      const ps = report.policies.filter((p) => p.converter === id);
      const noGap = ps.filter((p) => p.status === "converted" && !p.gaps.length);
      const onlyKnown = noGap.filter((p) => !agrees(p) && p.differences.every((d) => isKnown(id, p.name, d.object)));
      const withGaps = ps.filter((p) => !noGap.includes(p));
      const sum = (xs: PolicyImpact[], f: (p: PolicyImpact) => number): number => xs.reduce((n, p) => n + f(p), 0);
      return (
        `${id}: ${ps.length} policies; ${noGap.length} converted with no gap: ${noGap.filter(agrees).length} agree on every object, ${onlyKnown.length} differ only on known objects; ` +
        `${withGaps.length} with gaps: ${withGaps.filter(agrees).length} agree, ${withGaps.filter((p) => !agrees(p)).length} differ (${sum(withGaps, (p) => p.differences.length)} object differences); ` +
        `rejections: ${sum(ps, (p) => p.rejectedBySource.length)} by the source engine, ${sum(ps, (p) => p.rejectedByVap.length)} by the VAPs`
      );
    });
    const gapDiffers = report.policies.filter((p) => !agrees(p) && (p.status !== "converted" || p.gaps.length)).map((p) => `${p.converter} ${p.name} (${p.status}, ${p.gaps.map((g) => g.id ?? g.rule).join(", ")}): ${p.differences.length}`);
    console.log(
      `[impact-corpus] ${dump.objects.length} objects (${dump.objects.filter((o) => o.object.kind === "Namespace").length} Namespaces), ${report.policies.length} policies, ${Math.round(ms)} ms\n${lines.join("\n")}\ndiffering, with gaps: ${gapDiffers.join("; ")}`,
    );
    expect(report.summary.objects).toBe(dump.objects.length);
    expect(dump.objects.length).toBeGreaterThan(300);
    expect(report.policies.filter((p) => p.converter === "kyverno").length).toBeGreaterThan(30);
    expect(report.policies.filter((p) => p.converter === "gatekeeper").length).toBeGreaterThan(25);
    expect(report.policies.filter((p) => p.converter === "psp")).toHaveLength(1);
    // the dump is not vacuous: the policies reject objects
    expect(report.summary.rejectedBySource).toBeGreaterThan(100);
  });

  it("agrees between the engines on every object for every policy converted with no gap, but for the known differences", () => {
    const { report } = run();
    const noGap = report.policies.filter((p) => p.status === "converted" && !p.gaps.length);
    const found = noGap.flatMap((p) => [
      ...(p.error !== undefined ? [{ known: undefined, text: `${p.converter} ${p.name}: ${p.error}` }] : []),
      ...p.differences.map((d) => ({
        known: knownFor(p.converter, p.name, d.object),
        text: `${p.converter} ${p.name} ${d.object.replace(`${CORPUS_DIR}${path.sep}`, "")}: source ${d.source}, vap ${d.vap}${d.reason ? ` (${d.reason})` : ""} ${(d.sourceMessages ?? []).join("; ").slice(0, 200)}`,
      })),
    ]);
    expect(found.filter((f) => !f.known).map((f) => f.text)).toEqual([]);
    // a known difference that no longer shows up is fixed: take it off the list
    expect(KNOWN_DIFFERENCES.filter((k) => !found.some((f) => f.known === k)).map((k) => k.cause)).toEqual([]);
  });
});
