// RFC 6902 JSON Patch as the MutatingAdmissionPolicy JSONPatch patcher applies it: gopkg.in/evanphx/json-patch.v4
// semantics and error texts (negative array indices allowed, `replace` of a missing object key sets it, a `test`
// of a missing key passes when the expected value is null, a failed `test` is reported separately because the
// plugin then silently leaves the object unchanged instead of failing the mutation).
import type { JSONValue } from "./types.js";

/** One operation of a patch, as the CEL `JSONPatch{op, path, from, value}` value carries it. */
export interface JsonPatchOp {
  op: string;
  path?: string;
  from?: string;
  /** Absent (undefined) when the operation has no `value` field; JSON null when set to null. */
  value?: JSONValue;
}

export type JsonPatchOutcome =
  | { ok: true; doc: JSONValue }
  /** `testFailed`: a `test` operation did not match (evanphx ErrTestFailed); `error` is the library's text. */
  | { ok: false; testFailed: boolean; error: string };

class PatchError extends Error {
  constructor(
    message: string,
    readonly testFailed = false,
  ) {
    super(message);
  }
}

// Sentinel errors of evanphx/json-patch, wrapped as "<context>: <sentinel>".
const ERR_MISSING = "missing value";
const ERR_INVALID_INDEX = "invalid index referenced";
const ERR_INVALID = "invalid state detected";
const ERR_TEST = "test failed";
const wrap = (msg: string, cause: string): string => `${msg}: ${cause}`;

type Container = { kind: "doc"; v: Record<string, JSONValue> } | { kind: "ary"; v: JSONValue[] };

const isDoc = (v: JSONValue | undefined): v is Record<string, JSONValue> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Decode one reference token (RFC 6901: ~1 → /, ~0 → ~). */
export const decodePatchKey = (k: string): string => k.replace(/~1/g, "/").replace(/~0/g, "~");

