// `kyverno test` suites (cli.kyverno.io/v1alpha1 Test): the test file, its values (Values), userinfo (UserInfo) and
// the resources it names, loaded as the Kyverno CLI loads them — resources become CREATE requests, namespaced kinds
// default to namespace `default`, null `labels`/`annotations`/`data`/… become `{}`. Paths resolve relative to the
// test file. I/O lives here (the suite is read from disk); everything returned is plain data.
import { readFileSync } from "node:fs";
import path from "node:path";
import { InputError, parseDocuments, type LoadedDoc } from "../../src/input/yaml.js";
import { describeObject, kindRegistry } from "../../src/vap/kinds.js";
import type { KObject } from "../../src/vap/types.js";
import type { JsonValue } from "./model.js";

export type ExpectedResult = "pass" | "fail" | "skip" | "warn" | "error";

export interface SuiteResult {
  policy: string;
  /** Rule name; absent for CEL policy kinds (isValidatingPolicy …). */
  rule?: string;
  resources: string[];
  /** Documentation only: `kyverno test` does not match on it. */
  kind?: string;
  result: ExpectedResult;
  isValidatingPolicy?: boolean;
  line: number;
}

/** Values file: global values, per-policy rule and resource values, namespace labels. */
export interface SuiteValues {
  globalValues: Record<string, JsonValue>;
  policies: { name: string; rules: { name: string; values: Record<string, JsonValue> }[]; resources: { name: string; values: Record<string, JsonValue> }[] }[];
  namespaceSelector: { name: string; labels: Record<string, string> }[];
}

export interface SuiteUserInfo {
  username?: string;
  groups?: string[];
  roles?: string[];
  clusterRoles?: string[];
}

export interface KyvernoSuite {
  file: string;
  name: string;
  policyFiles: string[];
  resources: { object: KObject; file: string; line: number }[];
  values?: SuiteValues;
  userInfo?: SuiteUserInfo;
  results: SuiteResult[];
}

type JObj = { [k: string]: JsonValue };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Is this document a `kyverno test` Test? */
export function isKyvernoTest(doc: unknown): boolean {
  return isObj(doc) && doc.kind === "Test" && typeof doc.apiVersion === "string" && doc.apiVersion.startsWith("cli.kyverno.io/");
}

/** A suite file's documents, read as the Kyverno CLI reads them (sigs.k8s.io/yaml: YAML 1.1 scalars). */
function readDocs(file: string): LoadedDoc[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError("no such file or directory", file);
  }
  return parseDocuments(text, file, { schema: "kubectl" });
}

const strings = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

const RESULTS = ["pass", "fail", "skip", "warn", "error"] as const;

/**
 * The fields of a Test and of its results (kyverno cmd/cli/kubectl-kyverno/apis/v1alpha1: the CLI reads a test with
 * yaml.UnmarshalStrict, so any other field is an error); results also take the older `status`, `resource` and
 * `namespace`, which we read.
 */
const TEST_FIELDS = new Set(["apiVersion", "kind", "metadata", "name", "policies", "resources", "jsonPayload", "jsonPayloads", "httpPayloads", "envoyPayloads", "targetResources", "variables", "paramResources", "userinfo", "results", "values", "exceptions", "context", "clusterResources", "apiCallResponses", "globalContextEntries"]);
const RESULT_FIELDS = new Set([
  "policy", "rule", "isValidatingAdmissionPolicy", "isMutatingAdmissionPolicy", "isValidatingPolicy", "isDeletingPolicy", "isImageValidatingPolicy", "isGeneratingPolicy", "isMutatingPolicy",
  "result", "kind", "operation", "patchedResources", "generatedResource", "cloneSourceResource", "failOnMissingResources", "resources", "resourceSpecs", "generatedResources",
  "status", "resource", "namespace",
]);

/** An unknown field of a Test document or of one of its results is bad input, at its line (as the CLI refuses it). */
function checkFields(d: LoadedDoc, o: JObj): void {
  for (const k of Object.keys(o)) if (!TEST_FIELDS.has(k)) throw new InputError(`unknown field "${k}" in a kyverno test`, d.file, d.fieldLineOf?.([k]) ?? d.line);
  (Array.isArray(o.results) ? o.results : []).forEach((r, i) => {
    if (!isObj(r)) return;
    for (const k of Object.keys(r)) if (!RESULT_FIELDS.has(k)) throw new InputError(`results[${i}]: unknown field "${k}"`, d.file, d.fieldLineOf?.(["results", i, k]) ?? d.line);
  });
}

