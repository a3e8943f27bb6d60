// Validation of the Kubernetes documents we read — ValidatingAdmissionPolicies, MutatingAdmissionPolicies and their
// bindings, the other objects beside them (params, namespaces, suite resources) and admission requests — before any
// engine sees them: the structural check kubectl's strict decoding makes (wrong types, unknown fields; api-schema.ts),
// then for the admissionregistration kinds the API server's own validation (validate-output.ts) for the newest
// version we know. Each issue is one line, `file:line: Kind name: field: message`, the line that of the field.
import { InputError, type LoadedDoc } from "../input/yaml.js";
import { ADMISSION_REVIEW_SCHEMA, ADMISSION_SCHEMAS, ENVELOPE_SCHEMA, showPath, structuralIssues, type DocPath } from "./api-schema.js";
import { AR, NEWEST_MINOR, validateObject } from "./validate-output.js";

/** Several located issues of the documents we read; the message holds one `file:line: …` line per issue. */
export class ObjectValidationError extends InputError {
  constructor(lines: readonly string[], file: string) {
    super(lines.join("\n"), file);
    this.message = lines.join("\n");
  }
}

export interface InputValidationOptions {
  /**
   * Compile the expressions of MutatingAdmissionPolicies (in the newest environment). ValidatingAdmissionPolicies are
   * never compiled here: their callers compile them and report compile errors their own way (eval: exit 2 with
   * columns; kaptest: the cases of that policy become errors).
   */
  compileMutating?: boolean;
}

const isMap = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** `spec.validations[0].expression`, `metadata.labels[app.kubernetes.io/name]` → the document path. */
export function parseFieldPath(field: string): DocPath {
  const out: DocPath = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(field); m; m = re.exec(field)) out.push(m[1] !== undefined ? m[1] : /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  return out;
}

function locate(d: LoadedDoc, path: DocPath): number {
  return d.fieldLineOf ? d.fieldLineOf(path) : d.lineOf ? d.lineOf(path) : d.line;
}

function describe(doc: unknown): string {
  if (!isMap(doc)) return "document";
  const kind = typeof doc["kind"] === "string" && doc["kind"] ? doc["kind"] : "object";
  const meta = isMap(doc["metadata"]) ? doc["metadata"] : {};
  const name = typeof meta["name"] === "string" ? meta["name"] : typeof meta["generateName"] === "string" ? `${meta["generateName"]}*` : "";
  return name ? `${kind} ${name}` : kind;
}

const isAdmissionKind = (doc: Record<string, unknown>): boolean =>
  typeof doc["kind"] === "string" && doc["kind"] in ADMISSION_SCHEMAS && typeof doc["apiVersion"] === "string" && doc["apiVersion"].startsWith(`${AR}/`);

/** Issues of an object we read as an object (a policy, binding, param, namespace or resource). */
function objectIssues(doc: unknown, opts: InputValidationOptions): { path: DocPath; message: string }[] {
  if (!isMap(doc)) return [{ path: [], message: `must be a map (a Kubernetes object), not ${Array.isArray(doc) ? "a list" : typeof doc}` }];
  const admission = isAdmissionKind(doc);
  const structural = structuralIssues(doc, admission ? ADMISSION_SCHEMAS[doc["kind"] as string]! : ENVELOPE_SCHEMA);
  if (structural.length) return structural;
  const envelope = envelopeIssues(doc);
  if (envelope.length || !admission) return envelope;
  const compileEnv = opts.compileMutating && doc["kind"] === "MutatingAdmissionPolicy" ? `1.${NEWEST_MINOR}` : false;
  return validateObject(doc, 0, { targetVersion: `1.${NEWEST_MINOR}`, compileEnv }).map((i) => ({ path: parseFieldPath(i.field), message: i.message }));
}

/** apiVersion, kind and a name (or generateName): what every object needs before the API server looks further. */
function envelopeIssues(doc: Record<string, unknown>): { path: DocPath; message: string }[] {
  const out: { path: DocPath; message: string }[] = [];
  if (!doc["apiVersion"]) out.push({ path: ["apiVersion"], message: "Required value" });
  if (!doc["kind"]) out.push({ path: ["kind"], message: "Required value" });
  const meta = isMap(doc["metadata"]) ? doc["metadata"] : {};
  if (!meta["name"] && !meta["generateName"]) out.push({ path: ["metadata", "name"], message: "Required value: name or generateName is required" });
  return out;
}

const OPERATIONS = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

/** Issues of an admission request document: an AdmissionReview's request, or a bare object (its CREATE). */
function requestIssues(doc: unknown): { path: DocPath; message: string }[] {
  if (!isMap(doc) || doc["kind"] !== "AdmissionReview") return objectIssues(doc, {});
  const structural = structuralIssues(doc, ADMISSION_REVIEW_SCHEMA);
  if (structural.length) return structural;
  const request = doc["request"];
  if (!isMap(request)) return [{ path: ["request"], message: "an AdmissionReview request document needs request" }];
  const out: { path: DocPath; message: string }[] = [];
  const op = request["operation"];
  if (op !== undefined && !OPERATIONS.includes(op as string)) {
    out.push({ path: ["request", "operation"], message: `Unsupported value: ${JSON.stringify(op)}: supported values: ${OPERATIONS.map((o) => `"${o}"`).join(", ")}` });
  }
  for (const which of ["object", "oldObject"] as const) {
    if (isMap(request[which])) out.push(...envelopeIssues(request[which] as Record<string, unknown>).map((i) => ({ ...i, path: ["request", which, ...i.path] })));
  }
  return out;
}

function located(d: LoadedDoc, issues: readonly { path: DocPath; message: string }[]): string[] {
  const what = describe(d.doc);
  return issues.map((i) => `${d.file}:${locate(d, i.path)}: ${what}: ${i.path.length ? `${showPath(i.path)}: ` : ""}${i.message}`);
}

/** Every issue of the objects of `docs`, located; empty when the API server would take them all. */
export function inputObjectIssues(docs: readonly LoadedDoc[], opts: InputValidationOptions = {}): string[] {
  return docs.flatMap((d) => located(d, objectIssues(d.doc, opts)));
}

/** Throw an ObjectValidationError naming every issue of `docs` (no-op when there is none). */
export function checkInputObjects(docs: readonly LoadedDoc[], opts: InputValidationOptions = {}): void {
  const lines = inputObjectIssues(docs, opts);
  if (lines.length) throw new ObjectValidationError(lines, docs[0]!.file);
}

/** Throw an ObjectValidationError naming every issue of an admission request document. */
export function checkRequestDocument(d: LoadedDoc): void {
  const lines = located(d, requestIssues(d.doc));
  if (lines.length) throw new ObjectValidationError(lines, d.file);
}
