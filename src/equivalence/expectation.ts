// What a replay fixture expects: its `vap-migrate.io/expect` annotation, else its file name (allowed* → admit,
// disallowed* → deny). Source-neutral: every converter's fixtures state expectations the same way.
import type { Fixture } from "../convert/types.js";
import type { Verdict } from "./contract.js";

/** Annotation a fixture may carry to state its expectation (`admit` or `deny`). */
export const EXPECT_ANNOTATION = "vap-migrate.io/expect";

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

/** Expectation of a fixture (the object of an AdmissionReview carries the annotation); null when it states none. */
export function expectationOf(f: Fixture): Verdict | null {
  const obj = isObj(f.doc) && f.doc["kind"] === "AdmissionReview" && isObj(f.doc["request"]) ? f.doc["request"]["object"] : f.doc;
  const meta = isObj(obj) ? obj["metadata"] : undefined;
  const anns = isObj(meta) ? meta["annotations"] : undefined;
  const ann = isObj(anns) ? anns[EXPECT_ANNOTATION] : undefined;
  if (ann === "admit" || ann === "deny") return ann;
  const base = f.file.split(/[\\/]/).pop() ?? "";
  if (/^disallowed/i.test(base)) return "deny";
  if (/^allowed/i.test(base)) return "admit";
  return null;
}
