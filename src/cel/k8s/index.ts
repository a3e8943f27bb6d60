// Kubernetes CEL libraries (apiserver pkg/cel/library + cel-go ext.Sets), each a Library tagged with the
// Kubernetes environment version that introduced it; `mapLibraries` holds the MutatingAdmissionPolicy-only ones.
import type { Library } from "../registry.js";
import { authzLibrary, authzSelectorsLibrary } from "./authz.js";
import { cidrLibrary } from "./cidr.js";
import { formatLibrary } from "./format.js";
import { ipLibrary } from "./ip.js";
import { jsonpatchLibrary } from "./jsonpatch.js";
import { listsLibrary } from "./lists.js";
import { quantityLibrary } from "./quantity.js";
import { regexLibrary } from "./regex.js";
import { semverLibrary } from "./semver.js";
import { setsLibrary } from "./sets.js";
import { urlsLibrary } from "./urls.js";

export const k8sLibraries: Library[] = [
  urlsLibrary,
  regexLibrary,
  listsLibrary,
  authzLibrary,
  authzSelectorsLibrary,
  quantityLibrary,
  setsLibrary,
  ipLibrary,
  cidrLibrary,
  formatLibrary,
  semverLibrary,
];

/** Libraries only present in the MutatingAdmissionPolicy environment. */
export const mapLibraries: Library[] = [jsonpatchLibrary];

export {
  authzLibrary,
  authzSelectorsLibrary,
  cidrLibrary,
  formatLibrary,
  ipLibrary,
  jsonpatchLibrary,
  listsLibrary,
  quantityLibrary,
  regexLibrary,
  semverLibrary,
  setsLibrary,
  urlsLibrary,
};
export {
  authzBindings,
  authzTableDecider,
  makeAuthorizer,
  makeRequestResourceCheck,
  parseAuthzTable,
  requestResourceFor,
  serviceAccountUser,
  type AuthzAttributes,
  type AuthzDecide,
  type AuthzDecision,
  type AuthzRule,
  type AuthzUser,
  type RequestResource,
} from "./authz.js";
export { TypeNames, KT, celEquals as k8sCelEquals, celCompare as k8sCelCompare } from "./common.js";
export { Quantity, parseQuantity } from "./quantity.js";
export { IPValue } from "./ip.js";
export { CIDRValue } from "./cidr.js";
export { URLValue } from "./urls.js";
export { SemverValue } from "./semver.js";
export { FormatValue } from "./format.js";
