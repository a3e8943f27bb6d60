// Reading PodSecurityPolicy files: multi-document YAML/JSON (policy/v1beta1 or extensions/v1beta1, also `List`s of
// them) → typed, defaulted, validated PodSecurityPolicy objects. Decoding is strict about types (as the API server's
// JSON decoding was) and, by default, about unknown fields (as kubectl's client-side validation was). Every error
// is a PspError carrying file and 1-based line found through the YAML CST (LoadedDoc.fieldLineOf). Entry points:
// `parsePspDocuments` (documents already read by src/input/yaml.ts, as the converter seam hands them over) and
// `parsePspFile` (text of one file).
import { InputError, parseDocuments, type LoadedDoc } from "../../src/input/yaml.js";
import { defaultPspSpec, type UndefaultedPspSpec } from "./defaults.js";
import { errorString, type PathSeg } from "./engine/fielderr.js";
import type { AllowedHostPath, IDRange, PodSecurityPolicy } from "./model.js";
import { validatePodSecurityPolicy, type PspFieldError } from "./validate.js";

export class PspError extends Error {
  constructor(
    readonly detail: string,
    readonly file: string,
    readonly line: number,
    /** All validation errors of the document (the message shows the first). */
    readonly errors: { message: string; line: number }[] = [],
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = "PspError";
  }
}

export interface ParseOptions {
  /** Skip documents of other kinds instead of failing. */
  ignoreOtherKinds?: boolean;
  /** Accept unknown fields in `spec` (the API server silently dropped them). Default false. */
  allowUnknownFields?: boolean;
  /** Run API-server validation (default true). */
  validate?: boolean;
}

/** The API versions PodSecurityPolicy was served under. */
export const API_VERSIONS = ["policy/v1beta1", "extensions/v1beta1"] as const;

export function isPspApiVersion(v: unknown): v is (typeof API_VERSIONS)[number] {
  return API_VERSIONS.includes(v as (typeof API_VERSIONS)[number]);
}

type Json = unknown;
type JObj = Record<string, Json>;

