// From classified files to the work of a repo run: one unit per policy source (a Gatekeeper template with the
// constraint files of its kinds; a Rego module with the library modules of its directory), each suite attached to
// the unit of the first source it tests, standalone suites for the rest; then shard selection (a stable hash of the
// unit id, so adding a file never moves the others) and `--changed-since` selection.
import { posix } from "node:path";
import type { ClassifiedFile } from "./classify.js";
import type { SkippedFile, SuiteTask, Unit } from "./types.js";

export interface Plan {
  units: Unit[];
  suites: SuiteTask[];
  skipped: SkippedFile[];
  errors: { path: string; line: number; message: string }[];
  /** Every file each unit or suite reads (for --changed-since), keyed by unit / suite id. */
  inputs: Map<string, string[]>;
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The units, suites, skipped files and unreadable files of a classified tree. */
export function planUnits(files: readonly ClassifiedFile[]): Plan {
  const sorted = [...files].sort(byPath);
  const units: Unit[] = [];
  const skipped: SkippedFile[] = [];
  const errors: Plan["errors"] = [];
  const inputs = new Map<string, string[]>();
  // a cluster holds one constraint of a kind and name: of files repeating one (gatekeeper-library samples), the
  // first by path is converted and the others are reported
  const constraintsByKind = new Map<string, string[]>();
  const firstWithKey = new Map<string, string>();
  for (const f of sorted) {
    if (f.role.role !== "constraint") continue;
    const keys = f.constraintKeys ?? [];
    const repeated = keys.filter((k) => firstWithKey.has(k));
    if (keys.length && repeated.length === keys.length) {
      skipped.push({ path: f.path, reason: `Constraint ${repeated[0]} repeats one in ${firstWithKey.get(repeated[0]!)} (a cluster holds one): only the first by path is converted` });
      continue;
    }
    for (const k of keys) if (!firstWithKey.has(k)) firstWithKey.set(k, f.path);
    for (const kind of f.role.kind.split(",")) constraintsByKind.set(kind, [...(constraintsByKind.get(kind) ?? []), f.path]);
  }
  const claimedConstraints = new Set<string>();
  const regoLibraries = (dir: string): string[] =>
    sorted.filter((g) => g.role.role === "rego" && g.role.entrypoint === undefined && !g.path.endsWith("_test.rego") && posix.dirname(g.path) === dir).map((g) => g.path);

  for (const f of sorted) {
    const r = f.role;
    switch (r.role) {
      case "policy": {
        const constraints = (f.constraintKinds ?? []).flatMap((k) => constraintsByKind.get(k) ?? []);
        for (const c of constraints) claimedConstraints.add(c);
        units.push({ id: f.path, converter: r.converter, files: [f.path, ...[...new Set(constraints)].sort()], suites: [] });
        break;
      }
      case "rego":
        if (r.entrypoint) units.push({ id: f.path, converter: "rego", files: [f.path, ...regoLibraries(posix.dirname(f.path))], suites: [] });
        else if (r.note && !r.note.startsWith("no deny rule")) skipped.push({ path: f.path, reason: r.note });
        break;
      case "not-rendered":
        skipped.push({ path: f.path, reason: r.reason });
        break;
      case "vap":
        skipped.push({ path: f.path, reason: "already a ValidatingAdmissionPolicy / MutatingAdmissionPolicy: nothing to convert" });
        break;
      case "error":
        errors.push({ path: f.path, line: r.line, message: r.message });
        break;
      case "constraint":
      case "suite":
      case "other":
        break;
      default: {
        const never: never = r;
        throw new Error(`unknown file role ${JSON.stringify(never)}`);
      }
    }
  }
  for (const f of sorted) {
    if (f.role.role === "constraint" && !claimedConstraints.has(f.path) && !skipped.some((k) => k.path === f.path)) skipped.push({ path: f.path, reason: `Constraint of kind ${f.role.kind}: its ConstraintTemplate is not in the tree` });
  }
  const unitBySource = new Map<string, Unit>();
  for (const u of units) unitBySource.set(u.id, u);
  const suites: SuiteTask[] = [];
  for (const f of sorted) {
    if (f.role.role !== "suite") continue;
    const owner = (f.sourceRefs ?? []).map((p) => unitBySource.get(p)).find((u) => u !== undefined);
    if (owner) {
      owner.suites.push(f.path);
      inputs.set(owner.id, [...(inputs.get(owner.id) ?? []), f.path, ...(f.refs ?? [])]);
    } else {
      suites.push({ id: f.path, suite: f.role.suite });
      inputs.set(f.path, [f.path, ...(f.refs ?? [])]);
    }
  }
  for (const u of units) inputs.set(u.id, [...new Set([...u.files, ...(inputs.get(u.id) ?? [])])].sort());
  return { units, suites, skipped: skipped.sort(byPath), errors, inputs };
}

/** FNV-1a, 32 bits: a stable, platform-independent hash of a unit id. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Whether unit / suite `id` belongs to shard `index` (1-based) of `count`. */
export function inShard(id: string, shard: { index: number; count: number } | undefined): boolean {
  return !shard || fnv1a(id) % shard.count === shard.index - 1;
}

/** `i/n` → shard; throws a readable message for anything else. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new Error(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/4), not ${JSON.stringify(text)}`);
  return { index, count };
}
