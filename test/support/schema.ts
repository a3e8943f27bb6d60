// JSON Schema validation for tests: compiles a schema file from disk once (picking the Ajv class for its `$schema`
// draft — 04, 06/07, 2019-09 or 2020-12) and lists a value's violations as readable `/path: message` strings.
// Relative `$ref`s between schemas resolve against the other `*.schema.json` files of the same folder.
// Our own schemas (docs/schemas/*.json) compile in Ajv's strict mode, so a typo in a keyword is an error; schemas
// under a `third-party/` folder are kept verbatim and compile leniently. No assertions here: tests assert.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import AjvDraft04Module from "ajv-draft-04";

// ajv-draft-04 is CommonJS with only a default export: under NodeNext the default import is `module.exports`,
// whose `default` property is the class (the same function), at run time and in its typings alike.
const AjvDraft04 = AjvDraft04Module.default;

/** The validator constructor for a schema's `$schema` URI (draft-07 when absent, Ajv's default). */
function ajvFor(draft: string, opts: Options): { compile(schema: AnySchemaObject): ValidateFunction; addSchema(schema: AnySchemaObject): unknown } {
  if (/draft-04\/schema/.test(draft)) return new AjvDraft04(opts);
  if (/2020-12\/schema/.test(draft)) return new Ajv2020(opts);
  if (/2019-09\/schema/.test(draft)) return new Ajv2019(opts);
  if (draft === "" || /draft-0[67]\/schema/.test(draft)) return new Ajv(opts);
  throw new Error(`unsupported $schema ${JSON.stringify(draft)}`);
}

const cache = new Map<string, ValidateFunction>();

/** The compiled validator for a schema file (cached by absolute path). Throws when the schema does not compile. */
export function schemaValidator(schemaPath: string): ValidateFunction {
  const abs = path.resolve(schemaPath);
  let validate = cache.get(abs);
  if (!validate) {
    const schema = JSON.parse(readFileSync(abs, "utf8")) as AnySchemaObject;
    const thirdParty = abs.split(path.sep).includes("third-party");
    // formats ("uri", "date-time") are documentation here: no ajv-formats, and unknown formats are not an error
    // strictRequired is off: `if/then: {required: [...]}` names properties declared beside the `if`, which Ajv
    // cannot see from there (json-schemas.test.ts checks required names against `properties` itself)
    const opts: Options = { allErrors: true, validateFormats: false, strict: !thirdParty, strictRequired: false };
    const ajv = ajvFor(typeof schema.$schema === "string" ? schema.$schema : "", opts);
    // the sibling schemas this one may `$ref` (e.g. convert-report.schema.json#/definitions/gap), by their `$id`
    const dir = path.dirname(abs);
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".schema.json") && path.join(dir, n) !== abs).sort()) {
      const sibling = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as AnySchemaObject;
      if (typeof sibling.$id === "string") ajv.addSchema(sibling);
    }
    validate = ajv.compile(schema);
    cache.set(abs, validate);
  }
  return validate;
}

/** One readable line per violation: `/instance/path: message (detail)`; `/` is the document itself. */
function describeError(e: ErrorObject): string {
  const where = e.instancePath || "/";
  const p = e.params as Record<string, unknown>;
  const detail =
    e.keyword === "additionalProperties" ? ` (${String(p["additionalProperty"])})`
    : e.keyword === "enum" ? ` (${JSON.stringify(p["allowedValues"])})`
    : e.keyword === "const" ? ` (${JSON.stringify(p["allowedValue"])})`
    : "";
  return `${where}: ${e.message ?? e.keyword}${detail}`;
}

/** Violations of `value` against the schema file at `schemaPath`, empty when it is valid. */
export function validateJson(schemaPath: string, value: unknown): string[] {
  const validate = schemaValidator(schemaPath);
  if (validate(value)) return [];
  return [...new Set((validate.errors ?? []).map(describeError))];
}
