// What each file of a policy repository is: a policy source of a registered converter (by apiVersion/kind), a
// Gatekeeper Constraint, a suite (kyverno test, gator Suite, kaptest manifest) with the files it references, a plain
// Rego module with its entrypoint, a Helm template or kustomize overlay we do not render, an existing VAP, or
// anything else. Reads are bounded by bytes actually read; files that cannot be read are `error` with a line.
import { posix } from "node:path";
import { converterFor } from "../convert/registry.js";
import { readBoundedText } from "../input/read.js";
import { InputError, parseDocuments, type LoadedDoc } from "../input/yaml.js";
import { isConstraint, isConstraintTemplate } from "../../converters/rego/gatekeeper/model.js";
import { isGatorSuite, parseDocsLenient } from "../../converters/rego/gatekeeper/suite.js";
import { isKyvernoTest } from "../../converters/kyverno/testsuite.js";
import { isKaptestManifest } from "../equivalence/suites.js";
import type { FileRole, SuiteType } from "./types.js";

/** A classified file: its role, and for suites / templates what the planner needs to tie files together. */
export interface ClassifiedFile {
  path: string;
  role: FileRole;
  /** Suites: every file they read (policies first), relative to the root; templates: nothing. */
  refs?: string[];
  /** Suites: the policy / template files among `refs`. */
  sourceRefs?: string[];
  /** Gatekeeper templates: the constraint kinds they define. */
  constraintKinds?: string[];
  /** Constraint files: `Kind/name` of each constraint. */
  constraintKeys?: string[];
}

/** The file's text through the one bounded reader (src/input/read.ts): at most LIMITS.maxBytes bytes actually read,
 *  regular files only, a NUL byte marks a binary file; failures are InputErrors naming `display`. */
export function readBounded(abs: string, display: string): string {
  return readBoundedText(abs, display);
}

/** Text that cannot hold a document we care about is not parsed at all (most of a repository's YAML). */
const INTERESTING =
  /kind:\s*["']?(PodSecurityPolicy|ClusterPolicy|Policy|ValidatingPolicy|NamespacedValidatingPolicy|ConstraintTemplate|Suite|Test|ValidatingAdmissionPolicy|MutatingAdmissionPolicy)\b|constraints\.gatekeeper\.sh|[tT]estSuites|"kind"\s*:/;

const YAML_FILE = /\.(ya?ml|json)$/i;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : typeof v === "string" ? [v] : []);

/** A reference in a suite at `suitePath`, relative to the root; undefined when it leaves the root. */
function resolveRef(suitePath: string, ref: string): string | undefined {
  if (!ref || posix.isAbsolute(ref)) return undefined;
  const p = posix.normalize(posix.join(posix.dirname(suitePath), ref));
  return p.startsWith("../") || p === ".." ? undefined : p;
}


/** The files a suite reads, and which of them hold the policies under test. */
function suiteRefs(path: string, suite: SuiteType, doc: Obj): { refs: string[]; sourceRefs: string[] } {
  const rel = (xs: string[]): string[] => xs.flatMap((x) => resolveRef(path, x) ?? []);
  if (suite === "kyverno" || suite === "kaptest") {
    const sources = rel(strings(doc["policies"] ?? doc["validatingAdmissionPolicies"]));
    const others = rel([...strings(doc["resources"]), ...strings(doc["variables"]), ...strings(doc["userinfo"])]);
    return { refs: [...sources, ...others], sourceRefs: sources };
  }
  const tests = Array.isArray(doc["tests"]) ? doc["tests"].filter(isObj) : [];
  const sources = rel(tests.flatMap((t) => strings(t["template"])));
  const others = rel(
    tests.flatMap((t) => [
      ...strings(t["constraint"]),
      ...(Array.isArray(t["cases"]) ? t["cases"].filter(isObj).flatMap((c) => [...strings(c["object"]), ...strings(c["inventory"])]) : []),
    ]),
  );
  return { refs: [...new Set([...sources, ...others])], sourceRefs: [...new Set(sources)] };
}

const kindOfDoc = (doc: unknown): string => (isObj(doc) && typeof doc["kind"] === "string" ? doc["kind"] : "");