function results(d: LoadedDoc, list: JsonValue | undefined): SuiteResult[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new InputError("results: must be a list", d.file, d.fieldLineOf?.(["results"]) ?? d.line);
  return list.map((x, i) => {
    const line = d.fieldLineOf?.(["results", i]) ?? d.line;
    if (!isObj(x)) throw new InputError(`results[${i}]: must be an object`, d.file, line);
    const result = x.result ?? x.status;
    if (!(RESULTS as readonly unknown[]).includes(result)) throw new InputError(`results[${i}].result: must be one of ${RESULTS.join(", ")}`, d.file, line);
    if (typeof x.policy !== "string") throw new InputError(`results[${i}].policy: is required`, d.file, line);
    const out: SuiteResult = { policy: x.policy, resources: [...strings(x.resources), ...strings(x.resource)], result: result as ExpectedResult, line };
    if (typeof x.rule === "string") out.rule = x.rule;
    if (typeof x.kind === "string") out.kind = x.kind;
    if (x.isValidatingPolicy === true) out.isValidatingPolicy = true;
    return out;
  });
}

const valueMap = (v: JsonValue | undefined): Record<string, JsonValue> => (isObj(v) ? { ...v } : {});

function values(file: string): SuiteValues {
  const doc = readDocs(file)[0]?.doc;
  const o = isObj(doc) ? doc : {};
  const named = (v: JsonValue | undefined): { name: string; values: Record<string, JsonValue> }[] =>
    (Array.isArray(v) ? v : []).filter(isObj).map((e) => ({ name: String(e.name ?? ""), values: valueMap(e.values) }));
  return {
    globalValues: valueMap(o.globalValues),
    policies: (Array.isArray(o.policies) ? o.policies : []).filter(isObj).map((p) => ({ name: String(p.name ?? ""), rules: named(p.rules), resources: named(p.resources) })),
    namespaceSelector: (Array.isArray(o.namespaceSelector) ? o.namespaceSelector : []).filter(isObj).map((n) => ({
      name: String(n.name ?? ""),
      labels: Object.fromEntries(Object.entries(valueMap(n.labels)).map(([k, v]) => [k, String(v)])),
    })),
  };
}

function userInfo(file: string): SuiteUserInfo {
  const doc = readDocs(file)[0]?.doc;
  const o = isObj(doc) ? doc : {};
  const ui = isObj(o.userInfo) ? o.userInfo : {};
  const out: SuiteUserInfo = {};
  if (typeof ui.username === "string") out.username = ui.username;
  if (Array.isArray(ui.groups)) out.groups = strings(ui.groups);
  if (Array.isArray(o.roles)) out.roles = strings(o.roles);
  if (Array.isArray(o.clusterRoles)) out.clusterRoles = strings(o.clusterRoles);
  return out;
}

const EMPTY_IF_NULL: readonly (readonly string[])[] = [["metadata", "labels"], ["metadata", "annotations"], ["data"], ["stringData"], ["spec", "nodeSelector"], ["spec", "selector", "matchLabels"]];
const registry = kindRegistry();

/** A resource as `kyverno test` sees it: namespaced kinds in `default` unless set, null maps → `{}`. */
export function asCliResource(obj: KObject): KObject {
  const out = structuredClone(obj) as KObject & { [k: string]: unknown };
  const meta = (out.metadata ??= {}) as { namespace?: string };
  const { namespaced } = describeObject(out, registry);
  if (namespaced && !meta.namespace) meta.namespace = "default";
  for (const p of EMPTY_IF_NULL) {
    let cur: unknown = out;
    for (const seg of p.slice(0, -1)) cur = isObj(cur as JsonValue) ? (cur as JObj)[seg] : undefined;
    const last = p[p.length - 1]!;
    if (isObj(cur as JsonValue) && last in (cur as JObj) && (cur as JObj)[last] === null) (cur as JObj)[last] = {};
  }
  return out;
}

/** Read a `kyverno-test.yaml` and everything it names. */
export function loadKyvernoSuite(file: string): KyvernoSuite {
  const docs = readDocs(file).filter((d) => isKyvernoTest(d.doc));
  const d = docs[0];
  if (!d) throw new InputError("not a kyverno test file (kind Test, apiVersion cli.kyverno.io/v1alpha1)", file);
  const o = d.doc as JObj;
  checkFields(d, o);
  const dir = path.dirname(file);
  const rel = (p: string): string => path.join(dir, p);
  const resources = strings(o.resources).flatMap((r) =>
    readDocs(rel(r))
      .filter((x) => isObj(x.doc) && typeof (x.doc as JObj).kind === "string")
      .map((x) => ({ object: asCliResource(x.doc as KObject), file: x.file, line: x.line })),
  );
  const suite: KyvernoSuite = {
    file,
    name: isObj(o.metadata) && typeof o.metadata.name === "string" ? o.metadata.name : typeof o.name === "string" ? o.name : path.basename(dir),
    policyFiles: strings(o.policies).map(rel),
    resources,
    results: results(d, o.results),
  };
  if (typeof o.variables === "string") suite.values = values(rel(o.variables));
  if (typeof o.userinfo === "string") suite.userInfo = userInfo(rel(o.userinfo));
  return suite;
}
