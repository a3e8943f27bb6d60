// `--emit-tests`: the evidence replayed for a generated policy, kept beside it so it outlives the source — a kaptest
// manifest (`<name>.test/kaptest.yaml` + `resources.yaml`) whose cases are the suite objects with the verdict both
// engines agreed on; with `--target kyverno` a `kyverno test` suite (`<name>.kyverno-test/kyverno-test.yaml`) for
// the ValidatingPolicies. Only CREATE cases on which the engines agreed are kept (the evidence, not the failures).
import { posix } from "node:path";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ConvertResult } from "../convert/types.js";
import type { CaseResult } from "../equivalence/contract.js";
import { parseKyvernoDocuments } from "../../converters/kyverno/parse.js";
import { configMapParams } from "../../converters/kyverno/replay.js";
import { asCliResource, loadKyvernoSuite } from "../../converters/kyverno/testsuite.js";
import { readDocuments } from "../cli/io.js";
import { constraintObject } from "../../converters/rego/convert/replay.js";
import { loadCaseObject, readConstraintFile, readSuite, readTemplateFile } from "../../converters/rego/gatekeeper/suite.js";
import type { KObject, ValidatingAdmissionPolicyBinding } from "../vap/types.js";
import type { OutputFile, RepoOptions, Unit } from "./types.js";

type Obj = Record<string, unknown>;

/** One emitted case: the object, the generated policy that judges it, and the agreed verdict. */
interface Evidence {
  object: KObject;
  policy: string;
  expect: "admit" | "deny" | "skip";
  /** The param the case runs with (also written as a resource): Gatekeeper `--params constraint` the constraint,
   *  Kyverno the ConfigMap of a configMap context entry. */
  param?: KObject;
  /** The requester the replay used (`kyverno test`: the suite's userinfo, else an anonymous user). */
  userInfo?: { username: string; groups: string[] };
  /** Objects the replay had in the cluster (Namespaces from a suite's values file). */
  cluster?: KObject[];
}

const annotation = (m: unknown, key: string): string | undefined => ((m as Obj).metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[key];
/** A generated policy: a VAP, or with `--target kyverno` a ValidatingPolicy (same metadata, same CEL). */
const isVap = (m: unknown): boolean => (m as Obj).kind === "ValidatingAdmissionPolicy" || (m as Obj).kind === "ValidatingPolicy";
const nameOf = (m: unknown): string => String(((m as Obj).metadata as Obj | undefined)?.["name"] ?? "");
const keyOf = (o: KObject): string => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;

/** `kyverno test` rows: the suite resource of that name (unambiguous only) and the VAP converted from that policy. */
function kyvernoEvidence(suiteFile: string, rows: readonly CaseResult[], manifests: readonly object[]): Evidence[] {
  const suite = loadKyvernoSuite(suiteFile);
  // as the replay's VAP side (converters/kyverno/replay.ts vapSideOf): the suite's user, its values' namespaces
  const userInfo = { username: suite.userInfo?.username ?? "", groups: [...(suite.userInfo?.groups ?? [])] };
  const cluster: KObject[] = (suite.values?.namespaceSelector ?? []).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: { "kubernetes.io/metadata.name": n.name, ...n.labels } } }));
  const byKey = new Map<string, KObject[]>();
  for (const r of suite.resources) {
    const cli = asCliResource(r.object);
    byKey.set(keyOf(cli), [...(byKey.get(keyOf(cli)) ?? []), cli]);
  }
  // a policy whose VAP takes a ConfigMap as params (a configMap context entry): the ConfigMap the replay built from
  // the suite's values goes with each case, as its param
  const bindings = manifests.filter((m) => (m as Obj).kind === "ValidatingAdmissionPolicyBinding") as ValidatingAdmissionPolicyBinding[];
  const policies = bindings.some((b) => b.spec.paramRef) ? parseKyvernoDocuments(readDocuments(suite.policyFiles), { ignoreOtherKinds: true }) : [];
  return rows.flatMap((row): Evidence[] => {
    const objects = byKey.get(row.resource) ?? [];
    const vap = manifests.find((m) => isVap(m) && annotation(m, "vap-migrate.io/kyverno-policy") === row.policy);
    if (objects.length !== 1 || !vap) return [];
    const source = policies.find((p) => p.name === row.policy);
    const param = source ? configMapParams(suite, source, objects[0]!, bindings.filter((b) => b.spec.policyName === nameOf(vap)))[0] : undefined;
    return [{ object: objects[0]!, policy: nameOf(vap), expect: row.vap as Evidence["expect"], userInfo, cluster, ...(param ? { param } : {}) }];
  });
}

