// The one CEL emitter every converter uses: rule model → CEL syntax tree (lower) → simplified (simplify) → shared
// pieces hoisted into variables (hoist) → wrapped text (unparse); policy-level assembly in policy.ts and MAP
// JSONPatch lists in mutations.ts. Lives outside src/cel: the CEL core never depends on the rule model.
export { C, type CExpr } from "./ast.js";
export { context, lowerPred, lowerVal, presence, access, LowerError, type LowerOptions } from "./lower.js";
export { simplify } from "./simplify.js";
export { hoist, type NamedCExpr } from "./hoist.js";
export { unparse, flat, WIDTH } from "./unparse.js";
export { failingFields, messageExpr } from "./messages.js";
export { jsonPatchList } from "./mutations.js";
export { emitAnyOf, emitMatch, emitRules, envFor, finish, lowering, type AnyOfSource, type EmitOptions, type NamedExpr, type ValidationOut, type VapParts } from "./policy.js";
export { celLiteral, celString, isSafeIdent, globToRe2, re2Escape } from "./literal.js";
