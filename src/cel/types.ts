// Static CEL types used by the type checker and by function declarations (overload signatures).
// Object types (the typed `request` and `namespaceObject` of admission) carry their field schema here too.

export type PrimName =
  | "bool"
  | "int"
  | "uint"
  | "double"
  | "string"
  | "bytes"
  | "null_type"
  | "timestamp"
  | "duration";

export type CelType =
  | { k: "dyn" }
  | { k: "error" }
  | { k: "prim"; name: PrimName }
  | { k: "list"; elem: CelType }
  | { k: "map"; key: CelType; value: CelType }
  /** Parameterized or plain opaque type: `optional_type` (1 param), `kubernetes.Quantity`, `net.IP`, `net.CIDR`,
   *  `kubernetes.URL`, `kubernetes.Semver`, `kubernetes.authorization.Authorizer`, `kubernetes.NamedFormat` … */
  | { k: "opaque"; name: string; params: CelType[] }
  /** The type of a type value: `type(int)`. */
  | { k: "type"; of: CelType }
  /** Overload type parameter (`A`, `B`, `K`, `V`), only inside declarations. */
  | { k: "param"; name: string }
  /** A typed object with a known field schema (see ObjectSchemas). */
  | { k: "object"; name: string };

export const T = {
  dyn: { k: "dyn" } as CelType,
  bool: { k: "prim", name: "bool" } as CelType,
  int: { k: "prim", name: "int" } as CelType,
  uint: { k: "prim", name: "uint" } as CelType,
  double: { k: "prim", name: "double" } as CelType,
  string: { k: "prim", name: "string" } as CelType,
  bytes: { k: "prim", name: "bytes" } as CelType,
  null: { k: "prim", name: "null_type" } as CelType,
  timestamp: { k: "prim", name: "timestamp" } as CelType,
  duration: { k: "prim", name: "duration" } as CelType,
  list: (elem: CelType): CelType => ({ k: "list", elem }),
  map: (key: CelType, value: CelType): CelType => ({ k: "map", key, value }),
  opaque: (name: string, ...params: CelType[]): CelType => ({ k: "opaque", name, params }),
  optional: (of: CelType): CelType => ({ k: "opaque", name: "optional_type", params: [of] }),
  type: (of: CelType): CelType => ({ k: "type", of }),
  param: (name: string): CelType => ({ k: "param", name }),
  object: (name: string): CelType => ({ k: "object", name }),
};

/** Field schemas of object types: typeName → field → type. Unknown fields of an object type are compile errors. */
export type ObjectSchemas = ReadonlyMap<string, ReadonlyMap<string, CelType>>;

export function typeToString(t: CelType): string {
  switch (t.k) {
    case "dyn":
      return "dyn";
    case "error":
      return "*error*";
    case "prim":
      return t.name === "timestamp" ? "google.protobuf.Timestamp" : t.name === "duration" ? "google.protobuf.Duration" : t.name;
    case "list":
      return `list(${typeToString(t.elem)})`;
    case "map":
      return `map(${typeToString(t.key)}, ${typeToString(t.value)})`;
    case "opaque":
      return t.params.length ? `${t.name}(${t.params.map(typeToString).join(", ")})` : t.name;
    case "type":
      return `type(${typeToString(t.of)})`;
    case "param":
      return t.name;
    case "object":
      return t.name;
  }
}
