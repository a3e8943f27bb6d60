// Rego values: null, boolean, number, string, array, set and object (any value may be an object key), with OPA's
// total order, structural equality, a canonical key for hashing, and the JSON conversions at the edges.
// Numbers are JS doubles: OPA keeps arbitrary precision, which admission policies never rely on (known gap).

export type Value = null | boolean | number | string | readonly Value[] | RSet | RObject;

export type TypeName = "null" | "boolean" | "number" | "string" | "array" | "set" | "object";

/** A set of values, deduplicated by canonical key; iteration follows insertion order (use `sorted()` for OPA's). */
export class RSet {
  private readonly byKey: Map<string, Value>;
  constructor(items: Iterable<Value> = []) {
    this.byKey = new Map();
    for (const item of items) this.byKey.set(keyOf(item), item);
  }
  get size(): number {
    return this.byKey.size;
  }
  has(item: Value): boolean {
    return this.byKey.has(keyOf(item));
  }
  values(): IterableIterator<Value> {
    return this.byKey.values();
  }
  [Symbol.iterator](): IterableIterator<Value> {
    return this.byKey.values();
  }
  /** Elements in OPA's order. */
  sorted(): Value[] {
    return [...this.byKey.values()].sort(compare);
  }
}

/** An object; keys may be any value. Iteration follows insertion order (use `sortedEntries()` for OPA's). */
export class RObject {
  private readonly byKey: Map<string, [Value, Value]>;
  constructor(entries: Iterable<readonly [Value, Value]> = []) {
    this.byKey = new Map();
    for (const [key, value] of entries) this.byKey.set(keyOf(key), [key, value]);
  }
  static fromRecord(record: Readonly<Record<string, Value>>): RObject {
    return new RObject(Object.entries(record));
  }
  get size(): number {
    return this.byKey.size;
  }
  get(key: Value): Value | undefined {
    return this.byKey.get(keyOf(key))?.[1];
  }
  has(key: Value): boolean {
    return this.byKey.has(keyOf(key));
  }
  entries(): IterableIterator<[Value, Value]> {
    return this.byKey.values();
  }
  keys(): Value[] {
    return [...this.byKey.values()].map(([key]) => key);
  }
  sortedEntries(): [Value, Value][] {
    return [...this.byKey.values()].sort((a, b) => compare(a[0], b[0]));
  }
}

export function isArray(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

export function typeName(value: Value): TypeName {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    default:
      if (Array.isArray(value)) return "array";
      return value instanceof RSet ? "set" : "object";
  }
}

const TYPE_ORDER: Record<TypeName, number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6 };

const compositeKeys = new WeakMap<object, string>();

/** A string that is equal for two values exactly when they are equal (1 and 1.0 share one key). */
export function keyOf(value: Value): string {
  if (value === null) return "z";
  switch (typeof value) {
    case "string":
      return "s" + value;
    case "number":
      return "n" + String(value === 0 ? 0 : value);
    case "boolean":
      return value ? "t" : "f";
    default: {
      const cached = compositeKeys.get(value);
      if (cached !== undefined) return cached;
      const key = compositeKey(value);
      compositeKeys.set(value, key);
      return key;
    }
  }
}

function compositeKey(value: readonly Value[] | RSet | RObject): string {
  if (Array.isArray(value)) return "a" + JSON.stringify(value.map(keyOf));
  if (value instanceof RSet) return "e" + JSON.stringify([...value].map(keyOf).sort());
  const object = value as RObject;
  return "o" + JSON.stringify([...object.entries()].map(([k, v]) => [keyOf(k), keyOf(v)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return keyOf(a) === keyOf(b);
}

/** OPA's total order: null < booleans < numbers < strings < arrays < objects < sets. */
export function compare(a: Value, b: Value): number {
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return TYPE_ORDER[ta] - TYPE_ORDER[tb];
  switch (ta) {
    case "null":
      return 0;
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "number":
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case "string":
      return compareStrings(a as string, b as string);
    case "array":
      return compareSequences(a as readonly Value[], b as readonly Value[]);
    case "set":
      return compareSequences((a as RSet).sorted(), (b as RSet).sorted());
    case "object":
      return compareObjects(a as RObject, b as RObject);
  }
}

/** Byte order of UTF-8, which for strings is code point order (not UTF-16 unit order). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const diff = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
}

function compareSequences(a: readonly Value[], b: readonly Value[]): number {
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index++) {
    const order = compare(a[index]!, b[index]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareObjects(a: RObject, b: RObject): number {
  const ea = a.sortedEntries();
  const eb = b.sortedEntries();
  const shared = Math.min(ea.length, eb.length);
  for (let index = 0; index < shared; index++) {
    const keyOrder = compare(ea[index]![0], eb[index]![0]);
    if (keyOrder !== 0) return keyOrder;
    const valueOrder = compare(ea[index]![1], eb[index]![1]);
    if (valueOrder !== 0) return valueOrder;
  }
  return ea.length - eb.length;
}

/** JSON/YAML data (plain objects and arrays) as Rego values. */
export function fromJSON(data: unknown): Value {
  if (data === null || data === undefined) return null;
  switch (typeof data) {
    case "boolean":
    case "number":
    case "string":
      return data;
    case "bigint":
      return Number(data);
    case "object":
      if (Array.isArray(data)) return data.map(fromJSON);
      if (data instanceof RSet || data instanceof RObject) return data;
      return new RObject(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, fromJSON(v)] as const));
    default:
      throw new TypeError(`not JSON data: ${typeof data}`);
  }
}

/** A Rego value as JSON data, as OPA serialises it: sets become sorted arrays, non-string object keys their JSON
 *  text. Object keys come out sorted, so the output is stable. */
export function toJSON(value: Value): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(toJSON);
  if (value instanceof RSet) return value.sorted().map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [key, item] of (value as RObject).sortedEntries()) {
    out[typeof key === "string" ? key : JSON.stringify(toJSON(key))] = toJSON(item);
  }
  return out;
}
