// CEL runtime values: the one representation shared by the parser's literals, the interpreter, the standard
// library, the Kubernetes libraries and the VAP engine. JSON → CEL conversion (int64 for integral numbers) lives here.
//
//   CEL type      JS representation
//   bool          boolean
//   int           bigint            (int64 range enforced by arithmetic: overflow is an error)
//   uint          CelUint           (wrapper around a bigint in [0, 2^64))
//   double        number
//   string        string
//   bytes         Uint8Array
//   null_type     null
//   list          readonly Value[]  (a plain JS array; never mutated after construction)
//   map           CelMap
//   timestamp     Timestamp         (nanoseconds since the Unix epoch, bigint)
//   duration      Duration          (nanoseconds, bigint)
//   type          CelTypeValue
//   optional      Optional
//   opaque        Opaque subclasses (Quantity, IP, CIDR, URL, Semver, Authorizer, …)

export class CelUint {
  constructor(readonly v: bigint) {}
  toString(): string {
    return `${this.v}u`;
  }
}

export class Timestamp {
  constructor(readonly ns: bigint) {}
}

export class Duration {
  constructor(readonly ns: bigint) {}
}

/** A CEL type used as a value, e.g. the result of `type(x)`; `name` is the CEL type name (`int`, `list`, `map`, `google.protobuf.Timestamp`, `kubernetes.Quantity`, …). */
export class CelTypeValue {
  constructor(readonly name: string) {}
}

export class Optional {
  static readonly NONE = new Optional(undefined);
  private constructor(readonly value: Value | undefined) {}
  static of(v: Value): Optional {
    return new Optional(v);
  }
  hasValue(): boolean {
    return this.value !== undefined;
  }
}

/** Base class of library-defined opaque values (Quantity, IP, CIDR, URL, Semver, Authorizer, Format …). */
export abstract class Opaque {
  /** CEL type name, e.g. `kubernetes.Quantity`, `net.IP`. */
  abstract readonly typeName: string;
  /** CEL `==` between two opaques of the same typeName. */
  abstract equals(other: Opaque): boolean;
}

export type MapKey = string | bigint | boolean;

/**
 * A CEL map. Keys are stored as JS primitives: string, bigint (int and uint keys), boolean.
 * uint keys are remembered in `uintKeys` so iteration can give them back as CelUint.
 * Subclasses may compute entries lazily (e.g. VAP `variables`).
 */
export class CelMap {
  constructor(
    protected readonly m: Map<MapKey, Value> = new Map(),
    protected readonly uintKeys?: ReadonlySet<bigint>,
  ) {}
  get size(): number {
    return this.m.size;
  }
  /** Entry for a normalized key, or undefined when absent. */
  get(key: MapKey): Value | undefined {
    return this.m.get(key);
  }
  has(key: MapKey): boolean {
    return this.m.has(key);
  }
  /** Keys as CEL values, in insertion order. */
  *keys(): IterableIterator<Value> {
    for (const k of this.m.keys()) yield this.keyValue(k);
  }
  *entries(): IterableIterator<[Value, Value]> {
    for (const [k, v] of this.m) yield [this.keyValue(k), v];
  }
  protected keyValue(k: MapKey): Value {
    return typeof k === "bigint" && this.uintKeys?.has(k) ? new CelUint(k) : k;
  }
  /** Raw access for fast paths (JSON-shaped maps with string keys). */
  rawEntries(): ReadonlyMap<MapKey, Value> {
    return this.m;
  }
  /** Build from [key, value] pairs of CEL values; throws CelError on an invalid key type. Later duplicates: error raised by caller. */
  static fromEntries(entries: Iterable<[Value, Value]>): CelMap {
    const m = new Map<MapKey, Value>();
    let uk: Set<bigint> | undefined;
    for (const [k, v] of entries) {
      const nk = normalizeKey(k);
      if (k instanceof CelUint) (uk ??= new Set()).add(k.v);
      m.set(nk, v);
    }
    return new CelMap(m, uk);
  }
}