/** The role of YAML/JSON documents: suite, policy source, constraints, an existing VAP, or other. */
function classifyDocuments(path: string, docs: readonly LoadedDoc[]): ClassifiedFile {
  const first = docs[0]?.doc;
  if (isKyvernoTest(first)) return { path, role: { role: "suite", suite: "kyverno" }, ...suiteRefs(path, "kyverno", first as Obj) };
  if (isGatorSuite(first)) return { path, role: { role: "suite", suite: "gator" }, ...suiteRefs(path, "gator", first as Obj) };
  if (docs.length === 1 && isKaptestManifest(first)) return { path, role: { role: "suite", suite: "kaptest" }, ...suiteRefs(path, "kaptest", first as Obj) };
  const converterIds = new Set<string>();
  const constraintKinds: string[] = [];
  const constraintKeys: string[] = [];
  let templates = 0;
  for (const d of docs) {
    const c = converterFor(d.doc);
    if (!c) continue;
    converterIds.add(c.id);
    if (isConstraintTemplate(d.doc)) {
      templates++;
      const names = (((d.doc as Obj)["spec"] as Obj | undefined)?.["crd"] as Obj | undefined)?.["spec"] as Obj | undefined;
      const kind = (names?.["names"] as Obj | undefined)?.["kind"];
      if (typeof kind === "string") constraintKinds.push(kind);
    } else if (isConstraint(d.doc) && !templates) {
      constraintKinds.push(kindOfDoc(d.doc));
      constraintKeys.push(`${kindOfDoc(d.doc)}/${String(((d.doc as Obj)["metadata"] as Obj | undefined)?.["name"] ?? "")}`);
    }
  }
  if (converterIds.size > 1) return { path, role: { role: "error", message: `policies of more than one source language in one file (${[...converterIds].sort().join(", ")})`, line: docs[0]?.line ?? 1 } };
  const id = [...converterIds][0];
  if (id === "gatekeeper" && !templates) return { path, role: { role: "constraint", kind: [...new Set(constraintKinds)].sort().join(",") }, constraintKeys };
  if (id) return { path, role: { role: "policy", converter: id }, ...(id === "gatekeeper" ? { constraintKinds } : {}) };
  if (docs.some((d) => kindOfDoc(d.doc) === "ValidatingAdmissionPolicy" || kindOfDoc(d.doc) === "MutatingAdmissionPolicy")) return { path, role: { role: "vap" } };
  return { path, role: { role: "other" } };
}

/** `true` when a directory on the path (or the file's own directory) holds a Helm chart. */
export type ChartLookup = (dir: string) => boolean;

/** Helm templates and kustomize overlays are reported, not rendered. */
function notRendered(path: string, text: string, inChart: ChartLookup): string | undefined {
  const base = posix.basename(path);
  if (/^kustomization\.ya?ml$/i.test(base) || base === "Kustomization") return "kustomize overlay: not rendered (run `kustomize build` and convert its output)";
  if (/^Chart\.ya?ml$/.test(base)) return "Helm chart: not rendered (run `helm template` and convert its output)";
  const segments = posix.dirname(path).split("/");
  const templatesAt = segments.lastIndexOf("templates");
  if (templatesAt >= 0 && inChart(segments.slice(0, templatesAt).join("/") || ".")) return "Helm template: not rendered (run `helm template` and convert its output)";
  return undefined;
}

/** A plain Rego module: its entrypoint (a `deny` rule) and input shape, or why it is not converted on its own. */
function classifyRego(path: string, text: string): FileRole {
  if (/_test\.rego$/.test(path)) return { role: "rego", note: "OPA test module: not replayed" };
  const pkg = /^\s*package\s+([\w.]+)/m.exec(text)?.[1];
  if (!pkg) return { role: "error", message: "no package declaration", line: 1 };
  if (/\binput\.review\b/.test(text) || /^\s*violation\s*(\[|contains)/m.test(text)) return { role: "rego", note: "Gatekeeper Rego outside a ConstraintTemplate: converted through its template" };
  if (!/^\s*deny\s*(\[|contains|\{|if\b)/m.test(text)) return { role: "rego", note: "no deny rule: a library module, converted with the modules that import it" };
  return { role: "rego", entrypoint: `data.${pkg}.deny`, input: /\binput\.request\b/.test(text) ? "admission" : "object" };
}

/** Classify one file from its text. */
export function classifyText(path: string, text: string, inChart: ChartLookup): ClassifiedFile {
  const skip = notRendered(path, text, inChart);
  if (skip) return { path, role: { role: "not-rendered", reason: skip } };
  if (path.endsWith(".rego")) return { path, role: classifyRego(path, text) };
  if (!YAML_FILE.test(path) || !INTERESTING.test(text)) return { path, role: { role: "other" } };
  let docs: LoadedDoc[];
  try {
    // gator's yaml.v3 accepts under-indented quoted scalars in templates; read as leniently as it does
    docs = /ConstraintTemplate|test\.gatekeeper\.sh/.test(text) ? parseDocsLenient(text, path).docs : parseDocuments(text, path);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Kyverno writes {{ … }} variables in valid YAML; text that is not YAML and has them is a template of some tool
    if (/\{\{[^}]*\}\}/.test(text)) return { path, role: { role: "not-rendered", reason: "templated YAML ({{ … }}) that is not valid YAML: not rendered" } };
    return { path, role: { role: "error", message: e.detail, line: e.line ?? 1 } };
  }
  return classifyDocuments(path, docs);
}
