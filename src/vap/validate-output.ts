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
/** CEL's reserved words, which may not name a variable (validation.go celReserved). */
const CEL_RESERVED = new Set(["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);

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
  /**
   * The CEL environment expressions compile in: by default the target's predecessor (new expressions are checked
   * with the compatibility version); a version string for another; false to skip compiling (the caller compiles).
   */
  compileEnv?: string | false;
}

/** Every issue of every object. */
export function validateOutput(objects: readonly unknown[], opts: ValidateOutputOptions): OutputIssue[] {
  return objects.flatMap((o, i) => validateObject(o, i, opts));
}

/** Issues of one emitted object (`index`: its position, carried into each issue). */
export function validateObject(obj: unknown, index: number, opts: ValidateOutputOptions): OutputIssue[] {
  const minor = minorOf(opts.targetVersion);
  const env = opts.compileEnv === undefined ? `1.${minor - 1}` : opts.compileEnv;
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
        if (typeof vo["messageExpression"] === "string" && vo["messageExpression"].length && !vo["messageExpression"].trim()) {
          add(`${at}.messageExpression`, "invalid", "must be non-empty if specified");
        } else if (vo["messageExpression"] !== undefined) {
          if (minor < 27) add(`${at}.messageExpression`, "invalid", "field not declared in schema: messageExpression exists from Kubernetes 1.27");
          expressionSize(`${at}.messageExpression`, vo["messageExpression"], add, true);
        }
        const msg = vo["message"];
        if (typeof msg === "string" && /[\n\r]/.test(msg.trim())) add(`${at}.message`, "invalid", "message must not contain line breaks");
        if (typeof msg === "string" && msg.length && !msg.trim()) add(`${at}.message`, "invalid", "message must be non-empty if specified");
        if (vo["reason"] !== undefined) oneOf(`${at}.reason`, vo["reason"], ["Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"], add);
      });
      auditAnnotationIssues(arr(spec["auditAnnotations"]), name, add);
      if (env !== false && !out.some((x) => x.code === "too-large" && x.field.endsWith("xpression"))) compileIssues(obj as unknown as ValidatingAdmissionPolicy, env, add);
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
      if (env !== false && !out.some((x) => x.code === "too-large" && x.field.endsWith("xpression"))) mutatingCompileIssues(spec, name, env, add);
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
      if (isObj(ref) && minor < 28 && (ref["selector"] !== undefined || ref["parameterNotFoundAction"] !== undefined)) add("spec.paramRef", "invalid", "paramRef.selector and paramRef.parameterNotFoundAction exist from Kubernetes 1.28");
      else if (isObj(ref)) paramRefIssues(ref, add);
      break;
    }
    case "MutatingAdmissionPolicyBinding":
      bindingCommon(spec, add);
      if (isObj(spec["paramRef"])) paramRefIssues(spec["paramRef"], add);
      break;
  }
  return out;
}

type Add = (field: string, code: OutputIssueCode, message: string) => void;

