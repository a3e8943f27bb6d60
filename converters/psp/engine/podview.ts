// Untyped Pod (JSON) access for the PSP engine: container visiting in the API server's order (init, regular,
// ephemeral) with their field paths, the pod/container security-context accessors and the "effective" container
// accessor (container value, else pod value, for runAsUser/runAsGroup/runAsNonRoot/seLinuxOptions), plus mutators
// that record whether they changed anything (Go's Semantic.DeepEqual after MutatePod, done per field).

import type { PathSeg } from "./fielderr.js";

export type JsonObject = { [k: string]: unknown };

export function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
export function obj(v: unknown): JsonObject | undefined {
  return isObj(v) ? v : undefined;
}
export function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}
export function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

/** Semantic equality close to apimachinery's Semantic.DeepEqual on the JSON form: null ≈ absent, [] ≈ absent,
 * and inside objects "" ≈ absent (Go zero values of string fields). `{}` is NOT absent (pointer to empty struct). */
export function semEq(a: unknown, b: unknown): boolean {
  const emptyish = (x: unknown) => x === undefined || x === null || (Array.isArray(x) && x.length === 0);
  if (emptyish(a) && emptyish(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semEq(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const zero = (x: unknown) => emptyish(x) || x === "";
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = a[k];
      const y = b[k];
      if (zero(x) && zero(y)) continue;
      if (!semEq(x, y)) return false;
    }
    return true;
  }
  return a === b;
}

export interface ContainerRef {
  container: JsonObject;
  /** `spec.initContainers[0]`, `spec.containers[1]`, `spec.ephemeralContainers[0]`. */
  path: PathSeg[];
  kind: "initContainers" | "containers" | "ephemeralContainers";
}

export function podSpec(pod: JsonObject): JsonObject {
  const s = obj(pod["spec"]);
  if (s) return s;
  const fresh: JsonObject = {};
  pod["spec"] = fresh;
  return fresh;
}

/** pods.VisitContainersWithPath order: initContainers, containers, ephemeralContainers. */
export function containersOf(pod: JsonObject): ContainerRef[] {
  const spec = obj(pod["spec"]) ?? {};
  const out: ContainerRef[] = [];
  for (const kind of ["initContainers", "containers", "ephemeralContainers"] as const) {
    (arr(spec[kind]) ?? []).forEach((c, i) => {
      if (isObj(c)) out.push({ container: c, path: ["spec", kind, i], kind });
    });
  }
  return out;
}

export function annotations(pod: JsonObject): Record<string, string> {
  const meta = obj(pod["metadata"]);
  const a = obj(meta?.["annotations"]);
  const out: Record<string, string> = {};
  if (a) for (const [k, v] of Object.entries(a)) if (typeof v === "string") out[k] = v;
  return out;
}

export function hasAnnotation(pod: JsonObject, key: string): boolean {
  const a = obj(obj(pod["metadata"])?.["annotations"]);
  return !!a && typeof a[key] === "string";
}

/** Records whether any mutator changed the pod. */
export class Mutation {
  changed = false;
  readonly notes: string[] = [];
  mark(what: string): void {
    this.changed = true;
    this.notes.push(what);
  }
}

export function setAnnotation(pod: JsonObject, key: string, value: string, m: Mutation): void {
  const cur = annotations(pod)[key];
  if (cur === value) return;
  let meta = obj(pod["metadata"]);
  if (!meta) pod["metadata"] = meta = {};
  let a = obj(meta["annotations"]);
  if (!a) meta["annotations"] = a = {};
  a[key] = value;
  m.mark(`metadata.annotations[${key}]`);
}

export function podSC(pod: JsonObject): JsonObject | undefined {
  return obj(obj(pod["spec"])?.["securityContext"]);
}

/** PodSecurityContextMutator.SetX: no-op for nil on a nil context; records a change when the value differs. */
export function setPodSC(pod: JsonObject, key: string, value: unknown, m: Mutation): void {
  const sc = podSC(pod);
  if (semEq(sc?.[key], value)) return;
  if (!sc && (value === undefined || value === null)) return;
  const spec = podSpec(pod);
  let target = sc;
  if (!target) spec["securityContext"] = target = {};
  if (value === undefined || value === null) delete target[key];
  else target[key] = value;
  m.mark(`spec.securityContext.${key}`);
}

export function containerSC(c: JsonObject): JsonObject | undefined {
  return obj(c["securityContext"]);
}

const INHERITED = new Set(["runAsUser", "runAsGroup", "runAsNonRoot", "seLinuxOptions", "windowsOptions"]);

/** EffectiveContainerSecurityContextAccessor: container value, else (for inheritable fields) the pod's. */
export function effective(pod: JsonObject, c: JsonObject, key: string): unknown {
  const v = containerSC(c)?.[key];
  if (v !== undefined && v !== null) return v;
  if (INHERITED.has(key)) {
    const p = podSC(pod)?.[key];
    if (p !== undefined && p !== null) return p;
  }
  return undefined;
}

/** EffectiveContainerSecurityContextMutator.SetX: writes to the container only if the effective value differs. */
export function setEffective(pod: JsonObject, ref: ContainerRef, key: string, value: unknown, m: Mutation): void {
  if (semEq(effective(pod, ref.container, key), value)) return;
  let sc = containerSC(ref.container);
  if (!sc) {
    if (value === undefined || value === null) return;
    ref.container["securityContext"] = sc = {};
  }
  if (value === undefined || value === null) delete sc[key];
  else sc[key] = value;
  const name = str(ref.container["name"]) ?? "";
  m.mark(`${ref.kind}[${name}].securityContext.${key}`);
}
