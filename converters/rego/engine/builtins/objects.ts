// Object builtins (OPA v1/topdown/object.go, subset.go, json.go): object.get (key or path), object.keys,
// object.remove, object.filter, object.union (recursive merge, right wins), object.union_n, object.subset,
// json.filter, json.remove (JSON-pointer strings or path arrays) and json.patch (RFC 6902; failure = undefined).
import { compare, equal, keyOf, RObject, RSet, typeName, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { arr, elementErr, isArr, isObject, isSet, obj, OperandError, operandErr, typeErr } from "./util.js";

/** OPA's getObjectKeysParam: the keys named by an array, set or object. */
function keysParam(v: Value): RSet {
  if (isArr(v)) return new RSet(v);
  if (isSet(v)) return v;
  if (isObject(v)) return new RSet(v.keys());
  throw typeErr(2, v, "object", "set", "array");
}

/** ast Value.Find along a path of keys: objects by key, arrays by integer index, sets by member. */
function find(v: Value, path: readonly Value[]): Value | undefined {
  let cur: Value = v;
  for (const key of path) {
    if (cur instanceof RObject) {
      const next = cur.get(key);
      if (next === undefined) return undefined;
      cur = next;
    } else if (isArr(cur)) {
      if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key >= cur.length) return undefined;
      cur = cur[key]!;
    } else if (cur instanceof RSet) {
      if (!cur.has(key)) return undefined;
      cur = key;
    } else return undefined;
  }
  return cur;
}

function objectGet(o: Value, key: Value, dflt: Value): Value {
  const object = obj(o, 1);
  const found = isArr(key) ? (key.length === 0 ? object : find(object, key)) : object.get(key);
  return found === undefined ? dflt : found;
}

function mergeWithOverwrite(a: RObject, b: RObject): RObject {
  const entries: [Value, Value][] = [...a.entries()];
  for (const [k, v] of b.entries()) {
    const old = a.get(k);
    if (old instanceof RObject && v instanceof RObject) entries.push([k, mergeWithOverwrite(old, v)]);
    else entries.push([k, v]);
  }
  return new RObject(entries);
}

function unionN(v: Value): RObject {
  const list = arr(v, 1);
  let result = new RObject();
  for (const item of list) {
    if (!(item instanceof RObject)) throw elementErr(1, v, item, "object");
  }
  for (const item of list) result = mergeWithOverwrite(result, item as RObject);
  return result;
}

