// strings.render_template (OPA v1/topdown/template.go): Go text/template over the variables object, which OPA
// first turns into plain Go data (maps, slices, float64 numbers). Supported: {{.a.b}}, {{$}}, variables and
// {{$x := …}}, pipelines with |, if / else if / else, range (with $i, $v and else), with, comments, trim markers,
// and the functions and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt, ge. A missing key
// prints "<undefined>" (as OPA's conformance corpus expects).
import { RObject, RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { goFloatString, goSprintf, type GoArg } from "./sprintf.js";
import { fail, obj, str } from "./util.js";

type GoVal = null | boolean | number | string | GoVal[] | Map<string, GoVal> | typeof MISSING;
const MISSING = Symbol("missing");

function toGo(v: Value): GoVal {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (Array.isArray(v)) return (v as readonly Value[]).map(toGo);
  if (v instanceof RSet) return v.sorted().map(toGo);
  const out = new Map<string, GoVal>();
  for (const [k, x] of (v as RObject).sortedEntries()) out.set(typeof k === "string" ? k : JSON.stringify(k), toGo(x));
  return out;
}

function printGo(v: GoVal): string {
  if (v === MISSING) return "<undefined>";
  if (v === null) return "<nil>";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return goFloatString(v);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return "[" + v.map(printGo).join(" ") + "]";
  const m = v as Map<string, GoVal>;
  return "map[" + [...m.keys()].sort().map((k) => `${k}:${printGo(m.get(k)!)}`).join(" ") + "]";
}

function truthy(v: GoVal): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

// ---- parsing -------------------------------------------------------------------------------------------------------

type Node =
  | { t: "text"; s: string }
  | { t: "action"; pipe: Pipe }
  | { t: "if"; branches: { pipe: Pipe; body: Node[] }[]; else?: Node[] }
  | { t: "range"; pipe: Pipe; body: Node[]; else?: Node[] }
  | { t: "with"; pipe: Pipe; body: Node[]; else?: Node[] };

interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Operand[][];
}

type Operand =
  | { k: "dot"; fields: string[] }
  | { k: "var"; name: string; fields: string[] }
  | { k: "lit"; v: GoVal }
  | { k: "ident"; name: string }
  | { k: "paren"; pipe: Pipe; fields: string[] };

interface Action {
  text: string;
}

function tokenize(src: string): (string | Action)[] {
  const out: (string | Action)[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    if (open < 0) {
      out.push(src.slice(i));
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith("- ", start) || src.startsWith("-\t", start) || src.startsWith("-\n", start)) {
      text = text.replace(/[ \t\r\n]+$/, "");
      start += 1;
    }
    out.push(text);
    let close = -1;
    let inStr: string | null = null;
    for (let j = start; j < src.length; j++) {
      const c = src[j]!;
      if (inStr) {
        if (c === "\\" && inStr === '"') j++;
        else if (c === inStr) inStr = null;
        continue;
      }
      if (c === '"' || c === "`" || c === "'") inStr = c;
      else if (src.startsWith("}}", j)) {
        close = j;
        break;
      }
    }
    if (close < 0) throw fail(`template: template:1: unclosed action`);
    let body = src.slice(start, close);
    i = close + 2;
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      const m = /^[ \t\r\n]*/.exec(src.slice(i))!;
      i += m[0].length;
    }
    out.push({ text: body.trim() });
  }
  return out;
}

function lexAction(s: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      toks.push(s.slice(i, j + 1));
      i = j + 1;
    } else if (c === "`") {
      const j = s.indexOf("`", i + 1);
      toks.push(s.slice(i, j + 1));
      i = j + 1;
    } else if (c === "(" || c === ")" || c === "|" || c === ",") {
      toks.push(c);
      i++;
    } else if (s.startsWith(":=", i) || (c === "=" && s[i - 1] !== ":")) {
      const op = s.startsWith(":=", i) ? ":=" : "=";
      toks.push(op);
      i += op.length;
    } else {
      const m = /^[^\s()|,:=]+/.exec(s.slice(i))!;
      toks.push(m[0]);
      i += m[0].length;
    }
  }
  return toks;
}