/** Escape one key for a JSON Pointer path (jsonpatch.escapeKey of the CEL library). */
export const escapePatchKey = (k: string): string => k.replace(/~/g, "~0").replace(/\//g, "~1");

/** strconv.Atoi: optional sign and decimal digits, else the Go error text. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  const n = Number(key);
  if (!Number.isSafeInteger(n)) throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`);
  return n;
}

function cget(c: Container, key: string): JSONValue | undefined {
  if (c.kind === "doc") return Object.prototype.hasOwnProperty.call(c.v, key) ? c.v[key] : undefined;
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
    idx += c.v.length;
  }
  if (idx >= c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  return c.v[idx];
}

function cset(c: Container, key: string, val: JSONValue): void {
  if (c.kind === "doc") {
    c.v[key] = val;
    return;
  }
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
    idx += c.v.length;
  }
  if (idx >= c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  c.v[idx] = val;
}

function cadd(c: Container, key: string, val: JSONValue): void {
  if (c.kind === "doc") {
    c.v[key] = val;
    return;
  }
  if (key === "-") {
    c.v.push(val);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new PatchError(wrap(`value was not a proper array index: '${key}'`, (e as Error).message));
  }
  const size = c.v.length + 1;
  if (idx >= size) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  if (idx < -size) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  if (idx < 0) idx += size;
  c.v.splice(idx, 0, val);
}

function cremove(c: Container, key: string): void {
  if (c.kind === "doc") {
    if (!Object.prototype.hasOwnProperty.call(c.v, key)) throw new PatchError(wrap(`Unable to remove nonexistent key: ${key}`, ERR_MISSING));
    delete c.v[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  if (idx < -c.v.length) throw new PatchError(wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX));
  if (idx < 0) idx += c.v.length;
  c.v.splice(idx, 1);
}

/** findObject of evanphx: the container holding the last path segment, or null when the path does not resolve. */
function findObject(root: Container, path: string): { c: Container; key: string } | null {
  const split = path.split("/");
  if (split.length < 2) return null;
  let c: Container = root;
  for (const part of split.slice(1, -1)) {
    let next: JSONValue | undefined;
    try {
      next = cget(c, decodePatchKey(part));
    } catch {
      return null;
    }
    if (next === undefined || next === null) return null;
    if (Array.isArray(next)) c = { kind: "ary", v: next };
    else if (isDoc(next)) c = { kind: "doc", v: next };
    else return null;
  }
  return { c, key: decodePatchKey(split[split.length - 1]!) };
}

const clone = <T extends JSONValue>(v: T): T => (v === null || typeof v !== "object" ? v : (JSON.parse(JSON.stringify(v)) as T));

/** lazyNode.equal of evanphx: objects compare the keys of the document side only; arrays element-wise; scalars by value. */
function jsonEqual(docVal: JSONValue, opVal: JSONValue): boolean {
  if (isDoc(docVal)) {
    if (!isDoc(opVal)) return false;
    for (const [k, v] of Object.entries(docVal)) {
      if (!Object.prototype.hasOwnProperty.call(opVal, k)) return false;
      if (!jsonEqual(v, opVal[k]!)) return false;
    }
    return true;
  }
  if (Array.isArray(docVal)) {
    if (!Array.isArray(opVal) || opVal.length !== docVal.length) return false;
    return docVal.every((x, i) => jsonEqual(x, opVal[i]!));
  }
  return !isDoc(opVal) && !Array.isArray(opVal) && docVal === opVal;
}

function pathOf(op: JsonPatchOp, what: string): string {
  if (typeof op.path !== "string") throw new PatchError(wrap(`${what} operation failed to decode path`, ERR_MISSING));
  return op.path;
}

function fromOf(op: JsonPatchOp, what: string): string {
  if (typeof op.from !== "string") throw new PatchError(wrap(`${what} operation failed to decode from`, wrap("operation, missing from field", ERR_MISSING)));
  return op.from;
}

const valueOf = (op: JsonPatchOp): JSONValue => (op.value === undefined ? null : clone(op.value));

function applyOne(root: Container, op: JsonPatchOp): void {
  switch (op.op) {
    case "add": {
      const path = pathOf(op, "add");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`add operation does not apply: doc is missing path: "${path}"`, ERR_MISSING));
      try {
        cadd(t.c, t.key, valueOf(op));
      } catch (e) {
        throw new PatchError(wrap(`error in add for path: '${path}'`, (e as Error).message));
      }
      return;
    }
    case "remove": {
      const path = pathOf(op, "remove");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`remove operation does not apply: doc is missing path: "${path}"`, ERR_MISSING));
      try {
        cremove(t.c, t.key);
      } catch (e) {
        throw new PatchError(wrap(`error in remove for path: '${path}'`, (e as Error).message));
      }
      return;
    }
    case "replace": {
      const path = pathOf(op, "replace");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`replace operation does not apply: doc is missing path: ${path}`, ERR_MISSING));
      try {
        cget(t.c, t.key);
      } catch {
        throw new PatchError(wrap(`replace operation does not apply: doc is missing key: ${path}`, ERR_MISSING));
      }
      try {
        cset(t.c, t.key, valueOf(op));
      } catch (e) {
        throw new PatchError(wrap(`error in remove for path: '${path}'`, (e as Error).message));
      }
      return;
    }
    case "move": {
      const from = fromOf(op, "move");
      const s = findObject(root, from);
      if (!s) throw new PatchError(wrap(`move operation does not apply: doc is missing from path: ${from}`, ERR_MISSING));
      let val: JSONValue | undefined;
      try {
        val = cget(s.c, s.key);
        cremove(s.c, s.key);
      } catch (e) {
        throw new PatchError(wrap(`error in move for path: '${s.key}'`, (e as Error).message));
      }
      const path = pathOf(op, "move");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`move operation does not apply: doc is missing destination path: ${path}`, ERR_MISSING));
      try {
        cadd(t.c, t.key, val ?? null);
      } catch (e) {
        throw new PatchError(wrap(`error in move for path: '${path}'`, (e as Error).message));
      }
      return;
    }
    case "copy": {
      const from = fromOf(op, "copy");
      const s = findObject(root, from);
      if (!s) throw new PatchError(wrap(`copy operation does not apply: doc is missing from path: ${from}`, ERR_MISSING));
      let val: JSONValue | undefined;
      try {
        val = cget(s.c, s.key);
      } catch (e) {
        throw new PatchError(wrap(`error in copy for from: '${from}'`, (e as Error).message));
      }
      const path = pathOf(op, "copy");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`copy operation does not apply: doc is missing destination path: ${path}`, ERR_MISSING));
      // deepCopy(nil) is nil: copying a missing key adds a JSON null
      try {
        cadd(t.c, t.key, val === undefined ? null : clone(val));
      } catch (e) {
        throw new PatchError(wrap("error while adding value during copy", (e as Error).message));
      }
      return;
    }
    case "test": {
      const path = pathOf(op, "test");
      const t = findObject(root, path);
      if (!t) throw new PatchError(wrap(`test operation does not apply: is missing path: ${path}`, ERR_MISSING));
      let val: JSONValue | undefined;
      try {
        val = cget(t.c, t.key);
      } catch (e) {
        throw new PatchError(wrap(`error in test for path: '${path}'`, (e as Error).message));
      }
      const failed = (): PatchError => new PatchError(wrap(`testing value ${path} failed`, ERR_TEST), true);
      if (val === undefined) {
        if (op.value === undefined || op.value === null) return;
        throw failed();
      }
      if (op.value === undefined) throw failed();
      if (!jsonEqual(val, op.value)) throw failed();
      return;
    }
    default:
      throw new PatchError(`Unexpected kind: ${op.op || "unknown"}`);
  }
}

/**
 * Apply `ops` in order to a copy of `doc` (an object or array). Returns the patched document, or the first error
 * (evanphx text; `testFailed` when a `test` operation did not match).
 */
export function applyJsonPatch(doc: JSONValue, ops: readonly JsonPatchOp[]): JsonPatchOutcome {
  const copy = clone(doc);
  let root: Container;
  if (Array.isArray(copy)) root = { kind: "ary", v: copy };
  else if (isDoc(copy)) root = { kind: "doc", v: copy };
  else return { ok: false, testFailed: false, error: wrap("document is not an object or array", ERR_INVALID) };
  try {
    for (const op of ops) applyOne(root, op);
  } catch (e) {
    if (e instanceof PatchError) return { ok: false, testFailed: e.testFailed, error: e.message };
    throw e;
  }
  return { ok: true, doc: root.v };
}
