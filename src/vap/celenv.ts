// The admission CEL environments (pkg/admission/plugin/cel/compile.go + composition.go): variable declarations
// (object, oldObject, params, request typed kubernetes.AdmissionRequest, namespaceObject typed kubernetes.Namespace,
// variables typed kubernetes.variables, authorizer), their runtime values, and compile helpers that report errors
// with the apiserver's texts ("compilation failed: ERROR: <input>:1:2: …", "must evaluate to bool but got int").
import { CelCompileError, type CelIssue } from "../cel/ast.js";
import { buildEnv, compile, type Env, type Program } from "../cel/env.js";
import { k8sCostEstimator } from "../cel/k8s/cost.js";
import { k8sLibraries } from "../cel/k8s/index.js";
import type { Library } from "../cel/registry.js";
import { stdLibraries } from "../cel/stdlib/index.js";
import { T, typeToString, type CelType, type ObjectSchemas } from "../cel/types.js";
import { fromJSON, type Value } from "../cel/values.js";
import type { AdmissionRequest, GroupVersionKind, GroupVersionResource, KObject } from "./types.js";

/** Kubernetes CEL environment version used to evaluate stored expressions. */
export const STORED_VERSION = "1.36";
/** Version new/updated expressions must compile with on a 1.36 server (DefaultCompatibilityVersion = N-1). */
export const NEW_EXPRESSION_VERSION = "1.35";

export const REQUEST_TYPE = "kubernetes.AdmissionRequest";
export const NAMESPACE_TYPE = "kubernetes.Namespace";
export const VARIABLES_TYPE = "kubernetes.variables";
export const AUTHORIZER_TYPE = "kubernetes.authorization.Authorizer";
export const RESOURCE_CHECK_TYPE = "kubernetes.authorization.ResourceCheck";

const fields = (o: Record<string, CelType>): ReadonlyMap<string, CelType> => new Map(Object.entries(o));

/** BuildRequestType / BuildNamespaceType of compile.go as object schemas. */
export const admissionSchemas: ObjectSchemas = new Map<string, ReadonlyMap<string, CelType>>([
  ["kubernetes.GroupVersionKind", fields({ group: T.string, version: T.string, kind: T.string })],
  ["kubernetes.GroupVersionResource", fields({ group: T.string, version: T.string, resource: T.string })],
  [
    "kubernetes.UserInfo",
    fields({ username: T.string, uid: T.string, groups: T.list(T.string), extra: T.map(T.string, T.list(T.string)) }),
  ],
  [
    REQUEST_TYPE,
    fields({
      kind: T.object("kubernetes.GroupVersionKind"),
      resource: T.object("kubernetes.GroupVersionResource"),
      subResource: T.string,
      requestKind: T.object("kubernetes.GroupVersionKind"),
      requestResource: T.object("kubernetes.GroupVersionResource"),
      requestSubResource: T.string,
      name: T.string,
      namespace: T.string,
      operation: T.string,
      userInfo: T.object("kubernetes.UserInfo"),
      dryRun: T.bool,
      options: T.dyn,
    }),
  ],
  ["kubernetes.NamespaceSpec", fields({ finalizers: T.list(T.string) })],
  [
    "kubernetes.NamespaceCondition",
    fields({ status: T.string, type: T.string, lastTransitionTime: T.timestamp, message: T.string, reason: T.string }),
  ],
  [
    "kubernetes.NamespaceStatus",
    fields({ conditions: T.list(T.object("kubernetes.NamespaceCondition")), phase: T.string }),
  ],
  [
    "kubernetes.NamespaceMetadata",
    fields({
      name: T.string,
      generateName: T.string,
      namespace: T.string,
      labels: T.map(T.string, T.string),
      annotations: T.map(T.string, T.string),
      UID: T.string,
      creationTimestamp: T.timestamp,
      deletionGracePeriodSeconds: T.int,
      deletionTimestamp: T.timestamp,
      generation: T.int,
      resourceVersion: T.string,
      finalizers: T.list(T.string),
    }),
  ],
  [
    NAMESPACE_TYPE,
    fields({
      metadata: T.object("kubernetes.NamespaceMetadata"),
      spec: T.object("kubernetes.NamespaceSpec"),
      status: T.object("kubernetes.NamespaceStatus"),
    }),
  ],
]);