function parsePipe(toks: string[]): Pipe {
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // declarations: $x := … or $i, $v := …
  const save = pos;
  while (toks[pos]?.startsWith("$") && (toks[pos + 1] === "," || toks[pos + 1] === ":=" || toks[pos + 1] === "=")) {
    decl.push(toks[pos]!);
    pos++;
    if (toks[pos] === ",") {
      pos++;
      continue;
    }
    assign = toks[pos] === "=";
    pos++;
    break;
  }
  if (decl.length > 0 && toks[pos - 1] !== ":=" && toks[pos - 1] !== "=") {
    decl.length = 0;
    pos = save;
  }
  const parseOperand = (): Operand => {
    const tok = toks[pos++]!;
    const withFields = (base: string): string[] => base.split(".").filter((x) => x !== "");
    if (tok === "(") {
      let depth = 1;
      const start = pos;
      while (pos < toks.length && depth > 0) {
        if (toks[pos] === "(") depth++;
        if (toks[pos] === ")") depth--;
        pos++;
      }
      const inner = parsePipe(toks.slice(start, pos - 1));
      return { k: "paren", pipe: inner, fields: [] };
    }
    if (tok.startsWith(".")) return { k: "dot", fields: withFields(tok) };
    if (tok.startsWith("$")) {
      const [name, ...fields] = tok.split(".");
      return { k: "var", name: name!, fields };
    }
    if (tok.startsWith('"')) return { k: "lit", v: JSON.parse(tok) as string };
    if (tok.startsWith("`")) return { k: "lit", v: tok.slice(1, -1) };
    if (tok === "true" || tok === "false") return { k: "lit", v: tok === "true" };
    if (tok === "nil") return { k: "lit", v: null };
    if (/^[-+]?[0-9.]/.test(tok)) return { k: "lit", v: Number(tok) };
    return { k: "ident", name: tok };
  };
  const cmds: Operand[][] = [];
  let cmd: Operand[] = [];
  while (pos < toks.length) {
    if (toks[pos] === "|") {
      cmds.push(cmd);
      cmd = [];
      pos++;
      continue;
    }
    cmd.push(parseOperand());
  }
  cmds.push(cmd);
  return { decl, assign, cmds };
}

function parseTemplate(src: string): Node[] {
  const items = tokenize(src);
  let pos = 0;
  const parseList = (stopAt: string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const item = items[pos++]!;
      if (typeof item === "string") {
        if (item) nodes.push({ t: "text", s: item });
        continue;
      }
      const text = item.text;
      if (text.startsWith("/*")) continue;
      const word = /^[a-z]+/.exec(text)?.[0] ?? "";
      if (stopAt.includes(word)) return { nodes, stop: text };
      if (word === "if" || word === "range" || word === "with") {
        const pipe = parsePipe(lexAction(text.slice(word.length)));
        const first = parseList(["end", "else"]);
        if (word === "if") {
          const branches = [{ pipe, body: first.nodes }];
          let stop = first.stop;
          let elseBody: Node[] | undefined;
          while (stop.startsWith("else")) {
            const rest = stop.slice(4).trim();
            const next = parseList(["end", "else"]);
            if (rest.startsWith("if")) branches.push({ pipe: parsePipe(lexAction(rest.slice(2))), body: next.nodes });
            else elseBody = next.nodes;
            stop = next.stop;
          }
          nodes.push({ t: "if", branches, ...(elseBody ? { else: elseBody } : {}) });
        } else {
          let elseBody: Node[] | undefined;
          if (first.stop.startsWith("else")) elseBody = parseList(["end"]).nodes;
          nodes.push({ t: word, pipe, body: first.nodes, ...(elseBody ? { else: elseBody } : {}) } as Node);
        }
        continue;
      }
      if (word === "end" || word === "else") throw fail(`template: template:1: unexpected {{${word}}}`);
      if (word === "define" || word === "template" || word === "block") throw fail(`template: template:1: ${word} is not supported`);
      nodes.push({ t: "action", pipe: parsePipe(lexAction(text)) });
    }
    if (stopAt.length > 0) throw fail("template: template:1: unexpected EOF");
    return { nodes, stop: "" };
  };
  return parseList([]).nodes;
}

