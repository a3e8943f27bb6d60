// STUB — replaced by the CEL parser (lexer + recursive descent + macro expansion).
import { CelCompileError, type ParsedExpr } from "./ast.js";

/** Parse a CEL expression. Throws CelCompileError with line/column on syntax errors. */
export function parse(source: string): ParsedExpr {
  throw new CelCompileError([{ message: "parser not implemented", offset: 0, line: 1, column: 1 }], source);
}
