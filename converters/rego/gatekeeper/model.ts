// Typed model of Gatekeeper ConstraintTemplates and Constraints, read from LoadedDoc the way gator reads them
// (pkg/gator/reader/read_resources.go → frameworks templates conversion → client.AddTemplate / AddConstraint):
// every error is an InputError with file:line. Each Rego module remembers the YAML line of its first line, so an
// error the Rego parser reports at a line inside the module maps back to the YAML file (`regoFileLine`).
//
// What Gatekeeper checks and this file mirrors:
//  * template: group templates.gatekeeper.sh, kind ConstraintTemplate, version v1 | v1beta1 | v1alpha1; CRD kind set;
//    metadata.name equal to the kind ignoring case (frameworks client.go validateTemplateMetadata uses EqualFold;
//    constraints are then looked up under lowercase(kind), so only a lowercase name is usable); exactly one target,
//    named admission.k8s.gatekeeper.sh; the legacy `rego`/`libs` fields are injected into (and override) the
//    `code[]` entry of engine Rego — losing its `version` (templates/v1/conversion.go); Rego `version: v1` selects
//    Rego v1, anything else v0 (drivers/rego/compilers.go); K8sNativeValidation variable / matchCondition names and
//    failurePolicy as pkg/drivers/k8scel/schema/schema.go validates them.
//  * constraint: group constraints.gatekeeper.sh, version v1alpha1 | v1beta1 (crds/validate.go supportedVersions),
//    metadata.name a DNS-1123 subdomain of at most 63 characters, kind equal to a template's CRD kind, label
//    selectors valid (target.go ValidateConstraint), match globs of the CRD pattern, `scoped` needs
//    scopedEnforcementActions, parameters against the template's schema (types, enums, required: the structural
//    part of the apiserver's CRD validation; unknown-field pruning is not checked — TODO) and defaulted
//    (client.ApplyDefaultParams); absent parameters reach Rego as {} (drivers/rego/driver.go AddConstraint).
import { InputError, type FieldPathSeg, type LoadedDoc } from "../../../src/input/yaml.js";
import type { JSONValue, LabelSelector } from "../../../src/vap/types.js";
import { labelSelectorErrors } from "./match.js";

export const TEMPLATE_GROUP = "templates.gatekeeper.sh";
export const CONSTRAINT_GROUP = "constraints.gatekeeper.sh";
/** The only target Gatekeeper registers (pkg/target/target.go). */
export const TARGET_NAME = "admission.k8s.gatekeeper.sh";
const TEMPLATE_VERSIONS = ["v1", "v1beta1", "v1alpha1"];
const CONSTRAINT_VERSIONS = ["v1alpha1", "v1beta1"];

type JObj = { [k: string]: JSONValue };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);

/** One Rego module of a template: its text and where its first line sits in the YAML file. */
export interface RegoModuleSource {
  text: string;
  file: string;
  /** 1-based file line of the module's first line. */
  line: number;
  role: "template" | "lib";
  /** Index among the libs (0 for the template module). */
  index: number;
}

/** The file line of `regoLine` (1-based, as a Rego parser reports it) of a module. */
export function regoFileLine(src: Pick<RegoModuleSource, "line">, regoLine: number): number {
  return src.line + Math.max(1, regoLine) - 1;
}

export interface RegoCode {
  engine: "Rego";
  template: RegoModuleSource;
  libs: RegoModuleSource[];
  /** The Rego version the driver uses: `v1` only when the source says exactly "v1". */
  version: "v0" | "v1";
  /** The version string as written (after the legacy-field override, which drops it). */
  declaredVersion?: string;
  /** True when the module came from the legacy `targets[].rego`/`libs` fields. */
  fromLegacyFields: boolean;
  line: number;
}

export interface CelNamed {
  name: string;
  expression: string;
  line: number;
}

export interface CelValidation {
  expression: string;
  message?: string;
  messageExpression?: string;
  line: number;
}