function isJObj(v: Json): v is JObj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Decoder {
  constructor(
    readonly fail: (path: PathSeg[], msg: string) => never,
    readonly strict: boolean,
  ) {}

  pathText(p: PathSeg[]): string {
    let out = "";
    for (const s of p) out += typeof s === "number" ? `[${s}]` : typeof s === "object" ? `[${s.key}]` : out ? `.${s}` : s;
    return out;
  }
  obj(v: Json, p: PathSeg[], known?: readonly string[]): JObj | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isJObj(v)) this.fail(p, `${this.pathText(p)}: expected an object, got ${JSON.stringify(v)}`);
    if (known && this.strict) {
      for (const k of Object.keys(v)) if (!known.includes(k)) this.fail([...p, k], `unknown field "${this.pathText([...p, k])}"`);
    }
    return v;
  }
  bool(v: Json, p: PathSeg[]): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") this.fail(p, `${this.pathText(p)}: expected a boolean, got ${JSON.stringify(v)}`);
    return v;
  }
  str(v: Json, p: PathSeg[]): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(p, `${this.pathText(p)}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }
  int(v: Json, p: PathSeg[], bits: 32 | 64): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) this.fail(p, `${this.pathText(p)}: expected an integer, got ${JSON.stringify(v)}`);
    const lim = bits === 32 ? 2 ** 31 : 2 ** 63;
    if (v < -lim || v >= lim) this.fail(p, `${this.pathText(p)}: ${v} does not fit in int${bits}`);
    return v;
  }
  list<T>(v: Json, p: PathSeg[], item: (x: Json, p: PathSeg[]) => T | undefined): T[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(p, `${this.pathText(p)}: expected a list, got ${JSON.stringify(v)}`);
    const out: T[] = [];
    v.forEach((x, i) => {
      const r = item(x, [...p, i]);
      if (r === undefined) this.fail([...p, i], `${this.pathText([...p, i])}: null is not allowed here`);
      out.push(r);
    });
    return out;
  }
  strings(v: Json, p: PathSeg[]): string[] | undefined {
    return this.list(v, p, (x, q) => this.str(x, q));
  }
  stringMap(v: Json, p: PathSeg[]): Record<string, string> | undefined {
    const o = this.obj(v, p);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) {
      const s = this.str(x, [...p, { key: k }]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  ranges(v: Json, p: PathSeg[], bits: 32 | 64): IDRange[] | undefined {
    return this.list(v, p, (x, q) => {
      const o = this.obj(x, q, ["min", "max"]);
      if (!o) return undefined;
      return { min: this.int(o["min"], [...q, "min"], bits) ?? 0, max: this.int(o["max"], [...q, "max"], bits) ?? 0 };
    });
  }
  strategy(v: Json, p: PathSeg[], withRanges: boolean): { rule: string; ranges?: IDRange[] } | undefined {
    const o = this.obj(v, p, withRanges ? ["rule", "ranges"] : ["rule"]);
    if (!o) return undefined;
    const out: { rule: string; ranges?: IDRange[] } = { rule: this.str(o["rule"], [...p, "rule"]) ?? "" };
    const r = withRanges ? this.ranges(o["ranges"], [...p, "ranges"], 64) : undefined;
    if (r !== undefined) out.ranges = r;
    return out;
  }
}

const SPEC_FIELDS = [
  "privileged", "defaultAddCapabilities", "requiredDropCapabilities", "allowedCapabilities", "volumes", "hostNetwork",
  "hostPorts", "hostPID", "hostIPC", "seLinux", "runAsUser", "runAsGroup", "supplementalGroups", "fsGroup",
  "readOnlyRootFilesystem", "defaultAllowPrivilegeEscalation", "allowPrivilegeEscalation", "allowedHostPaths",
  "allowedFlexVolumes", "allowedCSIDrivers", "allowedUnsafeSysctls", "forbiddenSysctls", "allowedProcMountTypes",
  "runtimeClass",
] as const;

function decodeSpec(d: Decoder, raw: Json): UndefaultedPspSpec {
  const p: PathSeg[] = ["spec"];
  const o = d.obj(raw, p, SPEC_FIELDS) ?? {};
  const spec: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) spec[k] = v;
  };
  for (const k of ["privileged", "hostNetwork", "hostPID", "hostIPC", "readOnlyRootFilesystem", "defaultAllowPrivilegeEscalation", "allowPrivilegeEscalation"]) {
    set(k, d.bool(o[k], [...p, k]));
  }
  for (const k of ["defaultAddCapabilities", "requiredDropCapabilities", "allowedCapabilities", "volumes", "allowedUnsafeSysctls", "forbiddenSysctls", "allowedProcMountTypes"]) {
    set(k, d.strings(o[k], [...p, k]));
  }
  set("hostPorts", d.ranges(o["hostPorts"], [...p, "hostPorts"], 32));
  const se = d.obj(o["seLinux"], [...p, "seLinux"], ["rule", "seLinuxOptions"]);
  const seOpts = d.obj(se?.["seLinuxOptions"], [...p, "seLinux", "seLinuxOptions"], ["user", "role", "type", "level"]);
  const seLinux: Record<string, unknown> = { rule: d.str(se?.["rule"], [...p, "seLinux", "rule"]) ?? "" };
  if (seOpts) {
    const so: Record<string, string> = {};
    for (const k of ["user", "role", "type", "level"]) {
      const v = d.str(seOpts[k], [...p, "seLinux", "seLinuxOptions", k]);
      if (v !== undefined) so[k] = v;
    }
    seLinux["seLinuxOptions"] = so;
  }
  spec["seLinux"] = seLinux;
  spec["runAsUser"] = d.strategy(o["runAsUser"], [...p, "runAsUser"], true) ?? { rule: "" };
  set("runAsGroup", d.strategy(o["runAsGroup"], [...p, "runAsGroup"], true));
  spec["supplementalGroups"] = d.strategy(o["supplementalGroups"], [...p, "supplementalGroups"], true) ?? { rule: "" };
  spec["fsGroup"] = d.strategy(o["fsGroup"], [...p, "fsGroup"], true) ?? { rule: "" };
  set(
    "allowedHostPaths",
    d.list(o["allowedHostPaths"], [...p, "allowedHostPaths"], (x, q): AllowedHostPath | undefined => {
      const h = d.obj(x, q, ["pathPrefix", "readOnly"]);
      if (!h) return undefined;
      const out: AllowedHostPath = { pathPrefix: d.str(h["pathPrefix"], [...q, "pathPrefix"]) ?? "" };
      const ro = d.bool(h["readOnly"], [...q, "readOnly"]);
      if (ro !== undefined) out.readOnly = ro;
      return out;
    }),
  );
  set(
    "allowedFlexVolumes",
    d.list(o["allowedFlexVolumes"], [...p, "allowedFlexVolumes"], (x, q) => {
      const f = d.obj(x, q, ["driver"]);
      return f ? { driver: d.str(f["driver"], [...q, "driver"]) ?? "" } : undefined;
    }),
  );
  set(
    "allowedCSIDrivers",
    d.list(o["allowedCSIDrivers"], [...p, "allowedCSIDrivers"], (x, q) => {
      const f = d.obj(x, q, ["name"]);
      return f ? { name: d.str(f["name"], [...q, "name"]) ?? "" } : undefined;
    }),
  );
  const rc = d.obj(o["runtimeClass"], [...p, "runtimeClass"], ["allowedRuntimeClassNames", "defaultRuntimeClassName"]);
  if (rc) {
    const out: { allowedRuntimeClassNames: string[]; defaultRuntimeClassName?: string } = {
      allowedRuntimeClassNames: d.strings(rc["allowedRuntimeClassNames"], [...p, "runtimeClass", "allowedRuntimeClassNames"]) ?? [],
    };
    const def = d.str(rc["defaultRuntimeClassName"], [...p, "runtimeClass", "defaultRuntimeClassName"]);
    if (def !== undefined) out.defaultRuntimeClassName = def;
    spec["runtimeClass"] = out;
  }
  return spec as unknown as UndefaultedPspSpec;
}

/** The line of every spec field and annotation the document sets, keyed `spec.<field>` / `metadata.annotations.<key>`. */
function fieldLines(raw: JObj, lineAt: (p: readonly PathSeg[]) => number): Record<string, number> {
  const out: Record<string, number> = {};
  const spec = raw["spec"];
  if (isJObj(spec)) for (const k of Object.keys(spec)) out[`spec.${k}`] = lineAt(["spec", k]);
  const meta = raw["metadata"];
  const ann = isJObj(meta) ? meta["annotations"] : undefined;
  if (isJObj(ann)) for (const k of Object.keys(ann)) out[`metadata.annotations.${k}`] = lineAt(["metadata", "annotations", { key: k }]);
  return out;
}

/** Parse one decoded object (already known to be a PSP) into the model; throws PspError. */
function toPolicy(raw: JObj, file: string, lineAt: (p: readonly PathSeg[]) => number, opts: ParseOptions): PodSecurityPolicy {
  const fail = (path: PathSeg[], msg: string): never => {
    throw new PspError(msg, file, lineAt(path));
  };
  const d = new Decoder(fail, !opts.allowUnknownFields);
  d.obj(raw, [], opts.allowUnknownFields ? undefined : ["apiVersion", "kind", "metadata", "spec", "status"]);
  const meta = d.obj(raw["metadata"], ["metadata"]) ?? {};
  const metadata: PodSecurityPolicy["metadata"] = { name: d.str(meta["name"], ["metadata", "name"]) ?? "" };
  const ann = d.stringMap(meta["annotations"], ["metadata", "annotations"]);
  if (ann) metadata.annotations = ann;
  const labels = d.stringMap(meta["labels"], ["metadata", "labels"]);
  if (labels) metadata.labels = labels;
  const { spec } = defaultPspSpec(decodeSpec(d, raw["spec"]));
  const psp: PodSecurityPolicy = {
    apiVersion: raw["apiVersion"] as PodSecurityPolicy["apiVersion"],
    kind: "PodSecurityPolicy",
    metadata,
    spec,
    source: { file, line: lineAt([]), fieldLines: fieldLines(raw, lineAt) },
  };
  if (opts.validate !== false) {
    const errs: PspFieldError[] = validatePodSecurityPolicy(psp);
    if (errs.length > 0) {
      const all = errs.map((e) => ({ message: errorString(e), line: lineAt(e.at) }));
      throw new PspError(all[0]!.message, file, all[0]!.line, all);
    }
  }
  return psp;
}

/** Parse every PodSecurityPolicy of a YAML/JSON file. */
export function parsePspFile(text: string, file: string, opts: ParseOptions = {}): PodSecurityPolicy[] {
  let docs: LoadedDoc[];
  try {
    docs = parseDocuments(text, file);
  } catch (e) {
    if (e instanceof InputError) throw new PspError(e.detail, e.file, e.line ?? 1);
    throw e;
  }
  return parsePspDocuments(docs, opts);
}

/** Parse every PodSecurityPolicy of loaded documents (`List`s / `PodSecurityPolicyList`s are expanded). */
export function parsePspDocuments(docs: readonly LoadedDoc[], opts: ParseOptions = {}): PodSecurityPolicy[] {
  const out: PodSecurityPolicy[] = [];
  for (const d of docs) {
    const js = d.doc;
    const file = d.file;
    const at = (base: readonly PathSeg[]) => (p: readonly PathSeg[]): number => (d.fieldLineOf ? d.fieldLineOf([...base, ...p]) : d.line);
    if (!isJObj(js)) throw new PspError("expected a Kubernetes object (a mapping)", file, d.line);
    const items: { raw: Json; base: PathSeg[] }[] =
      js["kind"] === "List" || (js["kind"] === "PodSecurityPolicyList" && Array.isArray(js["items"]))
        ? ((js["items"] as Json[] | undefined) ?? []).map((raw, i) => ({ raw, base: ["items", i] }))
        : [{ raw: js, base: [] }];
    for (const { raw, base } of items) {
      const lineAt = at(base);
      if (!isJObj(raw)) throw new PspError("expected a Kubernetes object (a mapping)", file, lineAt([]));
      const kind = raw["kind"];
      const apiVersion = raw["apiVersion"];
      if (kind !== "PodSecurityPolicy") {
        if (opts.ignoreOtherKinds) continue;
        throw new PspError(`expected kind PodSecurityPolicy, got ${JSON.stringify(kind ?? null)}`, file, lineAt(["kind"]));
      }
      if (!isPspApiVersion(apiVersion)) {
        throw new PspError(
          `unsupported apiVersion ${JSON.stringify(apiVersion ?? null)} for PodSecurityPolicy (want ${API_VERSIONS.join(" or ")})`,
          file,
          lineAt(["apiVersion"]),
        );
      }
      out.push(toPolicy(raw, file, lineAt, opts));
    }
  }
  return out;
}