/** ast filterObject: keeps what the filter object names (null leaves keep the whole value). */
function filterValue(v: Value, filter: Value): Value {
  if (filter === null) return v;
  if (!(filter instanceof RObject)) throw new Error(`invalid filter value, expected an object`);
  if (isArr(v)) {
    const out: Value[] = [];
    v.forEach((item, i) => {
      const sub = filter.get(String(i));
      if (sub !== undefined) out.push(filterValue(item, sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out: Value[] = [];
    for (const item of v.sorted()) {
      const sub = filter.get(item);
      if (sub !== undefined) out.push(filterValue(item, sub));
    }
    return new RSet(out);
  }
  if (v instanceof RObject) {
    const out: [Value, Value][] = [];
    for (const [k, item] of v.sortedEntries()) {
      const sub = filter.get(k);
      if (sub !== undefined) out.push([k, filterValue(item, sub)]);
    }
    return new RObject(out);
  }
  return v;
}

// ---- JSON paths ----------------------------------------------------------------------------------------------------

/** OPA's parsePath: "/a/b~1c" (JSON pointer, leading slashes trimmed) or an array of segments. */
function parsePath(p: Value): Value[] {
  if (typeof p === "string") {
    if (p === "") return [];
    return p
      .replace(/^\/+/, "")
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  }
  if (isArr(p)) return [...p];
  throw operandErr(2, `must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

function jsonPaths(v: Value): Value[][] {
  if (isArr(v)) return v.map(parsePath);
  if (isSet(v)) return v.sorted().map(parsePath);
  throw typeErr(2, v, "set", "array");
}

/** Mutable tree of paths (leaves are null), as OPA's pathsToObject. */
type PathTree = Map<string, { key: Value; child: PathTree | null }>;

function pathsToTree(paths: Value[][]): PathTree {
  const root: PathTree = new Map();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const id = segmentId(path[i]!);
      const child = node.get(id);
      if (child === undefined) {
        const next: PathTree = new Map();
        node.set(id, { key: path[i]!, child: next });
        node = next;
      } else if (child.child === null) done = true;
      else node = child.child;
    }
    if (!done) node.set(segmentId(path[path.length - 1]!), { key: path[path.length - 1]!, child: null });
  }
  return root;
}

function treeToValue(tree: PathTree): RObject {
  return new RObject([...tree.values()].map(({ key, child }) => [key, child === null ? null : treeToValue(child)] as const));
}

/** Equal values share an id (1 and 1.0 alike). */
function segmentId(k: Value): string {
  return keyOf(k);
}

/** OPA's jsonRemove: drops what the path object names (null leaves), shifting arrays left. */
function jsonRemove(a: Value, b: Value | undefined): Value | undefined {
  if (b === undefined) return a;
  if (b === null) return undefined;
  if (!(b instanceof RObject)) return a;
  if (a instanceof RObject) {
    const out: [Value, Value][] = [];
    for (const [k, v] of a.entries()) {
      const r = jsonRemove(v, b.get(k));
      if (r !== undefined) out.push([k, r]);
    }
    return new RObject(out);
  }
  if (a instanceof RSet) {
    const out: Value[] = [];
    for (const v of a) {
      const r = jsonRemove(v, b.get(v));
      if (r !== undefined) out.push(r);
    }
    return new RSet(out);
  }
  if (isArr(a)) {
    const out: Value[] = [];
    a.forEach((v, i) => {
      const r = jsonRemove(v, b.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  return a;
}

// ---- object.subset -------------------------------------------------------------------------------------------------

function objectSubset(sup: RObject, sub: RObject): boolean {
  for (const [k, subV] of sub.entries()) {
    const supV = sup.get(k);
    if (supV === undefined) return false;
    if (equal(subV, supV)) continue;
    if (supV instanceof RObject && subV instanceof RObject) {
      if (!objectSubset(supV, subV)) return false;
    } else if (supV instanceof RSet && subV instanceof RSet) {
      if (!setSubset(supV, subV)) return false;
    } else if (isArr(supV) && isArr(subV)) {
      if (!arraySubset(supV, subV)) return false;
    } else return false;
  }
  return true;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  for (const x of sub) if (!sup.has(x)) return false;
  return true;
}

/** The whole sub array appears contiguously in the super array. */
function arraySubset(sup: readonly Value[], sub: readonly Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let start = 0; start + sub.length <= sup.length; start++) {
    for (let j = 0; j < sub.length; j++) if (compare(sup[start + j]!, sub[j]!) !== 0) continue outer;
    return true;
  }
  return false;
}

function arraySetSubset(sup: readonly Value[], sub: RSet): boolean {
  let unmatched = sub.size;
  for (const x of sup) {
    if (sub.has(x)) unmatched--;
    if (unmatched === 0) return true;
  }
  return false;
}

function subset(a: Value, b: Value): boolean {
  if (a instanceof RObject && b instanceof RObject) return objectSubset(a, b);
  if (a instanceof RSet && b instanceof RSet) return setSubset(a, b);
  if (isArr(a) && isArr(b)) return arraySubset(a, b);
  if (isArr(a) && b instanceof RSet) return arraySetSubset(a, b);
  throw new OperandError("both arguments object.subset must be of the same type or array and set");
}

// ---- json.patch ----------------------------------------------------------------------------------------------------

class PatchError extends Error {}

function arrayIndex(seg: Value, length: number, forInsert: boolean): number {
  if (forInsert && seg === "-") return length;
  let n: number;
  if (typeof seg === "number") n = seg;
  else if (typeof seg === "string" && /^(0|[1-9][0-9]*)$/.test(seg)) n = Number(seg);
  else throw new PatchError("invalid array index");
  if (!Number.isInteger(n) || n < 0 || n > length || (!forInsert && n === length)) throw new PatchError("index out of range");
  return n;
}

function getAt(doc: Value, path: readonly Value[]): Value {
  let cur = doc;
  for (const seg of path) {
    if (cur instanceof RObject) {
      const next = cur.get(seg);
      if (next === undefined) throw new PatchError("path not found");
      cur = next;
    } else if (isArr(cur)) cur = cur[arrayIndex(seg, cur.length, false)]!;
    else if (cur instanceof RSet) {
      if (!cur.has(seg)) throw new PatchError("path not found");
      cur = seg;
    } else throw new PatchError("path not found");
  }
  return cur;
}

/** Rebuilds doc with `f` applied to the parent container of the path's last segment. */
function updateAt(doc: Value, path: readonly Value[], f: (parent: Value, last: Value) => Value): Value {
  if (path.length === 1) return f(doc, path[0]!);
  const [head, ...rest] = path;
  if (doc instanceof RObject) {
    const child = doc.get(head!);
    if (child === undefined) throw new PatchError("path not found");
    return new RObject([...doc.entries()].map(([k, v]) => [k, equal(k, head!) ? updateAt(child, rest, f) : v] as const));
  }
  if (isArr(doc)) {
    const i = arrayIndex(head!, doc.length, false);
    const out = [...doc];
    out[i] = updateAt(doc[i]!, rest, f);
    return out;
  }
  if (doc instanceof RSet) {
    if (!doc.has(head!)) throw new PatchError("path not found");
    return new RSet([...doc].map((v) => (equal(v, head!) ? updateAt(v, rest, f) : v)));
  }
  throw new PatchError("path not found");
}

function insertAt(doc: Value, path: readonly Value[], value: Value): Value {
  if (path.length === 0) return value;
  return updateAt(doc, path, (parent, last) => {
    if (parent instanceof RObject) return new RObject([...parent.entries(), [last, value]]);
    if (isArr(parent)) {
      const i = arrayIndex(last, parent.length, true);
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (parent instanceof RSet) {
      if (!equal(last, value)) throw new PatchError("set key and value differ");
      return new RSet([...parent, value]);
    }
    throw new PatchError("path not found");
  });
}

function deleteAt(doc: Value, path: readonly Value[]): Value {
  if (path.length === 0) return null;
  return updateAt(doc, path, (parent, last) => {
    if (parent instanceof RObject) {
      if (!parent.has(last)) throw new PatchError("path not found");
      return new RObject([...parent.entries()].filter(([k]) => !equal(k, last)));
    }
    if (isArr(parent)) {
      const i = arrayIndex(last, parent.length, false);
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RSet) {
      if (!parent.has(last)) throw new PatchError("path not found");
      return new RSet([...parent].filter((v) => !equal(v, last)));
    }
    throw new PatchError("path not found");
  });
}

function patchPath(v: Value | undefined): Value[] {
  if (v === undefined) throw new PatchError("missing path");
  if (typeof v === "string" || isArr(v)) return parsePath(v);
  throw new PatchError("bad path");
}

function applyPatches(doc: Value, ops: readonly Value[]): Value {
  for (const op of ops) {
    if (!(op instanceof RObject)) throw new PatchError("not an object");
    const name = op.get("op");
    if (typeof name !== "string") throw new PatchError("bad op");
    const path = patchPath(op.get("path"));
    const need = (attr: string): Value => {
      const v = op.get(attr);
      if (v === undefined) throw new PatchError(`missing '${attr}' attribute`);
      return v;
    };
    switch (name) {
      case "add":
        doc = insertAt(doc, path, need("value"));
        break;
      case "remove":
        doc = deleteAt(doc, path);
        break;
      case "replace": {
        const value = need("value");
        doc = insertAt(deleteAt(doc, path), path, value);
        break;
      }
      case "move": {
        const from = patchPath(need("from"));
        const chunk = getAt(doc, from);
        doc = insertAt(deleteAt(doc, from), path, chunk);
        break;
      }
      case "copy": {
        const from = patchPath(need("from"));
        doc = insertAt(doc, path, getAt(doc, from));
        break;
      }
      case "test":
        if (!equal(getAt(doc, path), need("value"))) throw new PatchError("test failed");
        break;
      default:
        throw new PatchError(`unrecognized op '${name}'`);
    }
  }
  return doc;
}

export const OBJECTS: BuiltinDef[] = [
  ["object.get", 3, ([o, k, d]) => objectGet(o!, k!, d!)],
  ["object.keys", 1, ([o]) => new RSet(obj(o!, 1).keys())],
  [
    "object.remove",
    2,
    ([o, k]) => {
      const object = obj(o!, 1);
      const keys = keysParam(k!);
      return new RObject([...object.entries()].filter(([key]) => !keys.has(key)));
    },
  ],
  [
    "object.filter",
    2,
    ([o, k]) => {
      const object = obj(o!, 1);
      const keys = keysParam(k!);
      return new RObject([...object.entries()].filter(([key]) => keys.has(key)));
    },
  ],
  [
    "object.union",
    2,
    ([a, b]) => {
      const x = obj(a!, 1);
      const y = obj(b!, 2);
      return mergeWithOverwrite(x, y);
    },
  ],
  ["object.union_n", 1, ([v]) => unionN(v!)],
  [
    "object.subset",
    2,
    ([a, b]) => {
      return subset(a!, b!);
    },
  ],
  [
    "json.filter",
    2,
    ([o, p]) => {
      const object = obj(o!, 1);
      const tree = pathsToTree(jsonPaths(p!));
      return filterValue(object, treeToValue(tree));
    },
  ],
  [
    "json.remove",
    2,
    ([o, p]) => {
      const object = obj(o!, 1);
      const tree = pathsToTree(jsonPaths(p!));
      return jsonRemove(object, treeToValue(tree));
    },
  ],
  [
    "json.patch",
    2,
    ([doc, ops]) => {
      const list = arr(ops!, 2);
      try {
        return applyPatches(doc!, list);
      } catch (e) {
        if (e instanceof PatchError) return undefined;
        throw e;
      }
    },
  ],
];