// ---- execution -----------------------------------------------------------------------------------------------------

type Scope = Map<string, GoVal>[];

function lookupVar(scope: Scope, name: string): GoVal {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name)!;
  throw fail(`template: template:1: undefined variable "${name}"`);
}

function field(v: GoVal, name: string): GoVal {
  if (v instanceof Map) return v.has(name) ? v.get(name)! : MISSING;
  if (v === MISSING || v === null) return MISSING;
  throw fail(`template: template:1: can't evaluate field ${name} in type ${goType(v)}`);
}

function goType(v: GoVal): string {
  if (typeof v === "number") return "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "interface {}";
}

function toArg(v: GoVal): GoArg {
  if (typeof v === "number") return { t: "float", v };
  return { t: "string", v: printGo(v) };
}

function compareGo(a: GoVal, b: GoVal): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw fail("template: template:1: incompatible types for comparison");
}

function equalGo(a: GoVal, b: GoVal): boolean {
  return a === b || printGo(a) === printGo(b);
}

function callFn(name: string, args: GoVal[]): GoVal {
  switch (name) {
    case "and": {
      const i = args.findIndex((a) => !truthy(a));
      return i >= 0 ? args[i]! : (args[args.length - 1] ?? null);
    }
    case "or": {
      const i = args.findIndex(truthy);
      return i >= 0 ? args[i]! : (args[args.length - 1] ?? null);
    }
    case "not":
      return !truthy(args[0] ?? null);
    case "len": {
      const a = args[0];
      if (typeof a === "string") return new TextEncoder().encode(a).length;
      if (Array.isArray(a)) return a.length;
      if (a instanceof Map) return a.size;
      throw fail(`template: template:1: error calling len: len of type ${goType(a ?? null)}`);
    }
    case "index": {
      let cur = args[0] ?? null;
      for (const k of args.slice(1)) {
        if (Array.isArray(cur) && typeof k === "number") {
          if (k < 0 || k >= cur.length) throw fail(`template: template:1: error calling index: index out of range: ${k}`);
          cur = cur[k]!;
        }
        else if (cur instanceof Map && typeof k === "string") cur = cur.has(k) ? cur.get(k)! : null;
        else throw fail("template: template:1: error calling index: cannot index");
      }
      return cur;
    }
    case "print":
      return args.map(printGo).join("");
    case "println":
      return args.map(printGo).join(" ") + "\n";
    case "printf":
      return goSprintf(typeof args[0] === "string" ? args[0] : "", args.slice(1).map(toArg));
    case "eq":
      return args.slice(1).some((b) => equalGo(args[0]!, b));
    case "ne":
      return !equalGo(args[0]!, args[1]!);
    case "lt":
      return compareGo(args[0]!, args[1]!) < 0;
    case "le":
      return compareGo(args[0]!, args[1]!) <= 0;
    case "gt":
      return compareGo(args[0]!, args[1]!) > 0;
    case "ge":
      return compareGo(args[0]!, args[1]!) >= 0;
    default:
      throw fail(`template: template:1: function "${name}" not defined`);
  }
}