export interface CelCode {
  engine: "K8sNativeValidation";
  validations: CelValidation[];
  variables: CelNamed[];
  /** JSON key `matchCondition` (singular), as pkg/drivers/k8scel/schema/schema.go spells it. */
  matchConditions: CelNamed[];
  failurePolicy?: "Fail" | "Ignore";
  generateVAP?: boolean;
  /** Source keys Gatekeeper ignores (its JSON decoding is not strict), e.g. a plural `matchConditions`. */
  ignoredFields: string[];
  line: number;
}

/** A `code[]` entry of an engine Gatekeeper does not know: kept, never run. */
export interface OtherCode {
  engine: string;
  source: JSONValue | undefined;
  line: number;
}

export interface TemplateTarget {
  target: string;
  /** `targets[].operations` (v3.22+); honoured only at the webhook enforcement point. */
  operations?: string[];
  rego?: RegoCode;
  cel?: CelCode;
  otherCode: OtherCode[];
  line: number;
}

export interface ConstraintTemplate {
  apiVersion: string;
  name: string;
  /** The CRD kind (`spec.crd.spec.names.kind`): the kind of its Constraints. */
  kind: string;
  /** `spec.crd.spec.validation.openAPIV3Schema`: the schema of `spec.parameters`. */
  parametersSchema?: JObj;
  legacySchema?: boolean;
  targets: TemplateTarget[];
  file: string;
  line: number;
  doc: LoadedDoc;
}

export interface MatchKinds {
  apiGroups?: string[];
  kinds?: string[];
}

/** A Constraint's `spec.match` (pkg/mutation/match/match_types.go). */
export interface ConstraintMatch {
  source?: string;
  kinds?: MatchKinds[];
  scope?: string;
  namespaces?: string[];
  excludedNamespaces?: string[];
  labelSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  name?: string;
}

export interface ScopedEnforcementAction {
  action: string;
  enforcementPoints: string[];
}

export interface Constraint {
  apiVersion: string;
  kind: string;
  name: string;
  /** `spec.enforcementAction`, default `deny`; gator reports violations whatever it says. */
  enforcementAction: string;
  scopedEnforcementActions?: ScopedEnforcementAction[];
  /** `spec.parameters` as written (undefined when absent); see `constraintParameters` for what Rego sees. */
  parameters?: JSONValue;
  /** Undefined when `spec.match` is absent or null: the constraint then matches every object. */
  match?: ConstraintMatch;
  file: string;
  line: number;
  doc: LoadedDoc;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading helpers

class At {
  constructor(readonly d: LoadedDoc) {}
  line(path: readonly FieldPathSeg[]): number {
    return this.d.fieldLineOf?.(path) ?? this.d.lineOf?.(path.map((s) => (typeof s === "object" ? s.key : s))) ?? this.d.line;
  }
  /** Line of the value node itself (for a block scalar: its `|` header line). */
  valueLine(path: readonly (string | number)[]): number {
    return this.d.lineOf?.(path) ?? this.line(path);
  }
  err(message: string, path: readonly FieldPathSeg[] = []): InputError {
    return new InputError(message, this.d.file, this.line(path));
  }
}

const show = (path: readonly FieldPathSeg[]): string =>
  path.map((s, i) => (typeof s === "number" ? `[${s}]` : `${i ? "." : ""}${typeof s === "object" ? s.key : s}`)).join("");

function get(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (typeof seg === "number") cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isObj(cur) ? cur[seg] : undefined;
  }
  return cur;
}

