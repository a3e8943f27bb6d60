// Reading Kyverno policy documents (already loaded by src/input/yaml.ts) into the typed model of ./model.ts.
// Strict about the types of the fields the model reads (a wrong type is an InputError at file:line), lenient about
// fields it does not read (the CRD has many; they do not change validation). Rule types other than validate are
// recorded on the rule so the converter reports them as gaps.
import { InputError, type FieldPathSeg, type LoadedDoc } from "../../src/input/yaml.js";
import type {
  CelRule,
  ClusterPolicy,
  Condition,
  Conditions,
  ContextEntry,
  ForEach,
  JsonValue,
  KyvernoPolicy,
  KyvernoRule,
  LabelSelector,
  MatchBlock,
  PodSecurity,
  ResourceDescription,
  ResourceFilter,
  Subject,
  Validate,
  ValidatingPolicy,
} from "./model.js";

export const CLUSTER_POLICY_API_VERSIONS = ["kyverno.io/v1", "kyverno.io/v2beta1"] as const;
export const VALIDATING_POLICY_API_VERSIONS = ["policies.kyverno.io/v1", "policies.kyverno.io/v1beta1", "policies.kyverno.io/v1alpha1"] as const;

type JObj = { [k: string]: JsonValue };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Is this document a Kyverno policy we read (by apiVersion and kind)? */
export function isKyvernoPolicy(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const { apiVersion, kind } = doc;
  if (kind === "ClusterPolicy" || kind === "Policy") return (CLUSTER_POLICY_API_VERSIONS as readonly unknown[]).includes(apiVersion);
  if (kind === "ValidatingPolicy" || kind === "NamespacedValidatingPolicy") return (VALIDATING_POLICY_API_VERSIONS as readonly unknown[]).includes(apiVersion);
  return false;
}

/** Decoding of one document: typed field readers that fail with file:line. */
class Reader {
  constructor(private readonly d: LoadedDoc) {}

  fail(path: readonly FieldPathSeg[], msg: string): never {
    const line = this.d.fieldLineOf?.(path) ?? this.d.line;
    const where = path.map((s) => (typeof s === "number" ? `[${s}]` : typeof s === "object" ? `[${s.key}]` : `.${s}`)).join("").replace(/^\./, "");
    throw new InputError(`${where ? `${where}: ` : ""}${msg}`, this.d.file, line);
  }
  line(path: readonly FieldPathSeg[]): number {
    return this.d.fieldLineOf?.(path) ?? this.d.line;
  }
  obj(v: JsonValue | undefined, p: FieldPathSeg[]): JObj | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) this.fail(p, `must be an object, not ${typeName(v)}`);
    return v;
  }
  list(v: JsonValue | undefined, p: FieldPathSeg[]): JsonValue[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(p, `must be a list, not ${typeName(v)}`);
    return v;
  }
  str(v: JsonValue | undefined, p: FieldPathSeg[]): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(p, `must be a string, not ${typeName(v)}`);
    return v;
  }
  bool(v: JsonValue | undefined, p: FieldPathSeg[]): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") this.fail(p, `must be a boolean, not ${typeName(v)}`);
    return v;
  }
  strings(v: JsonValue | undefined, p: FieldPathSeg[]): string[] | undefined {
    return this.list(v, p)?.map((x, i) => this.str(x, [...p, i]) ?? this.fail([...p, i], "must be a string"));
  }
  stringMap(v: JsonValue | undefined, p: FieldPathSeg[]): Record<string, string> | undefined {
    const o = this.obj(v, p);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) out[k] = this.str(x, [...p, { key: k }]) ?? "";
    return out;
  }
  oneOf<T extends string>(v: JsonValue | undefined, p: FieldPathSeg[], allowed: readonly T[]): T | undefined {
    const s = this.str(v, p);
    if (s === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(s)) this.fail(p, `must be one of ${allowed.join(", ")}, not ${JSON.stringify(s)}`);
    return s as T;
  }
}