function evalOperand(op: Operand, dot: GoVal, scope: Scope): GoVal {
  let base: GoVal;
  let fields: string[];
  switch (op.k) {
    case "dot":
      base = dot;
      fields = op.fields;
      break;
    case "var":
      base = lookupVar(scope, op.name);
      fields = op.fields;
      break;
    case "paren":
      base = evalPipe(op.pipe, dot, scope);
      fields = op.fields;
      break;
    case "lit":
      return op.v;
    case "ident":
      return callFn(op.name, []);
  }
  for (const f of fields) base = field(base, f);
  return base;
}

function evalPipe(pipe: Pipe, dot: GoVal, scope: Scope): GoVal {
  let result: GoVal | undefined;
  for (const cmd of pipe.cmds) {
    if (cmd.length === 0) throw fail("template: template:1: missing value for command");
    const head = cmd[0]!;
    if (head.k === "ident") {
      const args = cmd.slice(1).map((a) => evalOperand(a, dot, scope));
      if (result !== undefined) args.push(result);
      result = callFn(head.name, args);
    } else {
      if (cmd.length > 1 || result !== undefined) throw fail("template: template:1: can't give argument to non-function");
      result = evalOperand(head, dot, scope);
    }
  }
  const value = result ?? null;
  if (pipe.decl.length === 1) {
    if (pipe.assign) {
      for (let i = scope.length - 1; i >= 0; i--) {
        if (scope[i]!.has(pipe.decl[0]!)) {
          scope[i]!.set(pipe.decl[0]!, value);
          return value;
        }
      }
    }
    scope[scope.length - 1]!.set(pipe.decl[0]!, value);
  }
  return value;
}

function execNodes(nodes: Node[], dot: GoVal, scope: Scope): string {
  let out = "";
  for (const n of nodes) {
    switch (n.t) {
      case "text":
        out += n.s;
        break;
      case "action": {
        const v = evalPipe(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out += printGo(v);
        break;
      }
      case "if": {
        let done = false;
        for (const b of n.branches) {
          scope.push(new Map());
          const ok = truthy(evalPipe(b.pipe, dot, scope));
          if (ok) {
            out += execNodes(b.body, dot, scope);
            done = true;
          }
          scope.pop();
          if (done) break;
        }
        if (!done && n.else) out += execNodes(n.else, dot, [...scope, new Map()]);
        break;
      }
      case "with": {
        scope.push(new Map());
        const v = evalPipe(n.pipe, dot, scope);
        if (truthy(v)) out += execNodes(n.body, v, scope);
        else if (n.else) out += execNodes(n.else, dot, scope);
        scope.pop();
        break;
      }
      case "range": {
        scope.push(new Map());
        const decl = n.pipe.decl;
        const v = evalPipe({ ...n.pipe, decl: [] }, dot, scope);
        const entries: [GoVal, GoVal][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v instanceof Map
            ? [...v.keys()].sort().map((k) => [k, v.get(k)!])
            : typeof v === "number" && Number.isInteger(v)
              ? Array.from({ length: Math.max(0, v) }, (_, i) => [i, i])
              : [];
        if (!Array.isArray(v) && !(v instanceof Map) && typeof v !== "number" && v !== null && v !== MISSING) {
          throw fail(`template: template:1: range can't iterate over ${printGo(v)}`);
        }
        if (entries.length === 0 && n.else) out += execNodes(n.else, dot, scope);
        for (const [k, x] of entries) {
          const frame = new Map<string, GoVal>();
          if (decl.length === 1) frame.set(decl[0]!, x);
          if (decl.length === 2) {
            frame.set(decl[0]!, k);
            frame.set(decl[1]!, x);
          }
          out += execNodes(n.body, x, [...scope, frame]);
        }
        scope.pop();
        break;
      }
    }
  }
  return out;
}

function renderTemplate(template: string, vars: Value): string {
  const data = toGo(obj(vars, 2));
  const nodes = parseTemplate(template);
  return execNodes(nodes, data, [new Map([["$", data]])]);
}

export const TEMPLATE: BuiltinDef[] = [["strings.render_template", 2, ([t, v]) => renderTemplate(str(t!, 1), v!)]];
