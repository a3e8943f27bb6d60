// Reading user input: multi-document YAML/JSON text → plain JS documents with their file:line, with the limits
// that keep hostile input out (alias bombs, huge files, deep nesting). Pure: the caller reads the file. Kubernetes
// objects are read as kubectl reads them (`schema: "kubectl"`: YAML 1.1 scalars, see kubectl-schema.ts); the
// default is the YAML 1.2 core schema (gator and Gatekeeper read with yaml.v3).
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type EmptyStream, type Node } from "yaml";
import { kubectlTags } from "./kubectl-schema.js";

/** Input we refuse or cannot read. Always carries the file and, where known, the 1-based line. */
export class InputError extends Error {
  /** The message without its `file:line: ` prefix. */
  readonly detail: string;
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.name = "InputError";
    this.detail = message;
  }
}

export interface LoadedDoc {
  /** The document as plain JSON-like data (objects, arrays, strings, numbers, booleans, null). */
  doc: unknown;
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  /** 0-based index of the document in its file. */
  index: number;
  /** 1-based line of the node at `path` (e.g. ["spec","validations",2,"expression"]), else the document's line. */
  lineOf?: (path: readonly (string | number)[]) => number;
  /** 1-based line of the deepest node that exists on `path`, at its key: where a message about that field points. */
  fieldLineOf?: (path: readonly FieldPathSeg[]) => number;
}

/** A path segment: a map key, a list index, or `{key}` for a map key that looks like an index. */
export type FieldPathSeg = string | number | { key: string };

/** Line finder over a parsed YAML document: the deepest existing node on `base` + path, at its key (1-based). */
export function fieldLineFinder(doc: Document, lc: LineCounter, base: readonly FieldPathSeg[] = []): (path: readonly FieldPathSeg[]) => number {
  const lineOfNode = (n: unknown): number | undefined => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineOfNode(node) ?? 1;
    for (const seg of [...base, ...path]) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const key = typeof seg === "object" ? seg.key : String(seg);
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
        if (!pair) return line;
        line = lineOfNode(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) return line;
        line = lineOfNode(item) ?? line;
        node = item;
      } else return line;
    }
    return line;
  };
}

export const LIMITS = {
  /** Largest file we read (bytes). The API server's request limit is 3 MiB; fixtures are far smaller. */
  maxBytes: 16 * 1024 * 1024,
  /** yaml's alias expansion limit (its default is 100); keeps "billion laughs" documents out. */
  maxAliasCount: 100,
  maxDocuments: 10_000,
  maxDepth: 200,
};

/** How plain scalars resolve: `core` (YAML 1.2, as yaml.v3 / gator) or `kubectl` (sigs.k8s.io/yaml: YAML 1.1). */
export interface ParseOptions {
  schema?: "core" | "kubectl";
}

/** The nesting depth of `v` (stops counting past `limit`), and whether it holds a number JSON cannot carry. */
function shapeOf(v: unknown, limit: number): { depth: number; nonFinite: boolean } {
  let max = 0;
  let nonFinite = false;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return { depth: max, nonFinite };
    if (typeof x === "number" && !Number.isFinite(x)) nonFinite = true;
    if (x && typeof x === "object") for (const c of Object.values(x)) stack.push([c, d + 1]);
  }
  return { depth: max, nonFinite };
}

const tooDeep = (file: string, line?: number): InputError => new InputError(`document nests deeper than ${LIMITS.maxDepth} levels (the nesting limit)`, file, line);
const isStackOverflow = (e: unknown): boolean => e instanceof RangeError || (e instanceof Error && /call stack/i.test(e.message));

/** Parse every YAML (or JSON) document of `text`. Empty documents are skipped. Throws InputError with file:line. */
export function parseDocuments(text: string, file: string, opts: ParseOptions = {}): LoadedDoc[] {
  if (text.length > LIMITS.maxBytes) {
    throw new InputError(`input is ${text.length} bytes; the limit is ${LIMITS.maxBytes}`, file);
  }
  const kubectl = opts.schema === "kubectl";
  const lc = new LineCounter();
  let docs: Document.Parsed[] | EmptyStream;
  try {
    docs = parseAllDocuments(text, {
      lineCounter: lc,
      prettyErrors: false,
      uniqueKeys: true,
      version: "1.2",
      ...(kubectl ? { customTags: kubectlTags, merge: true } : {}),
    });
  } catch (e) {
    // flow collections nested thousands deep overflow the parser's recursion before any depth can be counted
    if (isStackOverflow(e)) throw tooDeep(file);
    throw e;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > LIMITS.maxDocuments) {
    throw new InputError(`more than ${LIMITS.maxDocuments} documents`, file);
  }
  const out: LoadedDoc[] = [];
  let index = 0;
  for (const d of list) {
    const err = d.errors[0];
    if (err) {
      const line = err.pos ? lc.linePos(err.pos[0]).line : undefined;
      if (/call stack/i.test(err.message)) throw tooDeep(file, line);
      throw new InputError(`invalid YAML: ${err.message.split("\n")[0]}`, file, line);
    }
    const start = d.contents?.range?.[0] ?? d.range[0];
    const line = lc.linePos(start).line;
    let doc: unknown;
    try {
      doc = d.toJS({ maxAliasCount: LIMITS.maxAliasCount });
    } catch (e) {
      if (isStackOverflow(e)) throw tooDeep(file, line);
      throw new InputError(`${(e as Error).message} (YAML aliases are limited to ${LIMITS.maxAliasCount})`, file, line);
    }
    if (doc === null || doc === undefined) continue;
    const shape = shapeOf(doc, LIMITS.maxDepth);
    if (shape.depth > LIMITS.maxDepth) throw tooDeep(file, line);
    if (kubectl && shape.nonFinite) throw new InputError("a .inf or .nan value: JSON has no such number (kubectl refuses it too)", file, line);
    const lineOf = (path: readonly (string | number)[]): number => {
      const node = d.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node && typeof node === "object" && node.range ? lc.linePos(node.range[0]).line : line;
    };
    out.push({ doc, file, line, index: index++, lineOf, fieldLineOf: fieldLineFinder(d, lc) });
  }
  return out;
}

/** Kubernetes `List` kinds (`kind: List` or `*List` with items) are flattened into their items. */
export function flattenLists(docs: LoadedDoc[]): LoadedDoc[] {
  const out: LoadedDoc[] = [];
  for (const d of docs) {
    const o = d.doc as { kind?: unknown; items?: unknown };
    if (o && typeof o === "object" && typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
      for (const item of o.items) out.push({ ...d, doc: item });
    } else out.push(d);
  }
  return out;
}