function typeName(v: JsonValue): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function selector(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): LabelSelector | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const out: LabelSelector = {};
  const ml = r.stringMap(o.matchLabels, [...p, "matchLabels"]);
  if (ml) out.matchLabels = ml;
  const me = r.list(o.matchExpressions, [...p, "matchExpressions"]);
  if (me)
    out.matchExpressions = me.map((x, i) => {
      const q = [...p, "matchExpressions", i];
      const e = r.obj(x, q) ?? r.fail(q, "must be an object");
      const values = r.strings(e.values, [...q, "values"]);
      return { key: r.str(e.key, [...q, "key"]) ?? r.fail([...q, "key"], "is required"), operator: r.str(e.operator, [...q, "operator"]) ?? r.fail([...q, "operator"], "is required"), ...(values ? { values } : {}) };
    });
  return out;
}

function description(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): ResourceDescription | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const out: ResourceDescription = {};
  const set = <K extends keyof ResourceDescription>(k: K, x: ResourceDescription[K] | undefined): void => {
    if (x !== undefined) out[k] = x;
  };
  set("kinds", r.strings(o.kinds, [...p, "kinds"]));
  set("name", r.str(o.name, [...p, "name"]));
  set("names", r.strings(o.names, [...p, "names"]));
  set("namespaces", r.strings(o.namespaces, [...p, "namespaces"]));
  set("annotations", r.stringMap(o.annotations, [...p, "annotations"]));
  set("selector", selector(r, o.selector, [...p, "selector"]));
  set("namespaceSelector", selector(r, o.namespaceSelector, [...p, "namespaceSelector"]));
  set("operations", r.strings(o.operations, [...p, "operations"]));
  return out;
}

function subjects(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): Subject[] | undefined {
  return r.list(v, p)?.map((x, i) => {
    const q = [...p, i];
    const o = r.obj(x, q) ?? r.fail(q, "must be an object");
    const ns = r.str(o.namespace, [...q, "namespace"]);
    const group = r.str(o.apiGroup, [...q, "apiGroup"]);
    return { kind: r.str(o.kind, [...q, "kind"]) ?? "", name: r.str(o.name, [...q, "name"]) ?? "", ...(ns !== undefined ? { namespace: ns } : {}), ...(group !== undefined ? { apiGroup: group } : {}) };
  });
}

function filter(r: Reader, o: JObj, p: FieldPathSeg[]): ResourceFilter {
  const out: ResourceFilter = {};
  const res = description(r, o.resources, [...p, "resources"]);
  if (res) out.resources = res;
  const subs = subjects(r, o.subjects, [...p, "subjects"]);
  if (subs) out.subjects = subs;
  const roles = r.strings(o.roles, [...p, "roles"]);
  if (roles) out.roles = roles;
  const cr = r.strings(o.clusterRoles, [...p, "clusterRoles"]);
  if (cr) out.clusterRoles = cr;
  return out;
}

function matchBlock(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): MatchBlock | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const out: MatchBlock = {};
  for (const k of ["any", "all"] as const) {
    const l = r.list(o[k], [...p, k]);
    if (l) out[k] = l.map((x, i) => filter(r, r.obj(x, [...p, k, i]) ?? r.fail([...p, k, i], "must be an object"), [...p, k, i]));
  }
  if (o.resources !== undefined || o.subjects !== undefined || o.roles !== undefined || o.clusterRoles !== undefined) out.legacy = filter(r, o, p);
  return out;
}

function condition(r: Reader, v: JsonValue, p: FieldPathSeg[]): Condition {
  const o = r.obj(v, p) ?? r.fail(p, "must be an object");
  if (!("key" in o)) r.fail([...p, "key"], "is required");
  const operator = r.str(o.operator, [...p, "operator"]) ?? r.fail([...p, "operator"], "is required");
  const message = r.str(o.message, [...p, "message"]);
  return { key: o.key!, operator, ...("value" in o ? { value: o.value! } : {}), ...(message !== undefined ? { message } : {}) };
}

/** `{any, all}` or the legacy list of conditions (all must hold). */
function conditions(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): Conditions | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return { all: v.map((x, i) => condition(r, x, [...p, i])) };
  const o = r.obj(v, p)!;
  const out: Conditions = {};
  for (const k of ["any", "all"] as const) {
    const l = r.list(o[k], [...p, k]);
    if (l) out[k] = l.map((x, i) => condition(r, x, [...p, k, i]));
  }
  return out;
}

