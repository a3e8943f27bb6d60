// The Rego parser never crashes: on random token streams, truncated and mutated real modules, very deep nesting
// and random bytes it either returns or throws a RegoParseError located inside the text — never a TypeError, a
// stack overflow or any other exception.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { RegoParseError } from "../converters/rego/ast.js";
import { parseModule, parseQuery } from "../converters/rego/parser.js";
import { CORPUS_DIR } from "./support/corpus.js";

/** Parses as module (and as query), in v0 and v1; only RegoParseError located inside `src` may escape. */
function mustNotCrash(src: string, asQuery = true): void {
  for (const regoVersion of [0, 1] as const) {
    const runs = [() => parseModule(src, "p.rego", { regoVersion }), () => parseQuery(src, "q", { regoVersion })];
    for (const run of asQuery ? runs : runs.slice(0, 1)) {
      try {
        run();
      } catch (e) {
        if (!(e instanceof RegoParseError)) throw e;
        const lines = src.split("\n");
        const line = lines[e.loc.line - 1];
        if (line === undefined || e.loc.col < 1 || e.loc.col > line.length + 1)
          throw new Error(`error outside the text at ${e.loc.line}:${e.loc.col}: ${e.message}`);
      }
    }
  }
}

const VOCABULARY = [
  "package", "import", "as", "default", "else", "not", "some", "with", "null", "true", "false", "if", "contains",
  "in", "every", "p", "q", "f", "x", "_", "input", "data", "rego", "v1", "future", "keywords", "set", "1", "0",
  "-1", "2.5e3", ".5", '"s"', '"\\u00e9"', "`raw`", '$"t{', '$`t{', "}", "{", "[", "]", "(", ")", ",", ":", ";",
  ".", "+", "-", "*", "/", "%", "&", "|", "=", "==", ":=", "!=", "<", "<=", ">", ">=", "\n", " ", "\t", "#c\n",
  "@", "!", "$",
];

const token = fc.constantFrom(...VOCABULARY);

const SAMPLES = [
  `package k8srequiredlabels

import data.lib.helpers as h

get_message(parameters, _default) := msg {
  not parameters.message
  msg := _default
}

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_].key}
  missing := required - provided
  count(missing) > 0
  def_msg := sprintf("you must provide labels: %v", [missing])
  msg := get_message(input.parameters, def_msg)
}

f("Ki") = 1024
f(x) = y { y := to_number(x) * -2.5e3 } else = 0 { true }
p { a } { b }
`,
  `package t
import rego.v1

default allow := false

allow if {
  every c in input.containers { c.securityContext.runAsNonRoot == true }
  some k, v in input.labels
  not startswith(k, "kubernetes.io/")
  x := $"name {input.name} has {count(input.labels)} labels"
  y := \`raw
string\`
}

deny contains msg if {
  some i
  msg := input.items[i].msg with input.mode as "strict"
}

a.b[c].d := 1 if c := "x"
q := {k: v | some k, v in {"a": 1}; v > 0} if true else := {}
`,
];

function galleryModules(): string[] {
  const dir = path.join(CORPUS_DIR, "gatekeeper");
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f === "template.yaml")
        for (const doc of parseAllDocuments(readFileSync(p, "utf8"))) {
          const rego = (doc.toJS() as { spec?: { targets?: { rego?: string }[] } } | null)?.spec?.targets?.[0]?.rego;
          if (rego !== undefined) out.push(rego);
        }
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out.filter((m) => m.length <= 2000).slice(0, 2);
}

describe("parser robustness", () => {
  it("random token streams", () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.boolean(), (toks, spaced) => {
        mustNotCrash(toks.join(spaced ? " " : ""));
        mustNotCrash(`package p\n${toks.join(spaced ? " " : "")}`);
      }),
      { numRuns: 3000 },
    );
  });

  it("every truncation of real modules", () => {
    for (const src of SAMPLES) for (let i = 0; i <= src.length; i++) mustNotCrash(src.slice(0, i));
    for (const src of galleryModules()) for (let i = 0; i <= src.length; i++) mustNotCrash(src.slice(0, i), false);
  });

  it("real modules with a random token inserted or a character deleted", () => {
    const sample = fc.constantFrom(...SAMPLES);
    fc.assert(
      fc.property(sample, fc.nat(), token, fc.boolean(), (src, at, tok, insert) => {
        const i = at % (src.length + 1);
        mustNotCrash(insert ? src.slice(0, i) + tok + src.slice(i) : src.slice(0, i) + src.slice(i + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it("very deep nesting", () => {
    for (const open of ["[", "{", "(", "[x | ", "{x: ", "f(", "x[", '$"{', "not ", "a + (", "{{"]) {
      mustNotCrash(`package p\np { x := ${open.repeat(10_000)} }`);
      mustNotCrash(open.repeat(10_000));
    }
    mustNotCrash(`package p\np := ${"[".repeat(10_000)}${"]".repeat(10_000)}`);
    mustNotCrash(`package p\np := ${"1 + ".repeat(20_000)}1`);
    mustNotCrash(`package p\np := ${"x.".repeat(20_000)}y`);
    mustNotCrash(`package p\np := f(1)${".g(1)".repeat(20_000)}`);
    const elses = parseModule(`package p\np := 0 if false ${"else := 1 if false ".repeat(20_000)}`, "e.rego", { regoVersion: 1 });
    expect(elses.rules[0]?.elses.length).toBe(20_000);
  });

  it("random bytes and code units", () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        mustNotCrash(Buffer.from(bytes).toString("latin1"));
        mustNotCrash(Buffer.from(bytes).toString("utf8"));
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 100 }), (s) => mustNotCrash(`package p\np := ${s}`)),
      { numRuns: 1500 },
    );
  });

  it("the parsed samples are what they should be", () => {
    expect(parseModule(SAMPLES[0] as string, "a.rego").rules.map((r) => r.kind)).toEqual([
      "function",
      "partialset",
      "function",
      "function",
      "complete",
      "complete",
    ]);
    expect(parseModule(SAMPLES[1] as string, "b.rego").rules.map((r) => r.kind)).toEqual([
      "complete",
      "complete",
      "partialset",
      "partialobject",
      "complete",
    ]);
  });
});
