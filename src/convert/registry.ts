// The converters migrate knows, and which one a document belongs to. A source converter registers here once; the
// CLI (`migrate verify`, later `repo`/`review`) dispatches on the detected source through this list only.
import { kyvernoConverter } from "../../converters/kyverno/index.js";
import { pspConverter } from "../../converters/psp/index.js";
import { gatekeeperConverter } from "../../converters/rego/index.js";
import { InputError, type LoadedDoc } from "../input/yaml.js";
import type { CommonConvertOptions, Converter } from "./types.js";

/**
 * A registered converter, its source type erased. Only a converter's own `parse` output goes back into its
 * `convert` / `replay`, so the erasure is safe as long as callers keep the three calls on one converter.
 */
export type AnyConverter = Converter<unknown, CommonConvertOptions>;

const REGISTRY: readonly AnyConverter[] = [pspConverter, kyvernoConverter as unknown as AnyConverter, gatekeeperConverter as unknown as AnyConverter];

/** Every registered converter, in detection order. */
export function converters(): readonly AnyConverter[] {
  return REGISTRY;
}

/** The converter whose `detect` accepts the document, if any. */
export function converterFor(doc: unknown): AnyConverter | undefined {
  return REGISTRY.find((c) => c.detect(doc));
}

/** The converter with this id (`psp`, …), if registered. */
export function converterById(id: string): AnyConverter | undefined {
  return REGISTRY.find((c) => c.id === id);
}

const describe = (doc: unknown): string => {
  const o = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  if (!o) return `a ${Array.isArray(doc) ? "list" : typeof doc}, not a Kubernetes object`;
  const kind = typeof o["kind"] === "string" ? o["kind"] : "(no kind)";
  const apiVersion = typeof o["apiVersion"] === "string" ? o["apiVersion"] : "(no apiVersion)";
  return `kind ${kind}, apiVersion ${apiVersion}`;
};

/**
 * The one converter every document belongs to. Throws InputError (file:line) for a document no converter detects
 * and for documents of more than one source language; for no documents at all, naming `where`.
 */
export function detectSource(docs: readonly LoadedDoc[], where = "<input>"): AnyConverter {
  let found: { converter: AnyConverter; doc: LoadedDoc } | undefined;
  for (const d of docs) {
    const c = converterFor(d.doc);
    if (!c) {
      const line = d.fieldLineOf ? d.fieldLineOf(["kind"]) : d.line;
      throw new InputError(`not a policy of a known source (${describe(d.doc)}); known: ${REGISTRY.map((r) => r.id).join(", ")}`, d.file, line);
    }
    if (found && found.converter !== c) {
      throw new InputError(`${c.id} policy among ${found.converter.id} policies (first at ${found.doc.file}:${found.doc.line}); give one source language at a time`, d.file, d.line);
    }
    found ??= { converter: c, doc: d };
  }
  if (!found) throw new InputError("no policy documents found", where);
  return found.converter;
}
