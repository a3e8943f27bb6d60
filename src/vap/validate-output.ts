// Validation of an object we are about to emit, as the API server of the target Kubernetes version would validate it
// on create (pkg/apis/admissionregistration/validation plus the apiserver's request limits): the apiVersion exists
// there, metadata.name is a DNS subdomain, labels and annotations are well-formed, the enum fields of
// ValidatingAdmissionPolicy / MutatingAdmissionPolicy and their bindings hold known values, fields that version does
// not have are absent, every CEL expression is at most 100,000 code points and compiles in the version's
// environment (target−1, the compatibility version new expressions are checked with), and the whole object fits
// etcd's 1.5 MiB request limit. Pure; returns located issues (object, field path, message), none when valid.
import { T, type CelType } from "../cel/types.js";
import { mapLibraries } from "../cel/k8s/index.js";
import { k8sLibraries } from "../cel/k8s/index.js";
import { stdLibraries } from "../cel/stdlib/index.js";
import { admissionEnv, compileAdmission, variableDeclType } from "./celenv.js";
import { compilePolicy, validatePolicy } from "./compilepolicy.js";
import { mutationSchemas } from "./mutating.js";
import type { ValidatingAdmissionPolicy } from "./types.js";

/** cel-go's parser limit (ExpressionSizeCodePointLimit), which the API server keeps: 100,000 code points. */
export const MAX_EXPRESSION_CODE_POINTS = 100_000;
/**
 * etcd's default request size limit (--max-request-bytes, 1.5 MiB = 1,572,864 bytes): an object whose stored form is
 * larger is refused ("etcdserver: request is too large"). We measure the compact JSON in UTF-8 bytes; etcd stores
 * built-in types as protobuf, which is smaller, so the JSON measure errs on the safe side. (The API server's own
 * 3 MiB request-body limit is looser.)
 */
export const MAX_OBJECT_BYTES = 1_572_864;
/** Total size of metadata.annotations (apimachinery TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATION_BYTES = 262_144;
/** Oldest and newest Kubernetes minor versions we emit for (1.26: ValidatingAdmissionPolicy v1alpha1; 1.36: our CEL environment). */
export const OLDEST_MINOR = 26;
export const NEWEST_MINOR = 36;

export type OutputIssueCode = "too-large" | "invalid" | "compile" | "api-version";

/** One reason the API server would refuse an object. */
export interface OutputIssue {
  /** Index of the object in the emitted list. */
  index: number;
  /** `Kind/name`. */
  object: string;
  /** Field path, e.g. `spec.validations[0].expression`; `` for the object as a whole. */
  field: string;
  code: OutputIssueCode;
  message: string;
}

export const AR = "admissionregistration.k8s.io";

/** The admissionregistration API versions of each kind, with the minor version they appeared in. */
const SERVED: Record<string, [version: string, since: number][]> = {
  ValidatingAdmissionPolicy: [["v1", 30], ["v1beta1", 28], ["v1alpha1", 26]],
  ValidatingAdmissionPolicyBinding: [["v1", 30], ["v1beta1", 28], ["v1alpha1", 26]],
  MutatingAdmissionPolicy: [["v1", 36], ["v1beta1", 34], ["v1alpha1", 32]],
  MutatingAdmissionPolicyBinding: [["v1", 36], ["v1beta1", 34], ["v1alpha1", 32]],
};

/** Minor version of `1.N`; throws for anything else. */
export function minorOf(version: string): number {
  const m = /^v?1\.(\d+)$/.exec(version.trim());
  if (!m) throw new Error(`bad Kubernetes version ${JSON.stringify(version)} (want 1.N)`);
  return Number(m[1]);
}

/** The newest `admissionregistration.k8s.io/<v>` serving `kind` at `minor`, undefined when none does. */
export function apiVersionFor(kind: string, minor: number): string | undefined {
  const v = SERVED[kind]?.find(([, since]) => minor >= since);
  return v ? `${AR}/${v[0]}` : undefined;
}