export interface AdmissionEnvOptions {
  /** Kubernetes env version; default STORED_VERSION ("1.36"). */
  version?: string;
  /** Declare `params` (the policy has a paramKind). */
  hasParams: boolean;
  /** Declare `authorizer` and `authorizer.requestResource` (validations, matchConditions, variables, auditAnnotations; not messageExpression). */
  hasAuthorizer: boolean;
  /** The `variables` object's fields with their (checked) types, in declaration order. */
  variables?: ReadonlyArray<readonly [string, CelType]>;
  /** Extra object schemas (e.g. typed params or object). */
  objectSchemas?: ObjectSchemas;
  /** Override the libraries (tests); default stdLibraries + k8sLibraries. */
  libraries?: readonly Library[];
}

const envCache = new Map<string, Env>();

/** The admission environment for one combination of options; cached (compiled programs are cached per Env). */
export function admissionEnv(o: AdmissionEnvOptions): Env {
  const version = o.version ?? STORED_VERSION;
  const vars = o.variables ?? [];
  const canCache = !o.objectSchemas && !o.libraries;
  const key = canCache
    ? JSON.stringify([version, o.hasParams, o.hasAuthorizer, vars.map(([n, t]) => [n, typeToString(t)])])
    : "";
  if (canCache) {
    const hit = envCache.get(key);
    if (hit) return hit;
  }
  const schemas = new Map<string, ReadonlyMap<string, CelType>>(admissionSchemas);
  for (const [k, v] of o.objectSchemas ?? []) schemas.set(k, v);
  schemas.set(VARIABLES_TYPE, new Map(vars.map(([n, t]) => [n, t] as [string, CelType])));
  const declared: Record<string, CelType> = {
    object: T.dyn,
    oldObject: T.dyn,
    request: T.object(REQUEST_TYPE),
    namespaceObject: T.object(NAMESPACE_TYPE),
    variables: T.object(VARIABLES_TYPE),
  };
  if (o.hasParams) declared["params"] = T.dyn;
  if (o.hasAuthorizer) {
    declared["authorizer"] = T.opaque(AUTHORIZER_TYPE);
    declared["authorizer.requestResource"] = T.opaque(RESOURCE_CHECK_TYPE);
  }
  const env = buildEnv({
    version,
    libraries: o.libraries ?? [...stdLibraries, ...k8sLibraries],
    vars: declared,
    objectSchemas: schemas,
    costEstimator: k8sCostEstimator,
  });
  if (canCache) envCache.set(key, env);
  return env;
}

/** cel-go's Error.ToDisplayString for one issue: the message plus the source line and a caret. */
export function displayIssue(source: string, i: CelIssue): string {
  let out = `ERROR: <input>:${i.line}:${i.column}: ${i.message}`;
  const lines = source.split("\n");
  const line = lines[i.line - 1];
  if (line !== undefined) {
    const snippet = line.replace(/\t/g, " ");
    const cps = [...snippet];
    let ind = "";
    const col0 = i.column - 1;
    for (let k = 0; k < col0 && k < cps.length; k++) ind += (cps[k]!.codePointAt(0) ?? 0) > 0x7f ? "\uff0e" : ".";
    const at = cps[col0];
    ind += at !== undefined && (at.codePointAt(0) ?? 0) > 0x7f ? "\uff3e" : "^";
    out += `\n | ${snippet}\n | ${ind}`;
  }
  return out;
}

/** issues.String() of cel-go: every issue displayed, newline-separated. */
export function formatIssues(e: CelCompileError): string {
  const sorted = [...e.issues].sort((a, b) => a.line - b.line || a.column - b.column);
  return sorted.map((i) => displayIssue(e.source, i)).join("\n");
}

export type Compiled =
  | { ok: true; program: Program; type: CelType }
  /** `error` is the apiserver's CompilationResult.Error detail; `issues` when it came from the parser/checker. */
  | { ok: false; error: string; issues: CelIssue[] };

/**
 * CompileCELExpression of compile.go: compile `source` in `env` and check the result type against `returnTypes`
 * (dyn is accepted, as is any type when returnTypes is empty).
 */
/**
 * Compiled expressions per environment (environments are shared by their options, see admissionEnv): a policy and
 * the MutatingAdmissionPolicy beside it often declare the same variables, and the output check compiles both. The
 * memo hangs on the environment object itself: a WeakMap keyed by the environment, whose compiled programs hold that
 * environment, made ephemeron chains that V8's major GC walks again and again (a long process slowed 20-fold).
 */
const MEMO = Symbol("compiled expressions");
type MemoEnv = Env & { [MEMO]?: Map<string, Compiled>; };
const MAX_COMPILED_PER_ENV = 2048;
let generation = 0;
const GENERATION = Symbol("memo generation");

/** Drop every remembered compilation (the bench measures compile time from cold). */
export function forgetCompiledExpressions(): void {
  generation++;
}

