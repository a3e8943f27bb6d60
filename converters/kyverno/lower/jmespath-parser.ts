// A small JMESPath parser (lexer + Pratt parser) with the grammar and binding powers of go-jmespath, the library
// Kyverno forks (github.com/kyverno/go-jmespath, parser.go / lexer.go): fields, quoted fields, raw strings, JSON
// literals, `@`, sub-expressions, index/slice, `[*]`/`[]`/`.*` projections, filters `[?…]`, multi-select lists and
// hashes, `||`, `&&`, `!`, comparators, pipes, function calls and `&expr` references. No evaluation here: the
// lowering (jmespath.ts) gives the nodes their meaning.

/** JSON value of a JMESPath literal. */
export type JLit = null | boolean | number | string | JLit[] | { [k: string]: JLit };

export type JNode =
  | { t: "field"; name: string }
  | { t: "current" }
  | { t: "literal"; value: JLit }
  | { t: "sub"; left: JNode; right: JNode }
  | { t: "index"; n: number }
  | { t: "slice"; start: number | null; stop: number | null; step: number | null }
  | { t: "indexExpr"; left: JNode; right: JNode }
  /** `left[*].right`, `left[].right` (left is a `flatten`), `left[1:2].right`. */
  | { t: "projection"; left: JNode; right: JNode }
  | { t: "flatten"; of: JNode }
  | { t: "filter"; left: JNode; right: JNode; cond: JNode }
  /** `left.*.right` */
  | { t: "values"; left: JNode; right: JNode }
  | { t: "mlist"; items: JNode[] }
  | { t: "mhash"; entries: [string, JNode][] }
  | { t: "or"; left: JNode; right: JNode }
  | { t: "and"; left: JNode; right: JNode }
  | { t: "not"; of: JNode }
  | { t: "cmp"; op: "==" | "!=" | "<" | "<=" | ">" | ">="; left: JNode; right: JNode }
  | { t: "pipe"; left: JNode; right: JNode }
  | { t: "fn"; name: string; args: JNode[] }
  | { t: "expref"; of: JNode };