export type Value =
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | null
  | CelUint
  | readonly Value[]
  | CelMap
  | Timestamp
  | Duration
  | CelTypeValue
  | Optional
  | Opaque;

/** An evaluation error. Thrown by library functions and the interpreter; absorbed by `&&`, `||`, `?:` and comprehensions as CEL specifies. `message` is cel-go's text ("no such key: x", "no such overload", "division by zero", …). */
export class CelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CelError";
  }
}

export const noSuchOverload = (): CelError => new CelError("no such overload");

/** Normalize a CEL value into a map key; doubles that are whole numbers are looked up as int (heterogeneous lookup). */
export function normalizeKey(k: Value): MapKey {
  if (typeof k === "string" || typeof k === "bigint" || typeof k === "boolean") return k;
  if (k instanceof CelUint) return k.v;
  if (typeof k === "number" && Number.isInteger(k)) return BigInt(k);
  throw new CelError(`unsupported key type`);
}

export const isList = (v: Value): v is readonly Value[] => Array.isArray(v);

/** The CEL runtime type name of a value, as `type(x)` reports it. */
export function typeName(v: Value): string {
  if (v === null) return "null_type";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "double";
    case "string":
      return "string";
  }
  if (Array.isArray(v)) return "list";
  if (v instanceof CelMap) return "map";
  if (v instanceof CelUint) return "uint";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Timestamp) return "google.protobuf.Timestamp";
  if (v instanceof Duration) return "google.protobuf.Duration";
  if (v instanceof CelTypeValue) return "type";
  if (v instanceof Optional) return "optional_type";
  if (v instanceof Opaque) return v.typeName;
  return "unknown";
}

/** int64 values of the small non-negative integers, shared (a bigint is a value: sharing is unobservable). */
const SMALL_INTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** The CEL int of a JS integer (an integral JSON number, a size, an index), shared for small non-negative ones. */
export const intOf = (v: number): bigint => (v >= 0 && v < 1024 ? SMALL_INTS[v]! : BigInt(v));
const jsonInt = intOf;

/**
 * JSON (as produced by the yaml/JSON parsers) → CEL, as the API server's ToUnstructured does:
 * integral numbers → int64 (bigint), other numbers → double, nulls inside objects dropped
 * (typed objects never carry them), arrays → lists, objects → CelMap.
 * (Hot: every admission converts its objects. Own enumerable keys in Object.entries order.)
 */
export function fromJSON(v: unknown): Value {
  switch (typeof v) {
    case "string":
    case "boolean":
    case "bigint":
      return v;
    case "number":
      return Number.isInteger(v) ? jsonInt(v) : v;
    case "undefined":
      return null;
    case "object":
      if (v === null) return null;
      if (Array.isArray(v)) return jsonList(v);
      return jsonMap(v as Record<string, unknown>);
  }
  throw new Error(`cannot convert ${typeof v} to CEL`);
}

function jsonList(a: readonly unknown[]): Value[] {
  const n = a.length;
  const out = new Array<Value>(n);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    out[i] = typeof x === "string" ? x : fromJSON(x);
  }
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

function jsonMap(o: Record<string, unknown>): CelMap {
  const m = new Map<MapKey, Value>();
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    const x = o[k];
    if (x === null || x === undefined) continue;
    m.set(k, typeof x === "string" ? x : fromJSON(x)); // (strings, most leaves, without the call)
  }
  return new CelMap(m);
}

/** CEL → JSON-compatible JS (for reports and for comparing with cel-go's recorded values). int/uint become numbers when safe, else strings. */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof CelUint) return Number.isSafeInteger(Number(v.v)) ? Number(v.v) : v.v.toString();
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof CelMap) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.entries()) o[String(k instanceof CelUint ? k.v : k)] = toJSON(x);
    return o;
  }
  if (v instanceof Optional) return v.value === undefined ? { optional: null } : { optional: toJSON(v.value) };
  if (v instanceof CelTypeValue) return v.name;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return String(v);
}
