// Field errors in the shape and wording of k8s.io/apimachinery/pkg/util/validation/field (ErrorBody/Error), as PSP
// admission and PSP object validation printed them: `<path>: Invalid value: <v>: <detail>`, `Required value`, …
// Owns: the FieldError type, constructors, Go-like value rendering and path formatting.

export type FieldErrorType = "Invalid value" | "Required value" | "Forbidden" | "Unsupported value" | "Duplicate value";

export interface FieldError {
  /** Go field path, e.g. `spec.containers[0].securityContext.privileged`. */
  field: string;
  type: FieldErrorType;
  /** Go-rendered bad value (absent for Required/Forbidden). */
  value?: string;
  detail: string;
}

/** Path segments: strings are children (or `[key]` map keys when wrapped by `key()`), numbers are indexes. */
export type PathSeg = string | number | { key: string };

export function formatPath(segs: readonly PathSeg[]): string {
  let out = "";
  for (const s of segs) {
    if (typeof s === "number") out += `[${s}]`;
    else if (typeof s === "object") out += `[${s.key}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/** Render a value the way field.Error does (`%v` for simple types, `%q` for strings, `%#v`-like otherwise). */
export function goValue(v: unknown, goType?: string): string {
  if (v === null || v === undefined) return `"null"`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) {
    const t = goType ?? (v.every((x) => typeof x === "number") ? "[]int64" : "[]string");
    return `${t}{${v.map((x) => (typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")}}`;
  }
  return JSON.stringify(v);
}

export function invalid(path: readonly PathSeg[], value: unknown, detail: string, goType?: string): FieldError {
  return { field: formatPath(path), type: "Invalid value", value: goValue(value, goType), detail };
}
export function required(path: readonly PathSeg[], detail = ""): FieldError {
  return { field: formatPath(path), type: "Required value", detail };
}
export function forbidden(path: readonly PathSeg[], detail: string): FieldError {
  return { field: formatPath(path), type: "Forbidden", detail };
}
export function notSupported(path: readonly PathSeg[], value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return { field: formatPath(path), type: "Unsupported value", value: goValue(value), detail: `supported values: ${list}` };
}
export function duplicate(path: readonly PathSeg[], value: unknown): FieldError {
  return { field: formatPath(path), type: "Duplicate value", value: goValue(value), detail: "" };
}

/** `ErrorBody()`: the message without the field path. */
export function errorBody(e: FieldError): string {
  let s: string = e.type;
  if (e.value !== undefined) s += `: ${e.value}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** `Error()`: `<field>: <body>`. */
export function errorString(e: FieldError): string {
  return e.field ? `${e.field}: ${errorBody(e)}` : errorBody(e);
}

/** Go's `%v` of a []IDRange / []HostPortRange: `[{1 65535} {70000 80000}]`. */
export function goRanges(ranges: readonly { min: number; max: number }[] | undefined): string {
  return `[${(ranges ?? []).map((r) => `{${r.min} ${r.max}}`).join(" ")}]`;
}
