// gator `verify` suites (test.gatekeeper.sh Suite): reading the suite, the template / constraint / object /
// inventory files it names, and gator's assertion rules. The readers do file I/O; `assertionsHold` and
// `expectedVerdict` are pure.
//
// From pkg/gator/verify/{suite.go,read_suites.go,runner.go,assertion.go} and pkg/gator/reader/read_resources.go:
//  * A file is a suite when its (first) YAML document has group test.gatekeeper.sh and kind Suite — the version is
//    not checked; anything else is silently ignored. Only the first document is read (yaml.v3 Unmarshal).
//  * YAML is decoded by yaml.v3 (YAML 1.2: `yes`/`no` are strings), then through JSON into the Go structs: a wrong
//    type (`skip: "yes"`, `violations: true`, `violations: 1.5`) fails the whole suite.
//  * Paths are joined to the suite's directory with path.Join — an absolute path is NOT rejected nor used as is:
//    `/x/y` becomes `<suite dir>/x/y`; `..` is allowed (only climbing above the filesystem root fails).
//  * Template and constraint files: first document only. Object and inventory files: every document (gator splits
//    on "\n---"); an object file must hold exactly one object, an inventory file at least one.
//  * A case needs an object and at least one assertion — a case without assertions is an error ("invalid Case:
//    assertions must be non-empty"), although suite.go's comment says it means "no violations".
//  * Assertion: `violations` yes (default) = at least one matching, no = none, an integer = exactly that many;
//    `message` is an unanchored Go RE2 regexp over each violation's msg (compiled only when there is a violation
//    to match, so a bad regexp goes unnoticed when there are none). All assertions must hold, checked in order.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { compileRegex } from "../../../src/cel/stdlib/regex.js";
import { InputError, parseDocuments, type FieldPathSeg, type LoadedDoc } from "../../../src/input/yaml.js";
import type { KObject } from "../../../src/vap/types.js";
import { isConstraint, isConstraintTemplate, parseConstraint, parseTemplate, splitGroupVersion, type Constraint, type ConstraintTemplate } from "./model.js";

export const SUITE_GROUP = "test.gatekeeper.sh";
export const SUITE_KIND = "Suite";

export interface GatorAssertion {
  /** `yes` | `no` | a non-negative integer; undefined = `yes`. Other strings / negative numbers fail when run. */
  violations?: number | string;
  /** Go RE2 regexp, unanchored, matched against each violation's msg. */
  message?: string;
  line: number;
}

export interface GatorCase {
  name: string;
  /** Resolved path of the object file ("" when the case names none). */
  object: string;
  objectRef: string;
  inventory: string[];
  inventoryRefs: string[];
  assertions: GatorAssertion[];
  skip: boolean;
  line: number;
}

export interface GatorTest {
  name: string;
  /** Resolved paths ("" when the test names none: gator fails the test with "missing template/constraint"). */
  template: string;
  templateRef: string;
  constraint: string;
  constraintRef: string;
  expansion?: string;
  /** The constraint is expected to fail schema validation; mutually exclusive with cases. */
  invalid: boolean;
  skip: boolean;
  cases: GatorCase[];
  line: number;
}

export interface GatorSuite {
  file: string;
  /** metadata.name (display only: gator does not read it). */
  name: string;
  skip: boolean;
  tests: GatorTest[];
  line: number;
}

type JObj = { [k: string]: unknown };
const isObj = (v: unknown): v is JObj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Is this document a gator Suite (group test.gatekeeper.sh, kind Suite, any version)? */
export function isGatorSuite(doc: unknown): boolean {
  return isObj(doc) && doc.kind === SUITE_KIND && splitGroupVersion(doc.apiVersion)?.group === SUITE_GROUP;
}

/** gator's path.Join(suiteDir, ref): relative to the suite's folder, absolute refs included. */
export function resolveSuitePath(suiteFile: string, ref: string): string {
  return ref === "" ? "" : path.join(path.dirname(suiteFile), ref);
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "no such file or directory" : `cannot read: ${(e as Error).message}`, file);
  }
}

