// The standard CEL libraries as Kubernetes configures them (each overload gated by its `since` env version):
// core stdlib, ext.Strings v0/v2, optionals, ext.Lists v3, two-variable comprehension support.
import type { Library } from "../registry.js";
import { comprehensionsLibrary } from "./comprehensions.js";
import { coreLibrary } from "./core.js";
import { listsLibrary } from "./lists.js";
import { optionalsLibrary } from "./optionals.js";
import { stringsLibrary } from "./strings.js";

export const stdLibraries: Library[] = [coreLibrary, stringsLibrary, optionalsLibrary, listsLibrary, comprehensionsLibrary];

export { coreLibrary, stringsLibrary, optionalsLibrary, listsLibrary, comprehensionsLibrary };
export * from "./dispatch.js";
export { celEquals, compareValues, index, optionalIndex, mapLookup, buildMap } from "./ops.js";
export { formatDouble, toCelString } from "./format.js";
export { compileRegex } from "./regex.js";
