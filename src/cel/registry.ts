// Function declarations shared by the checker (signatures) and the interpreter (implementations).
// Every library (standard CEL in src/cel/stdlib/, Kubernetes in src/cel/k8s/) exports a Library; an environment
// is a list of libraries filtered by the Kubernetes environment version that introduced them.
import type { CelType } from "./types.js";
import type { Value } from "./values.js";

export interface Overload {
  /** Unique overload id, cel-go style where one exists (`add_int64`, `string_contains_string`, `list_isSorted`). */
  id: string;
  /** Function name: operator internal name (`_+_`), global (`size`, `optional.of`, `sets.contains`) or method name (`contains`). */
  name: string;
  /** Member-style call `recv.name(args)`; then params[0] is the receiver type. */
  member: boolean;
  params: CelType[];
  result: CelType;
  /** Implementation. Arguments are already evaluated values (never errors); throw CelError to fail.
   *  Omitted only for operators the interpreter implements itself (`_&&_`, `_||_`, `_?_:_`, `@not_strictly_false`). */
  impl?: (...args: Value[]) => Value;
  /** Kubernetes CEL environment version that introduced it ("1.0", "1.27", "1.28", …, "1.34"). Default "1.0". */
  since?: string;
}

/** An identifier a library provides (e.g. type names `int`, `list`, `kubernetes.Quantity` as type values). */
export interface IdentDecl {
  name: string;
  type: CelType;
  value: Value;
  since?: string;
}

export interface Library {
  name: string;
  overloads: Overload[];
  idents?: IdentDecl[];
  /** Default `since` for the library's overloads and idents. */
  since?: string;
}

/** Compare Kubernetes environment versions like "1.29" (major.minor). */
export function versionLE(a: string, b: string): boolean {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am! < bm! || (am === bm && an! <= bn!);
}
