// Kyverno's JSON context and `{{ }}` variable substitution (kyverno/kyverno pkg/engine/context/context.go,
// pkg/engine/variables/vars.go, pkg/engine/variables/regex/vars.go, pkg/engine/jsonutils/traverse.go,
// pkg/utils/jsonpointer/pointer.go), on top of the JMESPath evaluator of ./jmespath.ts.
//
// Substitution walks any JSON value: every string leaf and every map key. Variables are found with Kyverno's regex
// (innermost `{{…}}` not preceded by a backslash); a string that is exactly one variable takes the JSON type of its
// value, otherwise the value is spliced in (strings as is, anything else as Go's json.Marshal). The string is then
// scanned again, so variables inside substituted text and nested `{{ … '{{ inner }}' … }}` resolve inner-first;
// `{{- x}}` substitutes once without re-scanning (and escapes `{{` in its value). `\{{` is a literal `{{` (the
// backslash is removed at the end). `{{@}}` is the value at the same position in `request.object` (or `target`).
// A query error is a SubstitutionError; when it comes from a missing map key it is an UnknownKeyError, whose message
// is Kyverno's: `failed to resolve request.object.spec.x at path /…: JMESPath query failed: Unknown key "x" in path`.
import {
  compile,
  goJsonMarshal,
  JmesError,
  JmesNotFoundError,
  parseImageInfo,
  type EvalOptions,
  type JsonObject,
  type JsonValue,
} from "./jmespath.js";

export type { JsonObject, JsonValue } from "./jmespath.js";

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

// ------------------------------------------------------------------------------------------------ errors

/** A variable could not be substituted (Kyverno: the rule errors). */
export class SubstitutionError extends Error {
  constructor(
    message: string,
    /** The JMESPath expression (after brace stripping, DELETE rewriting and `@` expansion). */
    readonly variable: string,
    /** The JSON pointer of the string being substituted (Kyverno's data.Path). */
    readonly path: string,
  ) {
    super(message);
    this.name = "SubstitutionError";
  }
}

/** The variable is a path through a map that lacks a key (go-jmespath NotFoundError). */
export class UnknownKeyError extends SubstitutionError {
  constructor(
    message: string,
    variable: string,
    path: string,
    /** The missing key. */
    readonly key: string,
  ) {
    super(message, variable, path);
    this.name = "UnknownKeyError";
  }
}

/** A JMESPath query on the context failed (Kyverno's context.Query errors). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly query: string,
    /** The underlying evaluator error, if any. */
    readonly jmesError: JmesError | null,
  ) {
    super(message);
    this.name = "QueryError";
  }
  /** The missing key when the query failed with "Unknown key", else null. */
  get unknownKey(): string | null {
    return this.jmesError instanceof JmesNotFoundError ? this.jmesError.key : null;
  }
}

/** Building the context failed (Kyverno fails to create the policy context, e.g. an unparsable image). */
export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContextError";
  }
}

/** True for errors Kyverno recognises as "Unknown key" (strings.Contains(err.Error(), "Unknown key")). */
export function isUnknownKeyError(e: unknown): boolean {
  return e instanceof Error && e.message.includes("Unknown key");
}

// ------------------------------------------------------------------------------------------------ the context

/** Kyverno's JSON context: the document queries run against, plus the admission operation. */
export interface VariableContext {
  /** `request.{object,oldObject,operation,namespace,userInfo,roles,clusterRoles}`, `serviceAccountName`,
   * `serviceAccountNamespace`, `images`, `element`/`elementIndex`, context entries and values-file variables. */
  readonly data: JsonObject;
  /** ctx.operation ("" when unknown; then `request.operation` decides whether this is a DELETE). */
  readonly operation: string;
  /** Clock for time_* functions. */
  readonly now?: () => Date;
  /** Error of the deferred `images` loader: raised by queries that mention `images`. */
  readonly imagesError?: string;
}