/**
 * Re-indent the continuation lines of multi-line quoted scalars that are not indented past their key. YAML 1.2
 * requires them to be (and the `yaml` package refuses them: "Missing closing quote"), but Go's yaml.v3 — which gator
 * uses — accepts them, and the gatekeeper-library has such files (general/httpsonly/template.yaml). Folding strips a
 * continuation line's leading white space, so the value is unchanged; line numbers are kept.
 */
export function lenientQuotedScalars(text: string): string {
  const lines = text.split("\n");
  let open: { quote: string; indent: number } | undefined;
  /** Index just past the closing quote in `s` from `from`, or -1 when the scalar continues. */
  const close = (s: string, from: number, quote: string): number => {
    for (let i = from; i < s.length; i++) {
      if (quote === '"' && s[i] === "\\") i++;
      else if (s[i] === quote) {
        if (quote === "'" && s[i + 1] === "'") i++;
        else return i + 1;
      }
    }
    return -1;
  };
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (open) {
      const indent = line.length - line.trimStart().length;
      if (line.trim() !== "" && indent <= open.indent) line = lines[n] = " ".repeat(open.indent + 1 - indent) + line;
      const end = close(line, 0, open.quote);
      if (end >= 0) open = undefined;
      continue;
    }
    const m = /^(\s*)(?:- )*(?:[^\s#'"][^#'"]*?:\s+)?(["'])/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    const end = close(line, m[0].length, m[2]!);
    if (end < 0) open = { quote: m[2]!, indent: m[1]!.length };
  }
  return lines.join("\n");
}

/** Parse a whole file (all documents), accepting the under-indented quoted scalars yaml.v3 accepts. */
export function readDocs(file: string): { docs: LoadedDoc[]; text: string } {
  return parseDocsLenient(readText(file), file);
}

/** The documents of a file's text; on "Missing closing quote", once more with the quoted scalars re-indented. */
export function parseDocsLenient(text: string, file: string): { docs: LoadedDoc[]; text: string } {
  try {
    return { docs: parseDocuments(text, file), text };
  } catch (e) {
    if (!(e instanceof InputError) || !/Missing closing .?quote/i.test(e.message)) throw e;
    const repaired = lenientQuotedScalars(text);
    if (repaired === text) throw e;
    try {
      return { docs: parseDocuments(repaired, file), text: repaired };
    } catch {
      throw e;
    }
  }
}

class Fields {
  constructor(readonly d: LoadedDoc) {}
  line(p: readonly FieldPathSeg[]): number {
    return this.d.fieldLineOf?.(p) ?? this.d.line;
  }
  err(msg: string, p: readonly FieldPathSeg[]): InputError {
    return new InputError(`invalid yaml: ${msg}`, this.d.file, this.line(p));
  }
  str(o: JObj, key: string, p: FieldPathSeg[]): string {
    const v = o[key];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw this.err(`${key}: cannot unmarshal ${typeOfJson(v)} into a string`, [...p, key]);
    return v;
  }
  bool(o: JObj, key: string, p: FieldPathSeg[]): boolean {
    const v = o[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== "boolean") throw this.err(`${key}: cannot unmarshal ${typeOfJson(v)} into a bool`, [...p, key]);
    return v;
  }
  list(o: JObj, key: string, p: FieldPathSeg[]): unknown[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.err(`${key}: cannot unmarshal ${typeOfJson(v)} into a list`, [...p, key]);
    return v;
  }
  obj(v: unknown, p: FieldPathSeg[]): JObj {
    if (v === null) return {};
    if (!isObj(v)) throw this.err(`cannot unmarshal ${typeOfJson(v)} into an object`, p);
    return v;
  }
}

const typeOfJson = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Read a suite file. Returns undefined when the file's first document is not a Suite (gator ignores such files).
 * Throws InputError (file:line) for unparsable YAML and for fields of the wrong type.
 */
export function readSuite(file: string): GatorSuite | undefined {
  const { docs } = readDocs(file);
  const d = docs[0];
  if (!d || !isGatorSuite(d.doc)) return undefined;
  const f = new Fields(d);
  const o = d.doc as JObj;
  const meta = isObj(o.metadata) ? o.metadata : {};
  const suite: GatorSuite = {
    file,
    name: typeof meta.name === "string" ? meta.name : path.basename(path.dirname(file)),
    skip: f.bool(o, "skip", []),
    tests: [],
    line: d.line,
  };
  suite.tests = f.list(o, "tests", []).map((t, i) => readTest(f, file, t, ["tests", i]));
  return suite;
}

function readTest(f: Fields, file: string, raw: unknown, p: FieldPathSeg[]): GatorTest {
  const t = f.obj(raw, p);
  const templateRef = f.str(t, "template", p);
  const constraintRef = f.str(t, "constraint", p);
  const test: GatorTest = {
    name: f.str(t, "name", p),
    template: resolveSuitePath(file, templateRef),
    templateRef,
    constraint: resolveSuitePath(file, constraintRef),
    constraintRef,
    invalid: f.bool(t, "invalid", p),
    skip: f.bool(t, "skip", p),
    cases: f.list(t, "cases", p).map((c, j) => readCase(f, file, c, [...p, "cases", j])),
    line: f.line(p),
  };
  const expansion = f.str(t, "expansion", p);
  if (expansion) test.expansion = resolveSuitePath(file, expansion);
  return test;
}

function readCase(f: Fields, file: string, raw: unknown, p: FieldPathSeg[]): GatorCase {
  const c = f.obj(raw, p);
  const objectRef = f.str(c, "object", p);
  const inventoryRefs = f.list(c, "inventory", p).map((x, k) => {
    if (typeof x !== "string") throw f.err(`inventory[${k}]: cannot unmarshal ${typeOfJson(x)} into a string`, [...p, "inventory", k]);
    return x;
  });
  return {
    name: f.str(c, "name", p),
    object: resolveSuitePath(file, objectRef),
    objectRef,
    inventory: inventoryRefs.map((r) => resolveSuitePath(file, r)),
    inventoryRefs,
    assertions: f.list(c, "assertions", p).map((a, k) => readAssertion(f, a, [...p, "assertions", k])),
    skip: f.bool(c, "skip", p),
    line: f.line(p),
  };
}

function readAssertion(f: Fields, raw: unknown, p: FieldPathSeg[]): GatorAssertion {
  const a = f.obj(raw, p);
  const out: GatorAssertion = { line: f.line(p) };
  const v = a.violations;
  if (v !== undefined && v !== null) {
    // intstr.IntOrString: a JSON string, or a number that decodes into an int32.
    if (typeof v === "string") out.violations = v;
    else if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) out.violations = v;
    else throw f.err(`violations: cannot unmarshal ${typeOfJson(v)} ${JSON.stringify(v)} into an int or string`, [...p, "violations"]);
  }
  const m = a.message;
  if (m !== undefined && m !== null) {
    if (typeof m !== "string") throw f.err(`message: cannot unmarshal ${typeOfJson(m)} into a string`, [...p, "message"]);
    out.message = m;
  }
  return out;
}