/** gator rows: the case object, and the VAP generated for the test's constraint (with it as param in constraint mode). */
function gatorEvidence(suiteFile: string, rows: readonly (CaseResult & { test?: string; case?: string })[], manifests: readonly object[], converted: (file: string) => boolean): Evidence[] {
  const suite = readSuite(suiteFile);
  if (!suite) return [];
  return rows.flatMap((row): Evidence[] => {
    const test = suite.tests.find((t) => t.name === row.test);
    const c = test?.cases.find((x) => x.name === row.case);
    // only tests of a constraint that was converted (not a repeated sample), objects that are not AdmissionReviews
    if (!test || !c || c.inventory.length || !test.constraint || !converted(test.constraint)) return [];
    const constraint = readConstraintFile(test.constraint);
    const own = manifests.find((m) => isVap(m) && annotation(m, "vap-migrate.io/gatekeeper-constraint") === `${constraint.kind}/${constraint.name}`);
    const shared = manifests.find((m) => isVap(m) && ((m as Obj).spec as Obj | undefined)?.["paramKind"] !== undefined);
    const vap = own ?? shared;
    if (!vap) return [];
    const object = loadCaseObject(c, suiteFile).object as KObject;
    if (object.kind === "AdmissionReview") return [];
    const param = own ? undefined : constraintObject(constraint, readTemplateFile(test.template));
    return [{ object, policy: nameOf(vap), expect: row.vap as Evidence["expect"], ...(param ? { param } : {}) }];
  });
}

const ref = (o: KObject): Obj => {
  const [group, version] = (o.apiVersion ?? "").includes("/") ? (o.apiVersion ?? "").split("/") : ["", o.apiVersion ?? ""];
  return { ...(group ? { group } : {}), ...(version ? { version } : {}), kind: o.kind, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata?.name };
};

/** Objects once each (by apiVersion, kind, namespace, name), in first-seen order. */
function uniqueObjects(objects: readonly KObject[]): KObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const k = `${o.apiVersion}|${o.kind}|${keyOf(o)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const yamlDocs = (objects: readonly unknown[]): string => objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join("");

/**
 * Evidence split so that within each group a (kind, namespace, name) names one object: suites reuse names for
 * different objects (gator samples in different folders), and a kaptest case finds its object by name.
 */
function groupsByUniqueNames(evidence: readonly Evidence[]): Evidence[][] {
  const groups: { objects: Map<string, string>; items: Evidence[] }[] = [];
  for (const e of evidence) {
    const key = `${e.object.apiVersion}|${e.object.kind}|${keyOf(e.object)}`;
    const text = JSON.stringify(e.object);
    let group = groups.find((g) => (g.objects.get(key) ?? text) === text);
    if (!group) groups.push((group = { objects: new Map(), items: [] }));
    group.objects.set(key, text);
    group.items.push(e);
  }
  return groups.map((g) => g.items);
}

/** The kaptest manifest(s) and resources for the evidence, in `<output>.test/` beside `output`. */
function kaptestFiles(output: OutputFile, evidence: readonly Evidence[]): OutputFile[] {
  const dir = `${output.path.replace(/\.ya?ml$/i, "")}.test`;
  const header = `# Evidence kept by migrate repo --emit-tests: the cases on which the source engine and ${posix.basename(output.path)} agreed.\n`;
  return groupsByUniqueNames(evidence).flatMap((group, i) => {
    const suffix = i ? `-${i + 1}` : "";
    const policies = [...new Set(group.map((e) => e.policy))].sort();
    const manifest = {
      policies: [`../${posix.basename(output.path)}`],
      resources: [`resources${suffix}.yaml`],
      vapTestSuites: policies.map((policy) => ({
        policy,
        tests: group
          .filter((e) => e.policy === policy)
          .map((e) => ({ object: ref(e.object), ...(e.param ? { param: { name: e.param.metadata?.name } } : {}), ...(e.userInfo ? { userInfo: e.userInfo } : {}), expect: e.expect })),
      })),
    };
    const resources = uniqueObjects([...group.map((e) => e.object), ...group.flatMap((e) => [...(e.param ? [e.param] : []), ...(e.cluster ?? [])])]);
    return [
      { path: `${dir}/kaptest${suffix}.yaml`, text: header + stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false }) },
      { path: `${dir}/resources${suffix}.yaml`, text: header + yamlDocs(resources) },
    ];
  });
}