export class JmesSyntaxError extends Error {
  constructor(
    message: string,
    readonly expression: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset} in ${JSON.stringify(expression)}`);
  }
}

type Tok =
  | "eof" | "ident" | "qident" | "raw" | "json" | "number" | "dot" | "star" | "lbracket" | "rbracket" | "flatten"
  | "filter" | "lbrace" | "rbrace" | "lparen" | "rparen" | "comma" | "colon" | "pipe" | "or" | "and" | "not"
  | "expref" | "current" | "eq" | "ne" | "lt" | "lte" | "gt" | "gte";

interface Token {
  t: Tok;
  v: string;
  value?: JLit;
  pos: number;
}

// go-jmespath bindingPowers
const BP: Partial<Record<Tok, number>> = { pipe: 1, or: 2, and: 3, eq: 5, ne: 5, lt: 5, lte: 5, gt: 5, gte: 5, flatten: 9, star: 20, filter: 21, dot: 40, not: 45, lbrace: 50, lbracket: 55, lparen: 60 };
const bp = (t: Tok): number => BP[t] ?? 0;
const PROJECTION_STOP = 10;

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const err = (m: string, at = i): never => {
    throw new JmesSyntaxError(m, src, at);
  };
  while (i < src.length) {
    const c = src[i]!;
    const start = i;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j]!)) j++;
      out.push({ t: "ident", v: src.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (c === "-" || /[0-9]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[0-9]/.test(src[j]!)) j++;
      if (src.slice(i, j) === "-") err("unknown token '-'");
      out.push({ t: "number", v: src.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length) err("unclosed quoted identifier");
      const text = src.slice(i, j + 1);
      let name: unknown;
      try {
        name = JSON.parse(text);
      } catch {
        err("invalid quoted identifier");
      }
      out.push({ t: "qident", v: name as string, pos: start });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== "'") {
        if (src[j] === "\\" && src[j + 1] === "'") {
          s += "'";
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) err("unclosed raw string");
      out.push({ t: "raw", v: s, pos: start });
      i = j + 1;
      continue;
    }
    if (c === "`") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== "`") {
        if (src[j] === "\\" && src[j + 1] === "`") {
          s += "`";
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) err("unclosed JSON literal");
      let value: JLit;
      try {
        value = JSON.parse(s) as JLit;
      } catch {
        // go-jmespath's legacy behaviour: a literal that is not JSON is the string between the backticks
        value = s.trim();
        if (!/^[A-Za-z0-9 _./:-]*$/.test(s)) err("invalid JSON literal", start);
      }
      out.push({ t: "json", v: s, value, pos: start });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    const twoTok: Record<string, Tok> = { "[]": "flatten", "[?": "filter", "||": "or", "&&": "and", "==": "eq", "!=": "ne", "<=": "lte", ">=": "gte" };
    if (twoTok[two]) {
      out.push({ t: twoTok[two]!, v: two, pos: start });
      i += 2;
      continue;
    }
    const oneTok: Record<string, Tok> = {
      ".": "dot", "*": "star", "[": "lbracket", "]": "rbracket", "{": "lbrace", "}": "rbrace", "(": "lparen", ")": "rparen",
      ",": "comma", ":": "colon", "|": "pipe", "&": "expref", "!": "not", "@": "current", "<": "lt", ">": "gt",
    };
    if (oneTok[c]) {
      out.push({ t: oneTok[c]!, v: c, pos: start });
      i++;
      continue;
    }
    if (c === "=") err("unknown token '=' (did you mean '=='?)");
    err(`unknown character ${JSON.stringify(c)}`);
  }
  out.push({ t: "eof", v: "", pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  private cur(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private advance(): Token {
    return this.toks[this.i++]!;
  }
  private fail(m: string, tok = this.cur()): never {
    throw new JmesSyntaxError(m, this.src, tok.pos);
  }
  private expect(t: Tok): Token {
    if (this.cur().t !== t) this.fail(`expected ${t}, found ${this.cur().t}`);
    return this.advance();
  }

  parse(): JNode {
    const e = this.expr(0);
    if (this.cur().t !== "eof") this.fail(`unexpected token ${this.cur().t}`);
    return e;
  }

  expr(power: number): JNode {
    let left = this.nud(this.advance());
    while (power < bp(this.cur().t)) left = this.led(this.advance(), left);
    return left;
  }

  private nud(tok: Token): JNode {
    switch (tok.t) {
      case "json":
        return { t: "literal", value: tok.value ?? null };
      case "raw":
        return { t: "literal", value: tok.v };
      case "ident":
        return { t: "field", name: tok.v };
      case "qident":
        if (this.cur().t === "lparen") this.fail("quoted identifiers cannot be function names");
        return { t: "field", name: tok.v };
      case "star":
        return { t: "values", left: { t: "current" }, right: this.cur().t === "rbracket" ? { t: "current" } : this.projectionRHS(bp("star")) };
      case "filter":
        return this.filter({ t: "current" });
      case "lbrace":
        return this.mhash();
      case "flatten":
        return { t: "projection", left: { t: "flatten", of: { t: "current" } }, right: this.projectionRHS(bp("flatten")) };
      case "lbracket": {
        const c = this.cur().t;
        if (c === "number" || c === "colon") return this.projectIfSlice({ t: "current" }, this.indexExpr());
        if (c === "star" && this.peek().t === "rbracket") {
          this.advance();
          this.advance();
          return { t: "projection", left: { t: "current" }, right: this.projectionRHS(bp("star")) };
        }
        return this.mlist();
      }
      case "current":
        return { t: "current" };
      case "expref":
        return { t: "expref", of: this.expr(bp("expref")) };
      case "not":
        return { t: "not", of: this.expr(bp("not")) };
      case "lparen": {
        const e = this.expr(0);
        this.expect("rparen");
        return e;
      }
      default:
        return this.fail(`unexpected token ${tok.t}`, tok);
    }
  }

  private led(tok: Token, left: JNode): JNode {
    switch (tok.t) {
      case "dot":
        if (this.cur().t !== "star") return { t: "sub", left, right: this.dotRHS(bp("dot")) };
        this.advance();
        return { t: "values", left, right: this.projectionRHS(bp("dot")) };
      case "pipe":
        return { t: "pipe", left, right: this.expr(bp("pipe")) };
      case "or":
        return { t: "or", left, right: this.expr(bp("or")) };
      case "and":
        return { t: "and", left, right: this.expr(bp("and")) };
      case "lparen": {
        if (left.t !== "field") this.fail("function name expected before (", tok);
        const args: JNode[] = [];
        while (this.cur().t !== "rparen") {
          args.push(this.cur().t === "expref" ? (this.advance(), { t: "expref", of: this.expr(0) }) : this.expr(0));
          if (this.cur().t === "comma") this.advance();
          else if (this.cur().t !== "rparen") this.fail("expected , or )");
        }
        this.advance();
        return { t: "fn", name: left.name, args };
      }
      case "filter":
        return this.filter(left);
      case "flatten":
        return { t: "projection", left: { t: "flatten", of: left }, right: this.projectionRHS(bp("flatten")) };
      case "eq":
      case "ne":
      case "lt":
      case "lte":
      case "gt":
      case "gte": {
        const op = ({ eq: "==", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" } as const)[tok.t];
        return { t: "cmp", op, left, right: this.expr(bp(tok.t)) };
      }
      case "lbracket": {
        const c = this.cur().t;
        if (c === "number" || c === "colon") return this.projectIfSlice(left, this.indexExpr());
        this.expect("star");
        this.expect("rbracket");
        return { t: "projection", left, right: this.projectionRHS(bp("star")) };
      }
      default:
        return this.fail(`unexpected token ${tok.t}`, tok);
    }
  }

  /** After `[`: an index `n]` or a slice `a:b:c]`. */
  private indexExpr(): JNode {
    const parts: (number | null)[] = [null, null, null];
    let k = 0;
    let sawColon = false;
    while (this.cur().t !== "rbracket" && k < 3) {
      if (this.cur().t === "colon") {
        sawColon = true;
        k++;
        this.advance();
      } else if (this.cur().t === "number") {
        parts[k] = Number(this.advance().v);
      } else this.fail("expected number or : in index");
    }
    this.expect("rbracket");
    if (!sawColon) return { t: "index", n: parts[0]! };
    if (parts[2] === 0) this.fail("slice step cannot be 0");
    return { t: "slice", start: parts[0]!, stop: parts[1]!, step: parts[2]! };
  }

  private projectIfSlice(left: JNode, right: JNode): JNode {
    const ix: JNode = { t: "indexExpr", left, right };
    return right.t === "slice" ? { t: "projection", left: ix, right: this.projectionRHS(bp("star")) } : ix;
  }

  private projectionRHS(power: number): JNode {
    const c = this.cur().t;
    if (bp(c) < PROJECTION_STOP) return { t: "current" };
    if (c === "lbracket" || c === "filter") return this.expr(power);
    if (c === "dot") {
      this.advance();
      return this.dotRHS(power);
    }
    return this.fail(`unexpected token ${c} after a projection`);
  }

  private dotRHS(power: number): JNode {
    const c = this.cur().t;
    if (c === "ident" || c === "qident" || c === "star") return this.expr(power);
    if (c === "lbracket") {
      this.advance();
      return this.mlist();
    }
    if (c === "lbrace") {
      this.advance();
      return this.mhash();
    }
    return this.fail("expected identifier, [ or { after .");
  }

  private filter(left: JNode): JNode {
    const cond = this.expr(0);
    this.expect("rbracket");
    const right: JNode = this.cur().t === "flatten" ? { t: "current" } : this.projectionRHS(bp("filter"));
    return { t: "filter", left, right, cond };
  }

  /** After `[`: `a, b, …]`. */
  private mlist(): JNode {
    const items: JNode[] = [];
    for (;;) {
      items.push(this.expr(0));
      if (this.cur().t === "rbracket") break;
      this.expect("comma");
    }
    this.advance();
    return { t: "mlist", items };
  }

  /** After `{`: `k: v, …}`. */
  private mhash(): JNode {
    const entries: [string, JNode][] = [];
    for (;;) {
      const k = this.advance();
      if (k.t !== "ident" && k.t !== "qident") this.fail("expected key in multi-select hash", k);
      this.expect("colon");
      entries.push([k.v, this.expr(0)]);
      if (this.cur().t === "rbrace") break;
      this.expect("comma");
    }
    this.advance();
    return { t: "mhash", entries };
  }
}

/** Parse a JMESPath expression; throws JmesSyntaxError with the offset. */
export function parseJmes(src: string): JNode {
  return new Parser(src, lex(src)).parse();
}
