// Public entry of the IR → CEL emitter: predicates, operands, violation lists, literals.
export { emitPredicate, emitPredicateCode, emitOperand, accessText, guards, presenceText, patternText } from "./predicate.js";
export type { EmitOptions, Code } from "./predicate.js";
export { emitViolations } from "./violations.js";
export { celLiteral, celString, celDouble, isSafeIdent, globToRe2, re2Escape, CEL_RESERVED } from "./literal.js";