const CONTEXT_KINDS = ["variable", "configMap", "apiCall", "globalReference", "imageRegistry"] as const;

function contextEntries(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): ContextEntry[] {
  return (r.list(v, p) ?? []).map((x, i) => {
    const q = [...p, i];
    const o = r.obj(x, q) ?? r.fail(q, "must be an object");
    const name = r.str(o.name, [...q, "name"]) ?? r.fail([...q, "name"], "is required");
    const kind = CONTEXT_KINDS.find((k) => o[k] !== undefined) ?? "unknown";
    return { name, kind, spec: kind === "unknown" ? o : o[kind]! };
  });
}

function podSecurity(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): PodSecurity | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const level = r.oneOf(o.level, [...p, "level"], ["privileged", "baseline", "restricted"] as const) ?? r.fail([...p, "level"], "is required");
  const exclude = (r.list(o.exclude, [...p, "exclude"]) ?? []).map((x, i) => {
    const q = [...p, "exclude", i];
    const e = r.obj(x, q) ?? r.fail(q, "must be an object");
    const images = r.strings(e.images, [...q, "images"]);
    const field = r.str(e.restrictedField, [...q, "restrictedField"]);
    const values = r.strings(e.values, [...q, "values"]);
    return {
      controlName: r.str(e.controlName, [...q, "controlName"]) ?? r.fail([...q, "controlName"], "is required"),
      ...(images ? { images } : {}),
      ...(field !== undefined ? { restrictedField: field } : {}),
      ...(values ? { values } : {}),
    };
  });
  return { level, version: r.str(o.version, [...p, "version"]) ?? "latest", exclude };
}