export function compileAdmission(env: Env, source: string, returnTypes: readonly CelType[] = []): Compiled {
  const key = returnTypes.length ? `${returnTypes.map(typeToString).join("|")}\u0000${source}` : source;
  const holder = env as MemoEnv & { [GENERATION]?: number };
  let memo = holder[MEMO];
  if (memo && holder[GENERATION] !== generation) memo.clear();
  const hit = memo?.get(key);
  if (hit) return hit;
  const out = compileUncached(env, source, returnTypes);
  if (!memo) holder[MEMO] = memo = new Map();
  holder[GENERATION] = generation;
  if (memo.size >= MAX_COMPILED_PER_ENV) memo.clear();
  memo.set(key, out);
  return out;
}

function compileUncached(env: Env, source: string, returnTypes: readonly CelType[]): Compiled {
  let program: Program;
  try {
    program = compile(env, source);
  } catch (e) {
    if (e instanceof CelCompileError) return { ok: false, error: `compilation failed: ${formatIssues(e)}`, issues: e.issues };
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, error: `compilation failed: ${msg}`, issues: [{ message: msg, offset: 0, line: 1, column: 1 }] };
  }
  const t = program.type;
  if (returnTypes.length && t.k !== "dyn" && !returnTypes.some((r) => typeToString(r) === typeToString(t))) {
    const reason =
      returnTypes.length === 1
        ? `must evaluate to ${typeToString(returnTypes[0]!)} but got ${typeToString(t)}`
        : `must evaluate to one of [${returnTypes.map(typeToString).join(" ")}] but got ${typeToString(t)}`;
    return { ok: false, error: reason, issues: [{ message: reason, offset: 0, line: 1, column: 1 }] };
  }
  return { ok: true, program, type: t };
}

/** The variable type recorded for a compiled variable (convertCelTypeToDeclType: primitives, lists and maps keep their type, everything else is dyn). */
export function variableDeclType(t: CelType | undefined): CelType {
  if (!t) return T.dyn;
  switch (t.k) {
    case "prim":
      return t;
    case "list":
      return T.list(variableDeclType(t.elem));
    case "map":
      return T.map(variableDeclType(t.key), variableDeclType(t.value));
    default:
      return T.dyn;
  }
}

const gvk = (x: GroupVersionKind): Record<string, string> => ({ group: x.group, version: x.version, kind: x.kind });
const gvr = (x: GroupVersionResource): Record<string, string> => ({ group: x.group, version: x.version, resource: x.resource });

/**
 * The runtime `request` value: CreateAdmissionRequest(attr, matchedGVR, matchedGVK) run through ToUnstructured
 * (uid "", omitempty fields dropped, object/oldObject not exposed, dryRun always set).
 */
export function requestValue(req: AdmissionRequest, matched?: { gvr: GroupVersionResource; gvk: GroupVersionKind }): Value {
  const kind = matched?.gvk ?? req.kind;
  const resource = matched?.gvr ?? req.resource;
  const o: Record<string, unknown> = {
    uid: "",
    kind: gvk(kind),
    resource: gvr(resource),
  };
  if (req.subResource) o["subResource"] = req.subResource;
  o["requestKind"] = gvk(req.requestKind ?? req.kind);
  o["requestResource"] = gvr(req.requestResource ?? req.resource);
  if (req.requestSubResource ?? req.subResource) o["requestSubResource"] = req.requestSubResource ?? req.subResource;
  if (req.name) o["name"] = req.name;
  if (req.namespace) o["namespace"] = req.namespace;
  o["operation"] = req.operation;
  const ui: Record<string, unknown> = {};
  const u = req.userInfo ?? {};
  if (u.username) ui["username"] = u.username;
  if (u.uid) ui["uid"] = u.uid;
  if (u.groups?.length) ui["groups"] = u.groups;
  if (u.extra && Object.keys(u.extra).length) ui["extra"] = u.extra;
  o["userInfo"] = ui;
  o["dryRun"] = req.dryRun ?? false;
  if (req.options) o["options"] = req.options;
  return fromJSON(o);
}

/** The runtime `namespaceObject` value: CreateNamespaceObject (restricted metadata, spec, status) through ToUnstructured. */
export function namespaceValue(ns: KObject | null | undefined): Value {
  if (!ns) return null;
  const md = ns.metadata ?? {};
  const meta: Record<string, unknown> = {};
  for (const k of [
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "finalizers",
  ]) {
    const v = md[k];
    if (v === undefined || v === null || v === "" || v === 0) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    meta[k] = v;
  }
  const spec = (ns["spec"] as Record<string, unknown> | undefined) ?? {};
  const status = (ns["status"] as Record<string, unknown> | undefined) ?? {};
  return fromJSON({ metadata: meta, spec, status });
}