/** Kyverno's RequestInfo (the userinfo file of a CLI test, or the webhook's view of the requester). */
export interface RequestInfo {
  roles?: string[];
  clusterRoles?: string[];
  userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

export interface ContextInit {
  /** A whole admission.k8s.io/v1 AdmissionRequest (the webhook path, AddRequest): placed under `request`. */
  request?: JsonObject;
  /** The resource (CLI path, NewPolicyContext): `request.object`, or `request.oldObject` for DELETE. */
  object?: JsonObject | null;
  /** `request.oldObject` (UPDATE). */
  oldObject?: JsonObject | null;
  /** `request.operation` and ctx.operation; default CREATE (or the request's operation). */
  operation?: string;
  /** `request.namespace`; default the resource's metadata.namespace ("" if none). */
  namespace?: string;
  /** Adds `request.roles`, `request.clusterRoles`, `request.userInfo`, `serviceAccountName/Namespace` (omit for a
   * CLI test without a userinfo file: Kyverno then adds none of them). */
  userInfo?: RequestInfo | null;
  /** Add `images` (Kyverno's image extractors over the resource); default true. */
  images?: boolean;
  now?: () => Date;
}

/** Merge src into dest as Kyverno's mergeMaps (maps merge recursively unless overwriteMaps; other values replace). */
function mergeMaps(dest: JsonObject, src: JsonObject, overwriteMaps: boolean): JsonObject {
  const out: JsonObject = { ...dest };
  for (const [k, v] of Object.entries(src)) {
    const d = out[k];
    out[k] = isObject(v) && !overwriteMaps && isObject(d) ? mergeMaps(d, v, false) : v;
  }
  return out;
}

const push = (value: JsonValue, tags: string[]): JsonObject => {
  let v = value;
  for (let i = tags.length - 1; i >= 0; i--) v = { [tags[i]!]: v };
  return v as JsonObject;
};

function addToContext(ctx: VariableContext, value: JsonValue, overwriteMaps: boolean, ...tags: string[]): VariableContext {
  const src = tags.length ? push(value, tags) : value;
  if (!isObject(src)) throw new ContextError("context data must be an object");
  return { ...ctx, data: mergeMaps(ctx.data, src, overwriteMaps) };
}

function clearLeaf(ctx: VariableContext, ...tags: string[]): VariableContext {
  const clear = (m: JsonObject, i: number): JsonObject => {
    const k = tags[i]!;
    if (i === tags.length - 1) {
      const { [k]: _drop, ...rest } = m;
      return rest;
    }
    const next = m[k];
    return isObject(next) ? { ...m, [k]: clear(next, i + 1) } : m;
  };
  return { ...ctx, data: clear(ctx.data, 0) };
}

/** context.AddResource: replace `request.object`. */
export function withResource(ctx: VariableContext, object: JsonObject | null): VariableContext {
  return addToContext(clearLeaf(ctx, "request", "object"), object, false, "request", "object");
}

/** context.AddOldResource: replace `request.oldObject`. */
export function withOldResource(ctx: VariableContext, object: JsonObject | null): VariableContext {
  return addToContext(clearLeaf(ctx, "request", "oldObject"), object, false, "request", "oldObject");
}

/** context.AddOperation: `request.operation` and ctx.operation. */
export function withOperation(ctx: VariableContext, operation: string): VariableContext {
  return { ...addToContext(ctx, operation, false, "request", "operation"), operation };
}

/** context.AddUserInfo + AddServiceAccount. */
export function withUserInfo(ctx: VariableContext, info: RequestInfo): VariableContext {
  const u = info.userInfo ?? {};
  const userInfo: JsonObject = {};
  if (u.username) userInfo["username"] = u.username;
  if (u.uid) userInfo["uid"] = u.uid;
  if (u.groups && u.groups.length) userInfo["groups"] = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) userInfo["extra"] = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  const req: JsonObject = {};
  if (info.roles && info.roles.length) req["roles"] = [...info.roles];
  if (info.clusterRoles && info.clusterRoles.length) req["clusterRoles"] = [...info.clusterRoles];
  req["userInfo"] = userInfo;
  let next = addToContext(ctx, req, false, "request");
  // AddServiceAccount: "system:serviceaccount:<ns>:<name>"
  const username = u.username ?? "";
  const prefix = "system:serviceaccount:";
  const sa = username.length <= prefix.length ? "" : username.slice(prefix.length);
  const groups = sa.split(":");
  const [saNamespace, saName] = groups.length >= 2 ? [groups[0]!, groups[1]!] : ["", ""];
  next = addToContext(next, { serviceAccountName: saName, serviceAccountNamespace: saNamespace }, false);
  return next;
}