/** A `kyverno test` suite for ValidatingPolicies (`--target kyverno`): pass / fail per resource, as recorded. */
function kyvernoTestFiles(output: OutputFile, evidence: readonly Evidence[], result: ConvertResult): OutputFile[] {
  const dir = `${output.path.replace(/\.ya?ml$/i, "")}.kyverno-test`;
  const policies = new Set(result.manifests.filter((m) => (m as Obj).kind === "ValidatingPolicy").map(nameOf));
  const rows = evidence.filter((e) => policies.has(e.policy) && e.expect !== "skip");
  const groups = new Map<string, Evidence[]>();
  for (const e of rows) {
    const k = `${e.policy}|${e.object.kind}|${e.expect}`;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const results = [...groups.values()].map((es) => ({ policy: es[0]!.policy, kind: es[0]!.object.kind, resources: es.map((e) => keyOf(e.object)), result: es[0]!.expect === "deny" ? "fail" : "pass" }));
  const suite = { apiVersion: "cli.kyverno.io/v1alpha1", kind: "Test", metadata: { name: posix.basename(dir, ".kyverno-test") }, policies: [`../${posix.basename(output.path)}`], resources: ["resources.yaml"], results };
  return [
    { path: `${dir}/kyverno-test.yaml`, text: stringify(suite, { lineWidth: 0, aliasDuplicateObjects: false }) },
    { path: `${dir}/resources.yaml`, text: yamlDocs(uniqueObjects(rows.map((e) => e.object))) },
  ];
}

/** The evidence files of one unit's output (none when no agreed CREATE case could be tied to a generated policy). */
export function emitTests(root: string, unit: Unit, output: OutputFile, result: ConvertResult, bySuite: readonly { suite: string; cases: readonly CaseResult[] }[], opts: RepoOptions): OutputFile[] {
  const evidence: Evidence[] = [];
  for (const { suite, cases } of bySuite) {
    // gator reviews an object with no operation ("-"); the VAP side evaluated it as a CREATE
    const agreed = cases.filter((c) => c.pass && (c.operation === "CREATE" || c.operation === "-") && c.vap !== "error");
    const file = join(root, suite);
    if (unit.converter === "kyverno") evidence.push(...kyvernoEvidence(file, agreed, result.manifests));
    else if (unit.converter === "gatekeeper") evidence.push(...gatorEvidence(file, agreed, result.manifests, (f) => unit.files.some((u) => join(root, u) === f)));
  }
  if (!evidence.length) return [];
  if (opts.target === "kyverno" && unit.converter === "kyverno") return kyvernoTestFiles(output, evidence, result);
  return kaptestFiles(output, evidence);
}