function oneOf(field: string, v: unknown, allowed: readonly string[], add: Add): void {
  if (typeof v !== "string" || !allowed.includes(v)) add(field, "invalid", `Unsupported value: ${JSON.stringify(v)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function metadataIssues(meta: Obj, add: Add): void {
  labelMapIssues("metadata.labels", isObj(meta["labels"]) ? meta["labels"] : {}, add);
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
  if (isObj(spec["paramKind"])) paramKindIssues(spec["paramKind"], add);
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
    if (!str(vo["name"]).trim()) add(`spec.variables[${i}].name`, "invalid", "name is not specified");
    else if (!CEL_IDENT.test(str(vo["name"])) || CEL_RESERVED.has(str(vo["name"]))) add(`spec.variables[${i}].name`, "invalid", `name is not a valid CEL identifier: ${JSON.stringify(vo["name"])}`);
    expressionSize(`spec.variables[${i}].expression`, vo["expression"], add, true);
  });
  void minor;
}

const OPERATIONS = ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"];

function matchResources(at: string, m: Obj, add: Add, requireRules: boolean): void {
  if (m["matchPolicy"] !== undefined) oneOf(`${at}.matchPolicy`, m["matchPolicy"], ["Exact", "Equivalent"], add);
  for (const sel of ["namespaceSelector", "objectSelector"]) if (isObj(m[sel])) labelSelectorIssues(`${at}.${sel}`, m[sel] as Obj, add);
  const rules = arr(m["resourceRules"]);
  if (requireRules && !rules.length) add(`${at}.resourceRules`, "invalid", "resourceRules is required");
  const check = (list: unknown[], name: string): void => list.forEach((r, i) => ruleIssues(`${at}.${name}[${i}]`, isObj(r) ? r : {}, add));
  check(rules, "resourceRules");
  check(arr(m["excludeResourceRules"]), "excludeResourceRules");
}

/** validateNamedRuleWithOperations: operations, groups, versions, resources (with subresources), names, scope. */
function ruleIssues(at: string, rule: Obj, add: Add): void {
  const ops = arr(rule["operations"]);
  if (!ops.length) add(`${at}.operations`, "invalid", "operations is required");
  ops.forEach((o, j) => oneOf(`${at}.operations[${j}]`, o, OPERATIONS, add));
  if (ops.includes("*") && ops.length > 1) add(`${at}.operations`, "invalid", "if '*' is present, must not specify other operations");
  for (const [f, what] of [["apiGroups", "API groups"], ["apiVersions", "API versions"]] as const) {
    const list = arr(rule[f]);
    if (!list.length) add(`${at}.${f}`, "invalid", `${f} is required`);
    if (list.length > 1 && list.includes("*")) add(`${at}.${f}`, "invalid", `if '*' is present, must not specify other ${what}`);
  }
  arr(rule["apiVersions"]).forEach((v, j) => {
    if (v === "") add(`${at}.apiVersions[${j}]`, "invalid", "Required value");
  });
  resourcesIssues(`${at}.resources`, arr(rule["resources"]).map(str), add);
  const seen = new Set<string>();
  arr(rule["resourceNames"]).forEach((n, j) => {
    const e = pathSegmentError(str(n));
    if (e) add(`${at}.resourceNames[${j}]`, "invalid", e);
    if (seen.has(str(n))) add(`${at}.resourceNames[${j}]`, "invalid", `Duplicate value: ${JSON.stringify(n)}`);
    seen.add(str(n));
  });
  if (rule["scope"] !== undefined) oneOf(`${at}.scope`, rule["scope"], ["Cluster", "Namespaced", "*"], add);
}

/** validateResources: plain resources, subresources and their wildcards, refusing the combinations that contradict. */
function resourcesIssues(at: string, resources: string[], add: Add): void {
  if (!resources.length) add(at, "invalid", "resources is required");
  const wildSub = new Set<string>();
  const wildRes = new Set<string>();
  let single = false;
  let plain = false;
  resources.forEach((r, i) => {
    if (!r) return add(`${at}[${i}]`, "invalid", "Required value");
    if (r === "*") single = true;
    const slash = r.indexOf("/");
    if (slash < 0) {
      plain ||= r !== "*";
      return;
    }
    const [res, sub] = [r.slice(0, slash), r.slice(slash + 1)];
    if (wildSub.has(res)) add(`${at}[${i}]`, "invalid", `if '${res}/*' is present, must not specify ${r}`);
    if (wildRes.has(sub)) add(`${at}[${i}]`, "invalid", `if '*/${sub}' is present, must not specify ${r}`);
    if (sub === "*") wildSub.add(res);
    if (res === "*") wildRes.add(sub);
  });
  if (resources.length > 1 && resources.includes("*/*")) add(at, "invalid", "if '*/*' is present, must not specify other resources");
  if (single && plain) add(at, "invalid", "if '*' is present, must not specify other resources without subresources");
}

/** path.ValidatePathSegmentName: what may stand as one segment of a resource path. */
function pathSegmentError(name: string): string | undefined {
  if (name === "." || name === "..") return `may not be '${name}'`;
  for (const bad of ["/", "%"]) if (name.includes(bad)) return `may not contain '${bad}'`;
  return undefined;
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** metav1validation.ValidateLabelSelector, strict (label values validated): matchLabels and matchExpressions. */
function labelSelectorIssues(at: string, sel: Obj, add: Add): void {
  labelMapIssues(`${at}.matchLabels`, isObj(sel["matchLabels"]) ? sel["matchLabels"] : {}, add);
  arr(sel["matchExpressions"]).forEach((e, i) => {
    const eo = isObj(e) ? e : {};
    const where = `${at}.matchExpressions[${i}]`;
    const values = arr(eo["values"]);
    oneOf(`${where}.operator`, eo["operator"], SELECTOR_OPERATORS, add);
    if ((eo["operator"] === "In" || eo["operator"] === "NotIn") && !values.length) add(`${where}.values`, "invalid", "must be specified when `operator` is 'In' or 'NotIn'");
    if ((eo["operator"] === "Exists" || eo["operator"] === "DoesNotExist") && values.length) add(`${where}.values`, "invalid", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    const keyErr = qualifiedNameError(str(eo["key"]));
    if (keyErr) add(`${where}.key`, "invalid", keyErr);
    values.forEach((v, j) => {
      if (!labelValueOk(v)) add(`${where}.values[${j}]`, "invalid", LABEL_VALUE_MESSAGE);
    });
  });
}

const LABEL_VALUE_MESSAGE = "a label value must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
const labelValueOk = (v: unknown): boolean => typeof v === "string" && v.length <= 63 && LABEL_VALUE.test(v);

function labelMapIssues(at: string, labels: Obj, add: Add): void {
  for (const [k, v] of Object.entries(labels)) {
    const e = qualifiedNameError(k);
    if (e) add(`${at}[${k}]`, "invalid", `label key: ${e}`);
    if (!labelValueOk(v)) add(`${at}[${k}]`, "invalid", LABEL_VALUE_MESSAGE);
  }
}

/** validateParamKind: apiVersion `[group/]version` (group a DNS subdomain, version a DNS-1035 label) and a kind. */
function paramKindIssues(kind: Obj, add: Add): void {
  const apiVersion = str(kind["apiVersion"]);
  if (!apiVersion) add("spec.paramKind.apiVersion", "invalid", "Required value");
  else {
    const parts = apiVersion.split("/");
    const [group, version] = parts.length === 1 ? ["", parts[0]!] : [parts[0]!, parts[1] ?? ""];
    if (parts.length > 2) add("spec.paramKind.apiVersion", "invalid", `unexpected GroupVersion string: ${apiVersion}`);
    else if (group && dnsSubdomainError(group)) add("spec.paramKind.apiVersion", "invalid", `group ${dnsSubdomainError(group)}`);
    else if (!version) add("spec.paramKind.apiVersion", "invalid", "version must be specified");
    else if (!DNS1035_LABEL.test(version) || version.length > 63) add("spec.paramKind.apiVersion", "invalid", "version must be a DNS-1035 label");
  }
  const k = str(kind["kind"]);
  if (!k) add("spec.paramKind.kind", "invalid", "Required value");
  else if (!DNS1035_LABEL.test(k.toLowerCase()) || k.length > 63) add("spec.paramKind.kind", "invalid", "may have mixed case, but should otherwise match a DNS-1035 label");
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** validateParamRef: a name (a path segment) or a selector, not both; parameterNotFoundAction Deny or Allow. */
function paramRefIssues(ref: Obj, add: Add): void {
  const name = str(ref["name"]);
  const hasSelector = isObj(ref["selector"]);
  if (name) {
    const e = pathSegmentError(name);
    if (e) add("spec.paramRef.name", "invalid", e);
    if (hasSelector) add("spec.paramRef.name", "invalid", "name and selector are mutually exclusive");
  }
  if (hasSelector) labelSelectorIssues("spec.paramRef.selector", ref["selector"] as Obj, add);
  if (!name && !hasSelector) add("spec.paramRef", "invalid", "one of name or selector must be specified");
  if (ref["parameterNotFoundAction"] === undefined || ref["parameterNotFoundAction"] === "") add("spec.paramRef.parameterNotFoundAction", "invalid", "Required value");
  else oneOf("spec.paramRef.parameterNotFoundAction", ref["parameterNotFoundAction"], ["Deny", "Allow"], add);
}

/** At most 20 audit annotations; each key, with the policy name, a qualified name, unique; value expressions ≤ 5 KiB. */
function auditAnnotationIssues(list: unknown[], policyName: string, add: Add): void {
  if (list.length > 20) add("spec.auditAnnotations", "invalid", `must not have more than 20 auditAnnotations (has ${list.length})`);
  const keys = new Set<string>();
  list.forEach((a, i) => {
    const ao = isObj(a) ? a : {};
    const key = str(ao["key"]);
    const e = qualifiedNameError(`${policyName}/${key}`);
    if (e) add(`spec.auditAnnotations[${i}].key`, "invalid", e);
    if (keys.has(key)) add(`spec.auditAnnotations[${i}].key`, "invalid", `Duplicate value: ${JSON.stringify(key)}`);
    keys.add(key);
    const value = ao["valueExpression"];
    if (typeof value === "string" && Buffer.byteLength(value.trim(), "utf8") > 5120) add(`spec.auditAnnotations[${i}].valueExpression`, "invalid", "must not exceed 5120 bytes in length");
    else expressionSize(`spec.auditAnnotations[${i}].valueExpression`, value, add, true);
  });
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