function cel(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): CelRule | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const named = (k: string, a: string, b: string): { [x: string]: string }[] =>
    (r.list(o[k], [...p, k]) ?? []).map((x, i) => {
      const q = [...p, k, i];
      const e = r.obj(x, q) ?? r.fail(q, "must be an object");
      return { [a]: r.str(e[a], [...q, a]) ?? r.fail([...q, a], "is required"), [b]: r.str(e[b], [...q, b]) ?? r.fail([...q, b], "is required") };
    });
  const expressions = (r.list(o.expressions, [...p, "expressions"]) ?? []).map((x, i) => {
    const q = [...p, "expressions", i];
    const e = r.obj(x, q) ?? r.fail(q, "must be an object");
    const out: CelRule["expressions"][number] = { expression: r.str(e.expression, [...q, "expression"]) ?? r.fail([...q, "expression"], "is required") };
    for (const k of ["message", "messageExpression", "reason"] as const) {
      const s = r.str(e[k], [...q, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  });
  const pk = r.obj(o.paramKind, [...p, "paramKind"]);
  const gen = r.bool(o.generate, [...p, "generate"]);
  return {
    expressions,
    variables: named("variables", "name", "expression") as { name: string; expression: string }[],
    auditAnnotations: named("auditAnnotations", "key", "valueExpression") as { key: string; valueExpression: string }[],
    ...(pk ? { paramKind: { apiVersion: r.str(pk.apiVersion, [...p, "paramKind", "apiVersion"]) ?? "", kind: r.str(pk.kind, [...p, "paramKind", "kind"]) ?? "" } } : {}),
    ...(o.paramRef !== undefined ? { paramRef: o.paramRef } : {}),
    ...(gen !== undefined ? { generate: gen } : {}),
  };
}

function patterns(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): JsonValue[] | undefined {
  return r.list(v, p);
}

function forEach(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): ForEach[] | undefined {
  return r.list(v, p)?.map((x, i) => {
    const q = [...p, i];
    const o = r.obj(x, q) ?? r.fail(q, "must be an object");
    const out: ForEach = { list: r.str(o.list, [...q, "list"]) ?? r.fail([...q, "list"], "is required"), context: contextEntries(r, o.context, [...q, "context"]) };
    const scope = r.bool(o.elementScope, [...q, "elementScope"]);
    if (scope !== undefined) out.elementScope = scope;
    const pre = conditions(r, o.preconditions, [...q, "preconditions"]);
    if (pre) out.preconditions = pre;
    if (o.pattern !== undefined) out.pattern = o.pattern;
    const any = patterns(r, o.anyPattern, [...q, "anyPattern"]);
    if (any) out.anyPattern = any;
    const deny = r.obj(o.deny, [...q, "deny"]);
    if (deny) {
      const c = conditions(r, deny.conditions, [...q, "deny", "conditions"]);
      out.deny = c ? { conditions: c } : {};
    }
    const nested = forEach(r, o.foreach, [...q, "foreach"]);
    if (nested) out.foreach = nested;
    return out;
  });
}

function validate(r: Reader, v: JsonValue | undefined, p: FieldPathSeg[]): Validate | undefined {
  const o = r.obj(v, p);
  if (!o) return undefined;
  const out: Validate = {};
  const msg = r.str(o.message, [...p, "message"]);
  if (msg !== undefined) out.message = msg;
  const fa = r.oneOf(o.failureAction, [...p, "failureAction"], ["Audit", "Enforce", "audit", "enforce"] as const);
  if (fa) out.failureAction = fa.toLowerCase() === "audit" ? "Audit" : "Enforce";
  const aev = r.bool(o.allowExistingViolations, [...p, "allowExistingViolations"]);
  if (aev !== undefined) out.allowExistingViolations = aev;
  if (o.pattern !== undefined) out.pattern = o.pattern;
  const any = patterns(r, o.anyPattern, [...p, "anyPattern"]);
  if (any) out.anyPattern = any;
  const deny = r.obj(o.deny, [...p, "deny"]);
  if (deny) {
    const c = conditions(r, deny.conditions, [...p, "deny", "conditions"]);
    out.deny = c ? { conditions: c } : {};
  }
  const fe = forEach(r, o.foreach, [...p, "foreach"]);
  if (fe) out.foreach = fe;
  const ps = podSecurity(r, o.podSecurity, [...p, "podSecurity"]);
  if (ps) out.podSecurity = ps;
  const c = cel(r, o.cel, [...p, "cel"]);
  if (c) out.cel = c;
  if (o.manifests !== undefined) out.manifests = o.manifests;
  return out;
}

/** Where each part of a rule sits (gaps point there): its top-level keys, `validate.<key>` and `context.<entry>`. */
function ruleFieldLines(r: Reader, o: JObj, p: FieldPathSeg[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o)) out[k] = r.line([...p, k]);
  const val = o.validate;
  if (val && typeof val === "object" && !Array.isArray(val)) for (const k of Object.keys(val)) out[`validate.${k}`] = r.line([...p, "validate", k]);
  const ctx = o.context;
  if (Array.isArray(ctx)) {
    ctx.forEach((e, i) => {
      const name = e && typeof e === "object" && !Array.isArray(e) ? (e as JObj).name : undefined;
      if (typeof name === "string") out[`context.${name}`] = r.line([...p, "context", i]);
    });
  }
  return out;
}

function rule(r: Reader, v: JsonValue, p: FieldPathSeg[]): KyvernoRule {
  const o = r.obj(v, p) ?? r.fail(p, "must be an object");
  const name = r.str(o.name, [...p, "name"]) ?? r.fail([...p, "name"], "is required");
  const match = matchBlock(r, o.match, [...p, "match"]) ?? r.fail([...p, "match"], "is required");
  const out: KyvernoRule = {
    name,
    source: { file: "", line: r.line(p), fieldLines: ruleFieldLines(r, o, p) },
    match,
    context: contextEntries(r, o.context, [...p, "context"]),
    celPreconditions: (r.list(o.celPreconditions, [...p, "celPreconditions"]) ?? []).map((x, i) => {
      const q = [...p, "celPreconditions", i];
      const e = r.obj(x, q) ?? r.fail(q, "must be an object");
      return { name: r.str(e.name, [...q, "name"]) ?? "", expression: r.str(e.expression, [...q, "expression"]) ?? r.fail([...q, "expression"], "is required") };
    }),
    otherTypes: (["mutate", "generate", "verifyImages"] as const).filter((k) => o[k] !== undefined && o[k] !== null),
  };
  const ex = matchBlock(r, o.exclude, [...p, "exclude"]);
  if (ex) out.exclude = ex;
  const pre = conditions(r, o.preconditions, [...p, "preconditions"]);
  if (pre) out.preconditions = pre;
  const val = validate(r, o.validate, [...p, "validate"]);
  if (val) out.validate = val;
  return out;
}

function metadata(r: Reader, doc: JObj): { name: string; namespace?: string; annotations: Record<string, string> } {
  const m = r.obj(doc.metadata, ["metadata"]) ?? r.fail(["metadata"], "is required");
  const name = r.str(m.name, ["metadata", "name"]) ?? r.fail(["metadata", "name"], "is required");
  const ns = r.str(m.namespace, ["metadata", "namespace"]);
  return { name, ...(ns !== undefined ? { namespace: ns } : {}), annotations: r.stringMap(m.annotations, ["metadata", "annotations"]) ?? {} };
}

function clusterPolicy(d: LoadedDoc, doc: JObj): ClusterPolicy {
  const r = new Reader(d);
  const meta = metadata(r, doc);
  const spec = r.obj(doc.spec, ["spec"]) ?? r.fail(["spec"], "is required");
  const action = r.oneOf(spec.validationFailureAction, ["spec", "validationFailureAction"], ["Audit", "Enforce", "audit", "enforce"] as const);
  const rules = (r.list(spec.rules, ["spec", "rules"]) ?? r.fail(["spec", "rules"], "is required")).map((x, i) => {
    const ru = rule(r, x, ["spec", "rules", i]);
    ru.source.file = d.file;
    return ru;
  });
  const names = new Set<string>();
  rules.forEach((ru, i) => {
    if (names.has(ru.name)) r.fail(["spec", "rules", i, "name"], `duplicate rule name ${JSON.stringify(ru.name)}`);
    names.add(ru.name);
  });
  return {
    kind: doc.kind as ClusterPolicy["kind"],
    apiVersion: String(doc.apiVersion),
    ...meta,
    source: { file: d.file, line: d.line },
    validationFailureAction: action?.toLowerCase() === "enforce" ? "Enforce" : "Audit",
    background: r.bool(spec.background, ["spec", "background"]) ?? true,
    failurePolicy: r.oneOf(spec.failurePolicy, ["spec", "failurePolicy"], ["Fail", "Ignore"] as const) ?? "Fail",
    applyRules: r.oneOf(spec.applyRules, ["spec", "applyRules"], ["All", "One"] as const) ?? "All",
    rules,
  };
}

function validatingPolicy(d: LoadedDoc, doc: JObj): ValidatingPolicy {
  const r = new Reader(d);
  const meta = metadata(r, doc);
  const spec = r.obj(doc.spec, ["spec"]) ?? r.fail(["spec"], "is required");
  return { kind: doc.kind as ValidatingPolicy["kind"], apiVersion: String(doc.apiVersion), ...meta, source: { file: d.file, line: d.line }, spec };
}

/** Every Kyverno policy among the documents (others are an error unless `ignoreOtherKinds`). */
export function parseKyvernoDocuments(docs: readonly LoadedDoc[], opts: { ignoreOtherKinds?: boolean } = {}): KyvernoPolicy[] {
  const out: KyvernoPolicy[] = [];
  for (const d of docs) {
    if (!isKyvernoPolicy(d.doc)) {
      if (opts.ignoreOtherKinds) continue;
      const o = isObj(d.doc) ? d.doc : {};
      throw new InputError(`not a Kyverno policy (kind ${String(o.kind)}, apiVersion ${String(o.apiVersion)})`, d.file, d.line);
    }
    const doc = d.doc as JObj;
    out.push(doc.kind === "ClusterPolicy" || doc.kind === "Policy" ? clusterPolicy(d, doc) : validatingPolicy(d, doc));
  }
  return out;
}