function optString(at: At, root: unknown, path: (string | number)[]): string | undefined {
  const v = get(root, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw at.err(`${show(path)}: must be a string`, path);
  return v;
}

function optBool(at: At, root: unknown, path: (string | number)[]): boolean | undefined {
  const v = get(root, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw at.err(`${show(path)}: must be a boolean`, path);
  return v;
}

function optList(at: At, root: unknown, path: (string | number)[]): unknown[] | undefined {
  const v = get(root, path);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw at.err(`${show(path)}: must be a list`, path);
  return v;
}

function optStringList(at: At, root: unknown, path: (string | number)[]): string[] | undefined {
  const list = optList(at, root, path);
  if (!list) return undefined;
  return list.map((x, i) => {
    if (typeof x !== "string") throw at.err(`${show([...path, i])}: must be a string`, [...path, i]);
    return x;
  });
}

/** Group and version of an apiVersion as apimachinery's ParseGroupVersion splits it (more than one `/` → none). */
export function splitGroupVersion(apiVersion: unknown): { group: string; version: string } | undefined {
  if (typeof apiVersion !== "string") return { group: "", version: "" };
  const parts = apiVersion.split("/");
  if (parts.length === 1) return { group: "", version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return undefined;
}

/** File line of a module's first line: the line after a block scalar's `|`/`>` header, else the value's line. */
function moduleStartLine(at: At, path: (string | number)[], text: string, source: string | undefined): number {
  const nodeLine = at.valueLine(path);
  if (source !== undefined) {
    const header = source.split("\n")[nodeLine - 1] ?? "";
    return /(^|[\s:-])[|>][-+0-9]*\s*(#.*)?$/.test(header) ? nodeLine + 1 : nodeLine;
  }
  return text.includes("\n") ? nodeLine + 1 : nodeLine;
}

// ---------------------------------------------------------------------------------------------------------------
// ConstraintTemplate

/** Is this document a ConstraintTemplate (gator: group templates.gatekeeper.sh and kind ConstraintTemplate)? */
export function isConstraintTemplate(doc: unknown): boolean {
  return isObj(doc) && doc.kind === "ConstraintTemplate" && splitGroupVersion(doc.apiVersion)?.group === TEMPLATE_GROUP;
}

/**
 * Parse a ConstraintTemplate. `source` (the file's text) makes Rego line mapping exact for block scalars; without
 * it a module containing a newline is assumed to be a block scalar.
 */
export function parseTemplate(d: LoadedDoc, source?: string): ConstraintTemplate {
  const at = new At(d);
  const o = d.doc;
  if (!isObj(o) || !isConstraintTemplate(o)) throw at.err("not a ConstraintTemplate (apiVersion templates.gatekeeper.sh/*, kind ConstraintTemplate)");
  const apiVersion = o.apiVersion as string;
  const version = splitGroupVersion(apiVersion)!.version;
  if (!TEMPLATE_VERSIONS.includes(version)) throw at.err(`apiVersion: unsupported ConstraintTemplate version "${version}" (want one of ${TEMPLATE_VERSIONS.join(", ")})`, ["apiVersion"]);
  const name = optString(at, o, ["metadata", "name"]) ?? "";
  const kind = optString(at, o, ["spec", "crd", "spec", "names", "kind"]) ?? "";
  if (!kind) throw at.err(`ConstraintTemplate "${name}" does not specify CRD Kind (spec.crd.spec.names.kind)`, ["spec", "crd", "spec", "names", "kind"]);
  if (name.toLowerCase() !== kind.toLowerCase()) {
    throw at.err(`the ConstraintTemplate's name "${name}" is not equal to the lowercase of CRD's Kind: "${kind.toLowerCase()}"`, ["metadata", "name"]);
  }
  const schema = get(o, ["spec", "crd", "spec", "validation", "openAPIV3Schema"]);
  if (schema !== undefined && schema !== null && !isObj(schema)) throw at.err("spec.crd.spec.validation.openAPIV3Schema: must be an object", ["spec", "crd", "spec", "validation", "openAPIV3Schema"]);
  const legacySchema = optBool(at, o, ["spec", "crd", "spec", "validation", "legacySchema"]);

  const targetList = optList(at, o, ["spec", "targets"]);
  if (!targetList) throw at.err('field "targets" not specified in ConstraintTemplate spec', ["spec"]);
  if (targetList.length === 0) throw at.err("no targets specified: ConstraintTemplate must specify one target", ["spec", "targets"]);
  if (targetList.length > 1) throw at.err("multi-target templates are not currently supported", ["spec", "targets"]);
  const targets = targetList.map((_, i) => parseTarget(at, o, ["spec", "targets", i], source));

  const t: ConstraintTemplate = { apiVersion, name, kind, targets, file: d.file, line: d.line, doc: d };
  if (isObj(schema)) t.parametersSchema = schema;
  if (legacySchema !== undefined) t.legacySchema = legacySchema;
  return t;
}

function parseTarget(at: At, root: JObj, path: (string | number)[], source: string | undefined): TemplateTarget {
  const t = get(root, path);
  if (!isObj(t)) throw at.err(`${show(path)}: must be an object`, path);
  const target = optString(at, root, [...path, "target"]) ?? "";
  if (!target) throw at.err("target name must not be empty", [...path, "target"]);
  if (target !== TARGET_NAME) throw at.err(`target "${target}" is not recognized (Gatekeeper knows only ${TARGET_NAME})`, [...path, "target"]);
  const out: TemplateTarget = { target, otherCode: [], line: at.line(path) };
  const operations = optStringList(at, root, [...path, "operations"]);
  if (operations) out.operations = operations;

  const codes = optList(at, root, [...path, "code"]) ?? [];
  codes.forEach((c, i) => {
    const cp = [...path, "code", i];
    if (!isObj(c)) throw at.err(`${show(cp)}: must be an object`, cp);
    const engine = optString(at, root, [...cp, "engine"]) ?? "";
    if (engine === "Rego") {
      // The driver uses the first Rego entry (compilers.go parseConstraintTemplateTarget).
      if (!out.rego) out.rego = parseRegoSource(at, root, cp, source);
    } else if (engine === "K8sNativeValidation") {
      if (!out.cel) out.cel = parseCelSource(at, root, cp);
    } else {
      out.otherCode.push({ engine, source: c.source, line: at.line(cp) });
    }
  });

  // Legacy fields: injected into the first Rego entry, replacing its source (and dropping its version).
  const legacy = optString(at, root, [...path, "rego"]);
  if (legacy) {
    const libs = optStringList(at, root, [...path, "libs"]) ?? [];
    const file = at.d.file;
    out.rego = {
      engine: "Rego",
      template: { text: legacy, file, line: moduleStartLine(at, [...path, "rego"], legacy, source), role: "template", index: 0 },
      libs: libs.map((text, i) => ({ text, file, line: moduleStartLine(at, [...path, "libs", i], text, source), role: "lib" as const, index: i })),
      version: "v0",
      fromLegacyFields: true,
      line: at.line([...path, "rego"]),
    };
  }
  return out;
}

function parseRegoSource(at: At, root: JObj, cp: (string | number)[], source: string | undefined): RegoCode {
  const sp = [...cp, "source"];
  const src = get(root, sp);
  if (src === undefined || src === null) throw at.err("rego source missing required field: source", cp);
  if (!isObj(src)) throw at.err(`${show(sp)}: could not recognize the type`, sp);
  const rego = optString(at, root, [...sp, "rego"]);
  if (rego === undefined) throw at.err("rego source missing required field: rego", sp);
  const declared = optString(at, root, [...sp, "version"]);
  const libs = optStringList(at, root, [...sp, "libs"]) ?? [];
  const file = at.d.file;
  const out: RegoCode = {
    engine: "Rego",
    template: { text: rego, file, line: moduleStartLine(at, [...sp, "rego"], rego, source), role: "template", index: 0 },
    libs: libs.map((text, i) => ({ text, file, line: moduleStartLine(at, [...sp, "libs", i], text, source), role: "lib" as const, index: i })),
    version: declared === "v1" ? "v1" : "v0",
    fromLegacyFields: false,
    line: at.line(cp),
  };
  if (declared !== undefined) out.declaredVersion = declared;
  return out;
}

const RESERVED_PREFIX = "gatekeeper_internal_";

function parseCelSource(at: At, root: JObj, cp: (string | number)[]): CelCode {
  const sp = [...cp, "source"];
  const src = get(root, sp);
  if (src !== undefined && src !== null && !isObj(src)) throw at.err(`${show(sp)}: must be an object`, sp);
  const named = (key: string): CelNamed[] =>
    (optList(at, root, [...sp, key]) ?? []).map((_, i) => {
      const p = [...sp, key, i];
      return { name: optString(at, root, [...p, "name"]) ?? "", expression: optString(at, root, [...p, "expression"]) ?? "", line: at.line(p) };
    });
  const validations = (optList(at, root, [...sp, "validations"]) ?? []).map((_, i) => {
    const p = [...sp, "validations", i];
    const v: CelValidation = { expression: optString(at, root, [...p, "expression"]) ?? "", line: at.line(p) };
    const message = optString(at, root, [...p, "message"]);
    const messageExpression = optString(at, root, [...p, "messageExpression"]);
    if (message !== undefined) v.message = message;
    if (messageExpression !== undefined) v.messageExpression = messageExpression;
    return v;
  });
  const matchConditions = named("matchCondition");
  matchConditions.forEach((m) => {
    if (m.name.startsWith(RESERVED_PREFIX)) throw new InputError(`${m.name} is not a valid match condition; cannot have "${RESERVED_PREFIX}" as a prefix`, at.d.file, m.line);
  });
  const variables = named("variables");
  variables.forEach((v) => {
    if (v.name.startsWith(RESERVED_PREFIX)) throw new InputError(`${v.name} is not a valid variable; cannot have "${RESERVED_PREFIX}" as a prefix`, at.d.file, v.line);
    if (v.name === "params" || v.name === "anyObject") throw new InputError(`${v.name} an invalid variable name, "${v.name}" is a reserved keyword`, at.d.file, v.line);
  });
  const known = ["validations", "failurePolicy", "matchCondition", "variables", "generateVAP"];
  const ignoredFields = isObj(src) ? Object.keys(src).filter((k) => !known.includes(k)) : [];
  const out: CelCode = { engine: "K8sNativeValidation", validations, variables, matchConditions, ignoredFields, line: at.line(cp) };
  const fp = optString(at, root, [...sp, "failurePolicy"]);
  if (fp !== undefined) {
    if (fp !== "Fail" && fp !== "Ignore") throw at.err(`unrecognized failure policy: ${fp}`, [...sp, "failurePolicy"]);
    out.failurePolicy = fp;
  }
  const gen = optBool(at, root, [...sp, "generateVAP"]);
  if (gen !== undefined) out.generateVAP = gen;
  return out;
}

/**
 * The engine Gatekeeper runs a template with: K8sNativeValidation when it has one and the CEL driver is enabled
 * (`--enable-k8s-native-validation`, default true; gator registers the CEL driver before Rego, so it wins),
 * else Rego; undefined when it has neither ("no driver").
 */
export function templateEngine(t: ConstraintTemplate, opts: { k8sNativeValidation?: boolean } = {}): "Rego" | "K8sNativeValidation" | undefined {
  const target = t.targets[0];
  if (!target) return undefined;
  if (target.cel && opts.k8sNativeValidation !== false) return "K8sNativeValidation";
  return target.rego ? "Rego" : undefined;
}

/** The template's Rego modules: the template module first, then its libs. */
export function regoModules(t: ConstraintTemplate): { modules: RegoModuleSource[]; version: "v0" | "v1" } | undefined {
  const rego = t.targets[0]?.rego;
  return rego ? { modules: [rego.template, ...rego.libs], version: rego.version } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Constraint

/** Is this document a Constraint (gator reader.IsConstraint: group constraints.gatekeeper.sh)? */
export function isConstraint(doc: unknown): boolean {
  return isObj(doc) && splitGroupVersion(doc.apiVersion)?.group === CONSTRAINT_GROUP;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The CRD pattern of namespace and name globs (pkg/wildcard/wildcard.go). */
const WILDCARD = /^\*?[-:a-z0-9]*\*?$/;

export function parseConstraint(d: LoadedDoc): Constraint {
  const at = new At(d);
  const o = d.doc;
  if (!isObj(o) || !isConstraint(o)) throw at.err(`not a Constraint (apiVersion ${CONSTRAINT_GROUP}/*)`);
  const apiVersion = o.apiVersion as string;
  const version = splitGroupVersion(apiVersion)!.version;
  const name = optString(at, o, ["metadata", "name"]) ?? "";
  if (!name) throw at.err("invalid Constraint: missing metadata.name", ["metadata"]);
  const kind = typeof o.kind === "string" ? o.kind : "";
  if (!kind) throw at.err("invalid Constraint: missing kind", ["kind"]);
  if (!CONSTRAINT_VERSIONS.includes(version)) {
    throw at.err(`invalid Constraint: unsupported version "${version}" for Constraint "${name}"; supported versions: ${CONSTRAINT_VERSIONS.join(", ")}`, ["apiVersion"]);
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) throw at.err(`invalid Constraint: invalid name: "${name}" is not a DNS-1123 subdomain`, ["metadata", "name"]);
  if (name.length > 63) throw at.err(`schema validation failed: metadata.name: may not be longer than 63 characters`, ["metadata", "name"]);

  const spec = get(o, ["spec"]);
  if (spec !== undefined && spec !== null && !isObj(spec)) throw at.err("spec: must be an object", ["spec"]);
  const enforcementAction = optString(at, o, ["spec", "enforcementAction"]) ?? "deny";
  const c: Constraint = { apiVersion, kind, name, enforcementAction, file: d.file, line: d.line, doc: d };

  const scoped = optList(at, o, ["spec", "scopedEnforcementActions"]);
  if (scoped) {
    c.scopedEnforcementActions = scoped.map((s, i) => {
      const p = ["spec", "scopedEnforcementActions", i];
      if (!isObj(s)) throw at.err(`${show(p)}: must be an object`, p);
      const eps = optList(at, o, [...p, "enforcementPoints"]) ?? [];
      return {
        action: optString(at, o, [...p, "action"]) ?? "",
        enforcementPoints: eps.map((_, j) => optString(at, o, [...p, "enforcementPoints", j, "name"]) ?? ""),
      };
    });
  }
  if (enforcementAction === "scoped" && !c.scopedEnforcementActions) throw at.err("missing required field: spec.scopedEnforcementActions must be defined", ["spec", "enforcementAction"]);

  const params = get(o, ["spec", "parameters"]);
  if (params !== undefined) c.parameters = params as JSONValue;
  const match = get(o, ["spec", "match"]);
  if (match !== undefined && match !== null) c.match = parseMatch(at, o, ["spec", "match"]);
  return c;
}

function parseSelector(at: At, root: JObj, path: (string | number)[]): LabelSelector | undefined {
  const v = get(root, path);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw at.err(`${show(path)}: must be an object`, path);
  const sel: LabelSelector = {};
  const ml = get(root, [...path, "matchLabels"]);
  if (ml !== undefined && ml !== null) {
    if (!isObj(ml)) throw at.err(`${show([...path, "matchLabels"])}: must be an object`, [...path, "matchLabels"]);
    sel.matchLabels = {};
    for (const [k, val] of Object.entries(ml)) {
      if (typeof val !== "string") throw at.err(`${show([...path, "matchLabels", { key: k }])}: must be a string`, [...path, "matchLabels", { key: k }]);
      sel.matchLabels[k] = val;
    }
  }
  const me = optList(at, root, [...path, "matchExpressions"]);
  if (me) {
    sel.matchExpressions = me.map((_, i) => {
      const p = [...path, "matchExpressions", i];
      const values = optStringList(at, root, [...p, "values"]);
      const req = { key: optString(at, root, [...p, "key"]) ?? "", operator: (optString(at, root, [...p, "operator"]) ?? "") as never };
      return values ? { ...req, values } : req;
    });
  }
  const errs = labelSelectorErrors(sel);
  if (errs.length) throw at.err(`${show(path)}: ${errs.join("; ")}`, path);
  return sel;
}

function parseMatch(at: At, root: JObj, path: (string | number)[]): ConstraintMatch {
  if (!isObj(get(root, path))) throw at.err(`${show(path)}: must be an object`, path);
  const m: ConstraintMatch = {};
  const source = optString(at, root, [...path, "source"]);
  if (source !== undefined && source !== "") {
    if (!["All", "Generated", "Original"].includes(source)) throw at.err(`schema validation failed: ${show([...path, "source"])}: Unsupported value: "${source}": supported values: "All", "Generated", "Original"`, [...path, "source"]);
    m.source = source;
  }
  const kinds = optList(at, root, [...path, "kinds"]);
  if (kinds) {
    m.kinds = kinds.map((k, i) => {
      const p = [...path, "kinds", i];
      if (!isObj(k)) throw at.err(`${show(p)}: must be an object`, p);
      const out: MatchKinds = {};
      const apiGroups = optStringList(at, root, [...p, "apiGroups"]);
      const ks = optStringList(at, root, [...p, "kinds"]);
      if (apiGroups) out.apiGroups = apiGroups;
      if (ks) out.kinds = ks;
      return out;
    });
  }
  const scope = optString(at, root, [...path, "scope"]);
  if (scope !== undefined) m.scope = scope;
  for (const key of ["namespaces", "excludedNamespaces"] as const) {
    const list = optStringList(at, root, [...path, key]);
    if (!list) continue;
    list.forEach((g, i) => {
      if (!WILDCARD.test(g)) throw at.err(`schema validation failed: ${show([...path, key, i])}: should match '^\\*?[-:a-z0-9]*\\*?$'`, [...path, key, i]);
    });
    m[key] = list;
  }
  const name = optString(at, root, [...path, "name"]);
  if (name !== undefined && name !== "") {
    if (!WILDCARD.test(name)) throw at.err(`schema validation failed: ${show([...path, "name"])}: should match '^\\*?[-:a-z0-9]*\\*?$'`, [...path, "name"]);
    m.name = name;
  }
  const ls = parseSelector(at, root, [...path, "labelSelector"]);
  if (ls) m.labelSelector = ls;
  const ns = parseSelector(at, root, [...path, "namespaceSelector"]);
  if (ns) m.namespaceSelector = ns;
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Constraint ↔ template

/** The template a constraint instantiates: the one named lowercase(kind) (frameworks client getTemplateClientForKind). */
export function templateForConstraint<T extends Pick<ConstraintTemplate, "name">>(c: Pick<Constraint, "kind">, templates: readonly T[]): T | undefined {
  return templates.find((t) => t.name === c.kind.toLowerCase());
}

/**
 * What Gatekeeper checks when a constraint is added for a template: the template exists under lowercase(kind), the
 * kinds agree, and the parameters fit the schema (structurally). Throws InputError at the constraint's line.
 */
export function checkConstraintForTemplate(c: Constraint, t: ConstraintTemplate): void {
  const at = new At(c.doc);
  if (t.name !== c.kind.toLowerCase()) throw at.err(`template "${c.kind.toLowerCase()}" not found`, ["kind"]);
  if (c.kind !== t.kind) throw at.err(`invalid Constraint: wrong kind "${c.kind}" for constraint "${c.name}"; want "${t.kind}"`, ["kind"]);
  if (t.parametersSchema && c.parameters !== undefined) {
    const errs = schemaErrors(c.parameters, t.parametersSchema, ["spec", "parameters"]);
    const first = errs[0];
    if (first) throw at.err(`schema validation failed: ${show(first.path)}: ${first.message}`, first.path);
  }
}

/** `input.parameters` as Rego sees it: spec.parameters with the schema's defaults applied, {} when absent or null. */
export function constraintParameters(c: Pick<Constraint, "parameters">, t?: Pick<ConstraintTemplate, "parametersSchema">): JSONValue {
  if (c.parameters === undefined || c.parameters === null) return {};
  const cloned = structuredClone(c.parameters);
  return t?.parametersSchema ? applyDefaults(cloned, t.parametersSchema) : cloned;
}

/** The kube-apiserver structural defaulting: missing (or null, non-nullable) properties of present objects get `default`. */
export function applyDefaults(value: JSONValue, schema: JObj): JSONValue {
  if (isObj(value)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    for (const [k, ps] of Object.entries(props)) {
      if (!isObj(ps)) continue;
      const cur = value[k];
      if ((cur === undefined || (cur === null && ps.nullable !== true)) && ps.default !== undefined) value[k] = structuredClone(ps.default);
      if (value[k] !== undefined) value[k] = applyDefaults(value[k]!, ps);
    }
    if (isObj(schema.additionalProperties)) {
      for (const k of Object.keys(value)) if (!(k in props)) value[k] = applyDefaults(value[k]!, schema.additionalProperties);
    }
  } else if (Array.isArray(value) && isObj(schema.items)) {
    const items = schema.items;
    return value.map((x) => applyDefaults(x, items));
  }
  return value;
}

export interface SchemaError {
  path: FieldPathSeg[];
  message: string;
}

const typeOf = (v: JSONValue): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v);

/**
 * The structural part of OpenAPI v3 validation a CRD applies: `type` (integer = whole number), `nullable`, `enum`,
 * `required`, `properties`, `additionalProperties`, `items`, int-or-string and preserve-unknown-fields.
 * TODO: anyOf/oneOf/allOf/not, formats, numeric and length bounds, patterns, and the unknown-field check
 * (structural pruning, crds/validate.go) are not checked.
 */
export function schemaErrors(value: JSONValue, schema: JObj, path: FieldPathSeg[] = []): SchemaError[] {
  const out: SchemaError[] = [];
  if (value === null) {
    if (schema.nullable !== true && schema.type !== undefined) out.push({ path, message: `in body must be of type ${String(schema.type)}: "null"` });
    return out;
  }
  const t = typeOf(value);
  if (schema["x-kubernetes-int-or-string"] === true) {
    if (!(t === "string" || (t === "number" && Number.isInteger(value)))) out.push({ path, message: `in body must be of type integer or string: "${t}"` });
    return out;
  }
  const want = schema.type;
  if (typeof want === "string") {
    const ok = want === "integer" ? t === "number" && Number.isInteger(value) : want === t;
    if (!ok) {
      out.push({ path, message: `in body must be of type ${want}: "${t}"` });
      return out;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({ path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (isObj(value)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const r of schema.required) if (typeof r === "string" && !(r in value)) out.push({ path: [...path, r], message: "Required value" });
    }
    for (const [k, v] of Object.entries(value)) {
      const ps = props[k];
      if (isObj(ps)) out.push(...schemaErrors(v, ps, [...path, { key: k }]));
      else if (isObj(schema.additionalProperties)) out.push(...schemaErrors(v, schema.additionalProperties, [...path, { key: k }]));
    }
  } else if (Array.isArray(value) && isObj(schema.items)) {
    const items = schema.items;
    value.forEach((x, i) => out.push(...schemaErrors(x, items, [...path, i])));
  }
  return out;
}