/** Every .yaml/.yml file under `dir` (recursively), sorted: what `gator verify dir/...` reads. */
/** Every file named `suite.yaml` under `dir`, in directory-walk order (the library's layout: one per template). */
export function suiteFilesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? suiteFilesUnder(full) : name === "suite.yaml" ? [full] : [];
    });
}

export function listSuiteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Template, constraint, object and inventory files

/** The ConstraintTemplate of a file (its first document, as gator's ReadTemplate reads it). */
export function readTemplateFile(file: string): ConstraintTemplate {
  const { docs, text } = readDocs(file);
  const d = docs[0];
  if (!d || !isConstraintTemplate(d.doc)) throw new InputError("not a ConstraintTemplate", file, d?.line);
  return parseTemplate(d, text);
}

/** The Constraint of a file (its first document, as gator's ReadConstraint reads it). */
export function readConstraintFile(file: string): Constraint {
  const { docs } = readDocs(file);
  const d = docs[0];
  if (!d || !isConstraint(d.doc)) throw new InputError("not a Constraint", file, d?.line);
  return parseConstraint(d);
}

export interface FileObject {
  object: KObject;
  file: string;
  line: number;
}

/** Every object of a file (gator readObjects): at least one, each a mapping. */
export function readObjectsFile(file: string): FileObject[] {
  const { docs } = readDocs(file);
  const out = docs.map((d) => {
    if (!isObj(d.doc)) throw new InputError(`invalid yaml: cannot unmarshal ${typeOfJson(d.doc)} into an object`, file, d.line);
    return { object: d.doc as KObject, file, line: d.line };
  });
  if (!out.length) throw new InputError(`missing objects: path "${file}" defines no YAML objects`, file);
  return out;
}