/** Kyverno's foreach element (context.AddElement): `element`, `element<n>`, `elementIndex`, `elementIndex<n>`.
 * (Kyverno stores the index as an int64, which its numeric functions reject; here it is a plain number.) */
export function withElement(ctx: VariableContext, element: JsonValue, index: number, nesting = 0): VariableContext {
  return addToContext(ctx, { element, [`element${nesting}`]: element, elementIndex: index, [`elementIndex${nesting}`]: index }, true);
}

/** context.AddContextEntry: a named entry (configMap, apiCall, variable … results). */
export function withContextEntry(ctx: VariableContext, name: string, value: JsonValue): VariableContext {
  return addToContext(ctx, value, false, name);
}

/** context.AddVariable: a dotted key (CSV with '.' separators; `"a.b".c` quotes a dot) from a values file or --set. */
export function withVariable(ctx: VariableContext, key: string, value: JsonValue): VariableContext {
  return addToContext(ctx, value, false, ...splitVariableKey(key));
}

/** encoding/csv with Comma '.': the fields of one record. */
export function splitVariableKey(key: string): string[] {
  const line = key.split(/\r?\n/)[0] ?? "";
  if (key === "") throw new ContextError("EOF");
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new ContextError(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ".") throw new ContextError(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      while (i < line.length && line[i] !== ".") {
        if (line[i] === '"') throw new ContextError(`parse error on line 1, column ${i + 1}: bare " in non-quoted-field`);
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) break;
    i++; // the '.'
  }
  return fields;
}

/** NewPolicyContext (CLI) / newJsonContext (webhook) + AddImageInfos: the context for one resource. */
export function createContext(init: ContextInit = {}): VariableContext {
  let ctx: VariableContext = { data: {}, operation: "", ...(init.now ? { now: init.now } : {}) };
  let resource: JsonObject | null;
  if (init.request) {
    ctx = addToContext(ctx, structuredClone(init.request), false, "request");
    const op = typeof init.request["operation"] === "string" ? init.request["operation"] : "";
    ctx = { ...ctx, operation: init.operation ?? op };
    const obj = init.request["object"];
    const old = init.request["oldObject"];
    resource = isObject(obj) ? obj : isObject(old) ? old : null;
  } else {
    const operation = init.operation ?? "CREATE";
    resource = (operation === "DELETE" ? (init.oldObject ?? init.object) : init.object) ?? null;
    if (operation !== "DELETE") ctx = withResource(ctx, init.object ?? null);
    else ctx = withOldResource(ctx, resource);
    const meta = resource && isObject(resource["metadata"]) ? resource["metadata"] : {};
    const ns = init.namespace ?? (typeof meta["namespace"] === "string" ? meta["namespace"] : "");
    ctx = addToContext(ctx, ns, false, "request", "namespace");
    if (init.oldObject && operation !== "DELETE") ctx = withOldResource(ctx, init.oldObject);
    ctx = withOperation(ctx, operation);
  }
  if (init.userInfo) ctx = withUserInfo(ctx, init.userInfo);
  if (init.images !== false && resource) {
    try {
      const images = imageInfos(resource);
      if (Object.keys(images).length > 0) ctx = addToContext(ctx, images, false, "images");
    } catch (e) {
      ctx = { ...ctx, imagesError: e instanceof Error ? e.message : String(e) };
    }
  }
  return ctx;
}

// ------------------------------------------------------------------------------------------------ images

