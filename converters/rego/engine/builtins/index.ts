// OPA's builtin function library for the Rego engine: the registry (BUILTINS: name → {name, arity, fn}) built
// from the area modules, with OPA's error convention applied in one place. A builtin throws BuiltinError whose
// message is OPA's full text, builtin name first (`count: operand 1 must be ...`): eval_type_error for operand
// type errors, eval_builtin_error for everything else. The evaluator decides whether an error makes the call
// undefined (the default) or fails the query (strict-builtin-errors).
// Not here: walk (relational; the evaluator's), print/trace, now_ns, rand, uuid, crypto, JWT, http.send, net.*,
// opa.runtime, rego.*, graphql, json schema, uuid / net / providers.
import type { Value } from "../../value.js";
import { AGGREGATES } from "./aggregates.js";
import { BuiltinError, type Builtin, type BuiltinDef, type BuiltinFn } from "./api.js";
import { ARRAYS } from "./arrays.js";
import { COMPARISON } from "./comparison.js";
import { ENCODING } from "./encoding.js";
import { GLOB } from "./glob.js";
import { GRAPH } from "./graph.js";
import { NUMBERS } from "./numbers.js";
import { OBJECTS } from "./objects.js";
import { REGEX } from "./regex.js";
import { SEMVER } from "./semver.js";
import { SETS } from "./sets.js";
import { SPRINTF } from "./sprintf.js";
import { STRINGS } from "./strings.js";
import { TEMPLATE } from "./template.js";
import { TIME } from "./time.js";
import { TYPES } from "./types.js";
import { UNITS } from "./units.js";
import { BuiltinFailure, OperandError } from "./util.js";

export { BuiltinError } from "./api.js";
export type { Builtin, BuiltinContext, BuiltinErrorCode, BuiltinFn } from "./api.js";

/** OPA's handleBuiltinErr: operand errors are type errors, anything else a builtin error; both get the name. */
function wrap(name: string, fn: BuiltinFn): BuiltinFn {
  return (args, ctx): Value | undefined => {
    try {
      return fn(args, ctx);
    } catch (e) {
      if (e instanceof BuiltinError) throw e;
      if (e instanceof OperandError) throw new BuiltinError("eval_type_error", `${name}: ${e.message}`);
      if (e instanceof BuiltinFailure) throw new BuiltinError("eval_builtin_error", `${name}: ${e.message}`);
      // Resource limits (huge BigInts, arrays, recursion) fail the call as OPA's would; anything else is a bug here.
      if (e instanceof RangeError) throw new BuiltinError("eval_builtin_error", `${name}: ${e.message}`);
      throw e;
    }
  };
}

const AREAS: readonly (readonly BuiltinDef[])[] = [
  COMPARISON,
  NUMBERS,
  AGGREGATES,
  SETS,
  ARRAYS,
  OBJECTS,
  TYPES,
  STRINGS,
  SPRINTF,
  REGEX,
  GLOB,
  ENCODING,
  UNITS,
  SEMVER,
  TEMPLATE,
  TIME,
  GRAPH,
];

function build(): Map<string, Builtin> {
  const map = new Map<string, Builtin>();
  for (const area of AREAS) {
    for (const [name, arity, fn] of area) {
      if (map.has(name)) throw new Error(`duplicate builtin ${name}`);
      map.set(name, { name, arity, fn: wrap(name, fn) });
    }
  }
  return map;
}

/** Every builtin by its Rego name (dotted names as written, e.g. `object.get`; operators by their function name:
 *  `plus` for `+`, `equal` for `==`, `internal.member_2` for `in`). */
export const BUILTINS: ReadonlyMap<string, Builtin> = build();