/** True when `apiVersion` of `kind` is served at `minor` (only the versions we know; none is ever removed here). */
function served(kind: string, apiVersion: string, minor: number): boolean {
  const rows = SERVED[kind];
  if (!rows) return true;
  return rows.some(([v, since]) => apiVersion === `${AR}/${v}` && minor >= since);
}

/** Fields of VAP / binding specs that appeared after 1.26 (KEP-3488): [field, first minor]. */
const VAP_FIELDS_SINCE: [string, number][] = [["matchConditions", 27], ["auditAnnotations", 27], ["variables", 28]];
const BINDING_FIELDS_SINCE: [string, number][] = [["validationActions", 27]];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IsDNS1123Subdomain: at most 253 characters, dot-separated DNS labels. */
export function dnsSubdomainError(name: unknown): string | undefined {
  if (typeof name !== "string" || !name) return "name is required";
  if (name.length > 253) return `must be no more than 253 characters (is ${name.length})`;
  if (!name.split(".").every((l) => DNS_LABEL.test(l))) return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

const QNAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** IsQualifiedName: `[prefix/]name`, name ≤ 63 characters, prefix a DNS subdomain. */
function qualifiedNameError(s: string): string | undefined {
  const parts = s.split("/");
  if (parts.length > 2) return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'";
  const name = parts[parts.length - 1]!;
  if (!name) return "name part must be non-empty";
  if (name.length > 63) return `name part must be no more than 63 characters (is ${name.length})`;
  if (!QNAME.test(name)) return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  if (parts.length === 2) {
    const e = dnsSubdomainError(parts[0]);
    if (e) return `prefix part ${e}`;
  }
  return undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CEL_IDENT = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string => (typeof x === "string" ? x : "");

export interface ValidateOutputOptions {
  /** Target Kubernetes version ("1.36"); expressions compile in its predecessor's environment. */
  targetVersion: string;
}

/** Every issue of every object. */
export function validateOutput(objects: readonly unknown[], opts: ValidateOutputOptions): OutputIssue[] {
  return objects.flatMap((o, i) => validateObject(o, i, opts));
}

/** Issues of one emitted object (`index`: its position, carried into each issue). */
export function validateObject(obj: unknown, index: number, opts: ValidateOutputOptions): OutputIssue[] {
  const minor = minorOf(opts.targetVersion);
  const env = `1.${minor - 1}`;
  const kind = isObj(obj) ? str(obj["kind"]) : "";
  const meta = isObj(obj) && isObj(obj["metadata"]) ? obj["metadata"] : {};
  const name = str(meta["name"]);
  const out: OutputIssue[] = [];
  const add = (field: string, code: OutputIssueCode, message: string): void => void out.push({ index, object: `${kind || "(no kind)"}/${name}`, field, code, message });
  if (!isObj(obj)) {
    add("", "invalid", "not an object");
    return out;
  }
  const apiVersion = str(obj["apiVersion"]);
  if (!kind) add("kind", "invalid", "kind is required");
  if (!apiVersion) add("apiVersion", "invalid", "apiVersion is required");
  else if (kind in SERVED && !served(kind, apiVersion, minor)) {
    const want = apiVersionFor(kind, minor);
    add("apiVersion", "api-version", `${apiVersion} ${kind} does not exist in Kubernetes 1.${minor}${want ? ` (it serves ${want})` : ` (no version of ${kind} is served before 1.${SERVED[kind]!.at(-1)![1]})`}`);
  }
  const nameErr = dnsSubdomainError(meta["name"]);
  if (nameErr) add("metadata.name", "invalid", nameErr);
  metadataIssues(meta, add);
  const bytes = Buffer.byteLength(JSON.stringify(obj), "utf8");
  if (bytes > MAX_OBJECT_BYTES) add("", "too-large", `the object is ${bytes} bytes of JSON; etcd stores at most ${MAX_OBJECT_BYTES} bytes (1.5 MiB) per object`);
  const spec = isObj(obj["spec"]) ? obj["spec"] : undefined;
  if (!(kind in SERVED)) return out;
  if (!spec) {
    add("spec", "invalid", "spec is required");
    return out;
  }
  switch (kind) {
    case "ValidatingAdmissionPolicy":
      policyCommon(spec, minor, add);
      for (const [f, since] of VAP_FIELDS_SINCE) if (spec[f] !== undefined && minor < since) add(`spec.${f}`, "invalid", `field not declared in schema: spec.${f} exists from Kubernetes 1.${since}`);
      if (!arr(spec["validations"]).length && !arr(spec["auditAnnotations"]).length) add("spec.validations", "invalid", "validations or auditAnnotations must contain at least one item");
      arr(spec["validations"]).forEach((v, i) => {
        const at = `spec.validations[${i}]`;
        const vo = isObj(v) ? v : {};
        expressionSize(`${at}.expression`, vo["expression"], add, true);
        if (vo["messageExpression"] !== undefined) {
          if (minor < 27) add(`${at}.messageExpression`, "invalid", "field not declared in schema: messageExpression exists from Kubernetes 1.27");
          expressionSize(`${at}.messageExpression`, vo["messageExpression"], add, true);
        }
        const msg = vo["message"];
        if (typeof msg === "string" && msg.includes("\n")) add(`${at}.message`, "invalid", "message must not contain line breaks");
        if (typeof msg === "string" && msg.length && !msg.trim()) add(`${at}.message`, "invalid", "message must be non-empty if specified");
        if (vo["reason"] !== undefined) oneOf(`${at}.reason`, vo["reason"], ["Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"], add);
      });
      arr(spec["auditAnnotations"]).forEach((a, i) => expressionSize(`spec.auditAnnotations[${i}].valueExpression`, isObj(a) ? a["valueExpression"] : undefined, add, true));
      if (!out.some((x) => x.code === "too-large" && x.field.endsWith("xpression"))) compileIssues(obj as unknown as ValidatingAdmissionPolicy, env, add);
      break;
    case "MutatingAdmissionPolicy":
      policyCommon(spec, minor, add);
      if (spec["reinvocationPolicy"] !== undefined) oneOf("spec.reinvocationPolicy", spec["reinvocationPolicy"], ["Never", "IfNeeded"], add);
      if (!arr(spec["mutations"]).length) add("spec.mutations", "invalid", "mutations must contain at least one item");
      arr(spec["mutations"]).forEach((m, i) => {
        const mo = isObj(m) ? m : {};
        oneOf(`spec.mutations[${i}].patchType`, mo["patchType"], ["ApplyConfiguration", "JSONPatch"], add);
        const holder = mo["patchType"] === "JSONPatch" ? "jsonPatch" : "applyConfiguration";
        expressionSize(`spec.mutations[${i}].${holder}.expression`, isObj(mo[holder]) ? (mo[holder] as Obj)["expression"] : undefined, add, true);
      });
      if (!out.some((x) => x.code === "too-large" && x.field.endsWith("xpression"))) mutatingCompileIssues(spec, name, env, add);
      break;
    case "ValidatingAdmissionPolicyBinding": {
      bindingCommon(spec, add);
      for (const [f, since] of BINDING_FIELDS_SINCE) if (spec[f] !== undefined && minor < since) add(`spec.${f}`, "invalid", `field not declared in schema: spec.${f} exists from Kubernetes 1.${since}`);
      const actions = arr(spec["validationActions"]);
      if (minor >= 27) {
        if (!actions.length) add("spec.validationActions", "invalid", "validationActions is required (Deny, Warn, Audit)");
        actions.forEach((a, i) => oneOf(`spec.validationActions[${i}]`, a, ["Deny", "Warn", "Audit"], add));
        if (new Set(actions).size !== actions.length) add("spec.validationActions", "invalid", "validationActions must not contain duplicates");
        if (actions.includes("Deny") && actions.includes("Warn")) add("spec.validationActions", "invalid", "validationActions must not contain both Deny and Warn");
      }
      const ref = spec["paramRef"];
      if (isObj(ref)) {
        if (ref["parameterNotFoundAction"] !== undefined) oneOf("spec.paramRef.parameterNotFoundAction", ref["parameterNotFoundAction"], ["Deny", "Allow"], add);
        if (minor < 28 && (ref["selector"] !== undefined || ref["parameterNotFoundAction"] !== undefined)) add("spec.paramRef", "invalid", "paramRef.selector and paramRef.parameterNotFoundAction exist from Kubernetes 1.28");
      }
      break;
    }
    case "MutatingAdmissionPolicyBinding":
      bindingCommon(spec, add);
      break;
  }
  return out;
}

type Add = (field: string, code: OutputIssueCode, message: string) => void;

function oneOf(field: string, v: unknown, allowed: readonly string[], add: Add): void {
  if (typeof v !== "string" || !allowed.includes(v)) add(field, "invalid", `Unsupported value: ${JSON.stringify(v)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function metadataIssues(meta: Obj, add: Add): void {
  for (const [k, v] of Object.entries(isObj(meta["labels"]) ? meta["labels"] : {})) {
    const e = qualifiedNameError(k);
    if (e) add(`metadata.labels[${k}]`, "invalid", `label key: ${e}`);
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) add(`metadata.labels[${k}]`, "invalid", "a label value must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
  }
  const ann = isObj(meta["annotations"]) ? meta["annotations"] : {};
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    const e = qualifiedNameError(k);
    if (e) add(`metadata.annotations[${k}]`, "invalid", `annotation key: ${e}`);
    total += k.length + str(v).length;
  }
  if (total > MAX_ANNOTATION_BYTES) add("metadata.annotations", "too-large", `annotations total ${total} bytes; at most ${MAX_ANNOTATION_BYTES}`);
}

/** What VAP and MAP specs share: failurePolicy, matchConstraints, matchConditions, variables. */
function policyCommon(spec: Obj, minor: number, add: Add): void {
  if (spec["failurePolicy"] !== undefined) oneOf("spec.failurePolicy", spec["failurePolicy"], ["Fail", "Ignore"], add);
  const mc = spec["matchConstraints"];
  if (!isObj(mc)) add("spec.matchConstraints", "invalid", "matchConstraints is required");
  else matchResources("spec.matchConstraints", mc, add, true);
  const conds = arr(spec["matchConditions"]);
  if (conds.length > 64) add("spec.matchConditions", "invalid", `must have at most 64 items (has ${conds.length})`);
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const co = isObj(c) ? c : {};
    const n = str(co["name"]);
    const e = n ? qualifiedNameError(n) : "name is required";
    if (e) add(`spec.matchConditions[${i}].name`, "invalid", e);
    if (seen.has(n)) add(`spec.matchConditions[${i}].name`, "invalid", `Duplicate value: ${JSON.stringify(n)}`);
    seen.add(n);
    expressionSize(`spec.matchConditions[${i}].expression`, co["expression"], add, true);
  });
  arr(spec["variables"]).forEach((v, i) => {
    const vo = isObj(v) ? v : {};
    if (!CEL_IDENT.test(str(vo["name"]))) add(`spec.variables[${i}].name`, "invalid", `name is not a valid CEL identifier: ${JSON.stringify(vo["name"])}`);
    expressionSize(`spec.variables[${i}].expression`, vo["expression"], add, true);
  });
  void minor;
}

const OPERATIONS = ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"];

function matchResources(at: string, m: Obj, add: Add, requireRules: boolean): void {
  if (m["matchPolicy"] !== undefined) oneOf(`${at}.matchPolicy`, m["matchPolicy"], ["Exact", "Equivalent"], add);
  const rules = arr(m["resourceRules"]);
  if (requireRules && !rules.length) add(`${at}.resourceRules`, "invalid", "resourceRules is required");
  const check = (list: unknown[], name: string): void =>
    list.forEach((r, i) => {
      const ro = isObj(r) ? r : {};
      const ops = arr(ro["operations"]);
      if (!ops.length) add(`${at}.${name}[${i}].operations`, "invalid", "operations is required");
      ops.forEach((o, j) => oneOf(`${at}.${name}[${i}].operations[${j}]`, o, OPERATIONS, add));
      if (ops.includes("*") && ops.length > 1) add(`${at}.${name}[${i}].operations`, "invalid", "if '*' is present, must not specify other operations");
      for (const f of ["apiGroups", "apiVersions", "resources"]) if (!arr(ro[f]).length) add(`${at}.${name}[${i}].${f}`, "invalid", `${f} is required`);
      if (ro["scope"] !== undefined) oneOf(`${at}.${name}[${i}].scope`, ro["scope"], ["Cluster", "Namespaced", "*"], add);
    });
  check(rules, "resourceRules");
  check(arr(m["excludeResourceRules"]), "excludeResourceRules");
}

function bindingCommon(spec: Obj, add: Add): void {
  const e = dnsSubdomainError(spec["policyName"]);
  if (e) add("spec.policyName", "invalid", e);
  if (isObj(spec["matchResources"])) matchResources("spec.matchResources", spec["matchResources"], add, false);
}

function expressionSize(field: string, v: unknown, add: Add, required: boolean): void {
  if (typeof v !== "string" || !v.trim()) {
    if (required || v !== undefined) add(field, "invalid", "expression is required");
    return;
  }
  const n = codePoints(v);
  if (n > MAX_EXPRESSION_CODE_POINTS) add(field, "too-large", `the expression is ${n} code points; CEL takes at most ${MAX_EXPRESSION_CODE_POINTS}`);
}

function compileIssues(policy: ValidatingAdmissionPolicy, env: string, add: Add): void {
  for (const i of validatePolicy(policy, undefined, env)) add(i.field, "compile", `compilation failed (CEL ${env}): ${i.line > 1 ? `line ${i.line}, ` : ""}column ${i.column}: ${i.message}`);
}

const JSONPATCH_RESULT: CelType[] = [T.list(T.object("JSONPatch"))];
const OBJECT_RESULT: CelType[] = [T.object("Object")];

/** Variables and matchConditions as a VAP's; mutations in the mutation environment of `env`. */
function mutatingCompileIssues(spec: Obj, name: string, env: string, add: Add): void {
  const asVap: ValidatingAdmissionPolicy = {
    apiVersion: `${AR}/v1`,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      ...(spec["paramKind"] ? { paramKind: spec["paramKind"] as { apiVersion: string; kind: string } } : {}),
      ...(spec["variables"] ? { variables: spec["variables"] as { name: string; expression: string }[] } : {}),
      ...(spec["matchConditions"] ? { matchConditions: spec["matchConditions"] as { name: string; expression: string }[] } : {}),
    },
  };
  compileIssues(asVap, env, add);
  const base = compilePolicy(asVap, env);
  const vars: [string, CelType][] = [];
  for (const v of base.variables) {
    const t = variableDeclType(v.compiled.ok ? v.compiled.type : undefined);
    const at = vars.findIndex(([n]) => n === v.name);
    if (at >= 0) vars[at] = [v.name, t];
    else vars.push([v.name, t]);
  }
  const mEnv = admissionEnv({ version: env, hasParams: !!spec["paramKind"], hasAuthorizer: true, variables: vars, objectSchemas: mutationSchemas, libraries: [...stdLibraries, ...k8sLibraries, ...mapLibraries] });
  arr(spec["mutations"]).forEach((m, i) => {
    const mo = isObj(m) ? m : {};
    const json = mo["patchType"] === "JSONPatch";
    const holder = json ? "jsonPatch" : "applyConfiguration";
    const expr = isObj(mo[holder]) ? str((mo[holder] as Obj)["expression"]) : "";
    if (!expr) return;
    const c = compileAdmission(mEnv, expr, json ? JSONPATCH_RESULT : OBJECT_RESULT);
    if (!c.ok) {
      const first = c.issues[0];
      add(`spec.mutations[${i}].${holder}.expression`, "compile", `compilation failed (CEL ${env}): ${first ? `column ${first.column}: ${first.message}` : c.error}`);
    }
  });
}
