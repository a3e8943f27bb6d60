// Kubernetes JSONPatch helper library (apiserver pkg/cel/library/jsonpatch.go), MutatingAdmissionPolicy only:
// jsonpatch.escapeKey(k) escapes '~' → '~0' and '/' → '~1' for use in JSON Pointer paths.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import type { Value } from "../values.js";
import { asString, global } from "./common.js";

export const escapeKey = (v: Value): Value => asString(v).replace(/[~/]/g, (c) => (c === "~" ? "~0" : "~1"));

export const jsonpatchLibrary: Library = {
  name: "kubernetes.jsonpatch",
  since: "1.32",
  overloads: [global("string_jsonpatch_escapeKey_string", "jsonpatch.escapeKey", [T.string], T.string, escapeKey)],
};