const POD_CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;
const IMAGE_ROOTS: Record<string, string[]> = {
  Pod: ["spec"],
  DaemonSet: ["spec", "template", "spec"],
  Deployment: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/**
 * Kyverno's `images` context value for a resource (pkg/utils/api/image.go, default extractors): for Pods and the
 * pod controllers, `{initContainers|containers|ephemeralContainers: {<container name>: {registry, name, path, tag,
 * digest, reference, referenceWithTag, jsonPointer}}}` (empty groups omitted). Throws ContextError as Kyverno fails.
 */
export function imageInfos(resource: JsonObject): JsonObject {
  const kind = typeof resource["kind"] === "string" ? resource["kind"] : "";
  const root = IMAGE_ROOTS[kind];
  const out: JsonObject = {};
  if (!root) return out;
  for (const list of POD_CONTAINER_LISTS) {
    let node: JsonValue | undefined = resource;
    const path: string[] = [];
    for (const f of root) {
      if (node === null || node === undefined) break;
      if (!isObject(node)) throw new ContextError("invalid image config");
      node = node[f];
      path.push(f);
    }
    if (node === null || node === undefined) continue;
    if (!isObject(node)) throw new ContextError("invalid image config");
    const items: JsonValue | undefined = node[list];
    if (items === null || items === undefined) continue;
    const group: JsonObject = {};
    const entries: [string, JsonValue][] = Array.isArray(items) ? items.map((v, i) => [String(i), v]) : isObject(items) ? Object.entries(items) : [];
    if (!Array.isArray(items) && !isObject(items)) throw new ContextError("invalid type");
    for (const [idx, c] of entries) {
      if (c === null) continue;
      if (!isObject(c)) throw new ContextError("invalid image config");
      const pointer = `/${[...path, list, idx].join("/")}/image`;
      const name = c["name"];
      if (typeof name !== "string") throw new ContextError("invalid key");
      const image = c["image"];
      if (typeof image !== "string" || image.trim() === "") continue;
      let info: JsonObject;
      try {
        info = { ...parseImageInfo(image) } as JsonObject;
      } catch (e) {
        throw new ContextError(`invalid image '${image}' (${e instanceof Error ? e.message : String(e)})`);
      }
      info["jsonPointer"] = pointer;
      group[name] = info;
    }
    if (Object.keys(group).length > 0) out[list] = group;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ queries

const IMAGES_LOADER_RE = /(?:^|$|\s|[^.0-9A-Za-z])images\b/;

function evalOptions(ctx: VariableContext): EvalOptions {
  return ctx.now ? { now: ctx.now } : {};
}

/** context.Query: evaluate a JMESPath expression on the context. Throws QueryError with Kyverno's messages. */
export function query(ctx: VariableContext, expr: string): JsonValue {
  if (ctx.imagesError !== undefined && IMAGES_LOADER_RE.test(expr)) throw new QueryError(ctx.imagesError, expr.trim(), null);
  const q = expr.trim();
  if (q === "") throw new QueryError("invalid query (nil)", q, null);
  let compiled;
  try {
    compiled = compile(q);
  } catch (e) {
    if (e instanceof JmesError) throw new QueryError(`incorrect query ${q}: ${e.message}`, q, e);
    throw e;
  }
  try {
    return compiled.search(ctx.data, evalOptions(ctx));
  } catch (e) {
    if (e instanceof JmesError) throw new QueryError(`JMESPath query failed: ${e.message}`, q, e);
    throw e;
  }
}

/** engineutils.EvaluateList (foreach `list`): a list result as is, anything else (null too) as a one-element list.
 * Throws QueryError; Kyverno skips the foreach when the message contains "Unknown key" (see isUnknownKeyError). */
export function evaluateList(ctx: VariableContext, expr: string): JsonValue[] {
  const v = query(ctx, expr);
  return Array.isArray(v) ? v : [v];
}

// ------------------------------------------------------------------------------------------------ substitution

const VARIABLE_RE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;
const VARIABLE_INIT_RE = /^\{\{(\{[^{}]*\}|[^{}])*\}\}/;

/** The variables of a string as Kyverno's RegexVariables finds them (each with its leading character, if any). */
function findVariableMatches(s: string): string[] {
  return [...s.matchAll(VARIABLE_RE)].map((m) => m[0]);
}

/** replaceBracesAndTrimSpaces: drop every `{{`/`}}`, trim; a leading `-` marks a shallow substitution. */
function stripBraces(v: string): { variable: string; shallow: boolean } {
  const variable = v.replaceAll("{{", "").replaceAll("}}", "").trim();
  if (variable.startsWith("-")) return { variable: variable.slice(1).trim(), shallow: true };
  return { variable, shallow: false };
}

/**
 * The JMESPath expressions of the `{{ }}` variables in a string, innermost first, as Kyverno would evaluate them
 * (each found variable is replaced by a placeholder before the string is scanned again).
 */
export function findVariables(s: string): string[] {
  const out: string[] = [];
  let value = s;
  let vars = findVariableMatches(value);
  for (let round = 0; vars.length > 0 && round < 100; round++) {
    let shallow = false;
    for (const m of vars) {
      const initial = VARIABLE_INIT_RE.test(m);
      const v = initial ? m : m.slice(1);
      const r = stripBraces(v);
      shallow = r.shallow;
      out.push(r.variable);
      const prefix = initial ? "" : m[0]!;
      const at = value.indexOf(prefix + v);
      if (at >= 0) value = value.slice(0, at) + prefix + "placeholderValue" + value.slice(at + prefix.length + v.length);
    }
    vars = shallow ? [] : findVariableMatches(value);
  }
  return out;
}

/** Does the string contain a `{{ }}` variable (regex.IsVariable)? */
export function hasVariables(s: string): boolean {
  return findVariableMatches(s).length > 0;
}

export interface SubstituteOptions {
  /** JSON pointer of the value inside the rule (Kyverno's data.Path), e.g. "/validate/pattern" for a pattern or ""
   * for a condition key; used in error messages and by `{{@}}`. Default "". */
  path?: string;
}

/**
 * Substitute every `{{ }}` variable in a JSON value (strings, nested maps/lists, map keys), as Kyverno's
 * SubstituteAll (without `$()` references). Throws SubstitutionError / UnknownKeyError.
 */
export function substitute(value: JsonValue, ctx: VariableContext, opts: SubstituteOptions = {}): JsonValue {
  return traverse(value, opts.path ?? "", ctx);
}

function traverse(element: JsonValue, path: string, ctx: VariableContext): JsonValue {
  const v = typeof element === "string" ? substituteString(element, path, ctx) : element;
  if (Array.isArray(v)) return v.map((x, i) => traverse(x, `${path}/${i}`, ctx));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [key, x] of Object.entries(v)) {
      const newKey = substituteString(key, path, ctx);
      if (newKey !== null && typeof newKey !== "string")
        throw new SubstitutionError(`expected string after substituting variables in key "${key}"`, key, path);
      const value = traverse(x, `${path}/${key.replaceAll("/", "\\/")}`, ctx);
      out[newKey ?? key] = value;
    }
    return out;
  }
  return v;
}

function isDeleteRequest(ctx: VariableContext): boolean {
  if (ctx.operation !== "") return ctx.operation === "DELETE";
  const req = ctx.data["request"];
  return isObject(req) && req["operation"] === "DELETE";
}

/** Kyverno's substituteVariablesIfAny for one string (a leaf or a map key). */
export function substituteString(input: string, path: string, ctx: VariableContext): JsonValue {
  let value = input;
  const deleting = isDeleteRequest(ctx);
  let vars = findVariableMatches(value);
  let rounds = 0;
  while (vars.length > 0) {
    if (++rounds > 1000) throw new SubstitutionError(`variable substitution at path ${path} does not terminate`, input, path);
    const original = value;
    let shallow = false;
    for (const match of vars) {
      const initial = VARIABLE_INIT_RE.test(match);
      const v = initial ? match : match.slice(1);
      const stripped = stripBraces(v);
      let variable = stripped.variable;
      shallow = stripped.shallow;
      if (variable === "@") variable = atPath(path, ctx);
      if (deleting) variable = variable.replaceAll("request.object", "request.oldObject");
      let sub: JsonValue;
      try {
        sub = query(ctx, variable);
      } catch (e) {
        if (!(e instanceof QueryError)) throw e;
        const msg = `failed to resolve ${variable} at path ${path}: ${e.message}`;
        const key = e.unknownKey;
        throw key !== null ? new UnknownKeyError(msg, variable, path, key) : new SubstitutionError(msg, variable, path);
      }
      if (original === v) return sub;
      const prefix = initial ? "" : match[0]!;
      if (shallow && sub !== null) {
        if (typeof sub !== "string")
          throw new SubstitutionError(`failed to resolve ${variable} at path ${path}: interface conversion: interface {} is not string`, variable, path);
        sub = sub.replaceAll("{{", "\\{{");
      }
      let text: string;
      if (typeof sub === "string") text = sub;
      else {
        try {
          text = goJsonMarshal(sub);
        } catch {
          throw new SubstitutionError(`failed to resolve ${variable} at path ${path}: failed to marshal ${typeof sub}`, variable, path);
        }
      }
      const needle = prefix + v;
      const at = value.indexOf(needle);
      if (at >= 0) value = value.slice(0, at) + prefix + text + value.slice(at + needle.length);
    }
    vars = shallow ? [] : findVariableMatches(value);
  }
  return value.replaceAll("\\{{", "{{");
}

// ------------------------------------------------------------------------------------------------ {{@}}

/** jsonpointer.ParsePath: split on '/' outside double quotes; `\x` is a literal x; the quotes themselves vanish. */
function parsePointerPath(raw: string): string[] {
  const out: string[] = [];
  let sb = "";
  let escaped = false;
  let quoted = false;
  const flush = (): void => {
    if (sb !== "") out.push(sb);
    sb = "";
  };
  for (const r of raw) {
    if (escaped) {
      sb += r;
      escaped = false;
    } else if (r === "\\") escaped = true;
    else if (r === '"') quoted = !quoted;
    else if (r === "/" && !quoted) flush();
    else sb += r;
  }
  flush();
  return out;
}

const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Pointer.JMESPath: indices as [n], identifiers bare when possible, else quoted. */
function pointerToJmesPath(p: string[]): string {
  let sb = "";
  for (const c of p) {
    if (/^[0-9]+$/.test(c) && BigInt(c) < 2n ** 64n) {
      sb += `[${c}]`;
      continue;
    }
    if (sb.length > 0) sb += ".";
    // bare when the first rune is in [(A-Z_a-z] and every rune in [)0-9A-Z_a-z]
    if (/^[(A-Z_a-z]/.test(c) && /^[)0-9A-Z_a-z]*$/.test(c)) {
      sb += c;
      continue;
    }
    sb += '"';
    for (const ch of c) {
      const cp = ch.codePointAt(0)!;
      if ((cp >= 0x20 && cp <= 0x21) || (cp >= 0x23 && cp <= 0x5b) || cp >= 0x5d) sb += ch;
      else if (ESCAPES[ch]) sb += ESCAPES[ch];
      else sb += `\\u${cp.toString(16).padStart(4, "0")}`;
    }
    sb += '"';
  }
  return sb;
}

/** `{{@}}`: the same position under `target` (mutate) or `request.object`, past "foreach" and the two rule keys. */
function atPath(path: string, ctx: VariableContext): string {
  const prefix = Object.hasOwn(ctx.data, "target") ? "target" : "request.object";
  let p = parsePointerPath(path);
  p = p.slice(p.indexOf("foreach") + 1);
  p = 2 > p.length - 1 ? [] : p.slice(2);
  return pointerToJmesPath([...prefix.split("."), ...p]);
}