/** The object a case reviews: its file must hold exactly one. */
export function loadCaseObject(c: Pick<GatorCase, "object" | "line">, suiteFile?: string): FileObject {
  if (!c.object) throw new InputError("invalid Case: must define object", suiteFile ?? "", c.line);
  const objs = readObjectsFile(c.object);
  if (objs.length !== 1) throw new InputError(`object file must contain exactly one object: "${c.object}" defines ${objs.length} objects`, c.object);
  return objs[0]!;
}

/** The objects a case puts into data.inventory, in file order. */
export function loadCaseInventory(c: Pick<GatorCase, "inventory">): FileObject[] {
  return c.inventory.flatMap((f) => readObjectsFile(f));
}

// ---------------------------------------------------------------------------------------------------------------
// Assertions

/** Go's %q, close enough for messages. */
const q = (s: string): string => JSON.stringify(s);
/** Go's %v of a []string. */
const goList = (xs: string[]): string => `[${xs.join(" ")}]`;

/** gator's Assertion.Run over a case's violations; all must hold (checked in order, first failure reported). */
export function assertionsHold(assertions: readonly Pick<GatorAssertion, "violations" | "message">[], violations: readonly { msg: string }[]): { pass: boolean; reason: string | null } {
  if (!assertions.length) return { pass: false, reason: "invalid Case: assertions must be non-empty" };
  const messages = violations.map((v) => v.msg);
  for (const a of assertions) {
    let matching = 0;
    for (const v of violations) {
      if (a.message === undefined) {
        matching++;
        continue;
      }
      let re;
      try {
        re = compileRegex(a.message);
      } catch (e) {
        return { pass: false, reason: `message contains invalid regular expression: ${(e as Error).message}` };
      }
      if (re.test(v.msg)) matching++;
    }
    const want = a.violations ?? "yes";
    const containing = a.message !== undefined ? ` containing ${q(a.message)}` : "";
    let err: string | null = null;
    if (typeof want === "number") {
      if (want < 0) err = 'invalid yaml: assertion.violation, if set, must be a nonnegative integer, "yes", or "no"';
      else if (want !== matching) err = `unexpected number of violations: got ${matching} violations${containing} but want exactly ${want}`;
    } else if (want === "yes") {
      if (matching === 0) err = `unexpected number of violations: got ${matching} violations${containing} but want at least 1`;
    } else if (want === "no") {
      if (matching > 0) err = `unexpected number of violations: got ${matching} violations${containing} but want none`;
    } else {
      err = 'invalid yaml: assertion.violation, if set, must be a nonnegative integer, "yes", or "no"';
    }
    if (err) return { pass: false, reason: `${err}: got messages ${goList(messages)}` };
  }
  return { pass: true, reason: null };
}

/**
 * What a case expects, as an admission verdict: "deny" when some assertion requires at least one matching
 * violation (`yes`/default or an integer ≥ 1) and no assertion without `message` requires none (`no`/0);
 * otherwise "admit" (including a case without assertions, which gator itself rejects).
 */
export function expectedVerdict(assertions: readonly Pick<GatorAssertion, "violations" | "message">[]): "deny" | "admit" {
  const want = (a: Pick<GatorAssertion, "violations">): number | string => a.violations ?? "yes";
  const some = assertions.some((a) => {
    const w = want(a);
    return w === "yes" || (typeof w === "number" && w >= 1);
  });
  const noneOverall = assertions.some((a) => a.message === undefined && (want(a) === "no" || want(a) === 0));
  return some && !noneOverall ? "deny" : "admit";
}
