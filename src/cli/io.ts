// CLI edge I/O: reading input files (and directories) into documents, writing output atomically, and the
// error → exit-code mapping every command shares (2 = bad input).
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError, LIMITS, parseDocuments, type LoadedDoc } from "../input/yaml.js";

export const EXIT = { ok: 0, failed: 1, badInput: 2, gaps: 3 } as const;

/** Expand directories into their .yaml/.yml/.json files (sorted, recursive). */
export function expandPaths(paths: readonly string[], wanted: RegExp = /\.(ya?ml|json)$/i): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError("no such file or directory", p);
    }
    if (st.isDirectory()) {
      const entries = readdirSync(p).sort();
      out.push(...expandPaths(entries.filter((e) => !e.startsWith(".")).map((e) => join(p, e)).filter((f) => statSync(f).isDirectory() || wanted.test(f)), wanted));
    } else out.push(p);
  }
  return out;
}

/** Expand directories into their .rego and data (.yaml/.yml/.json) files (sorted, recursive). */
export function expandRegoPaths(paths: readonly string[]): string[] {
  return expandPaths(paths, /\.(rego|ya?ml|json)$/i);
}

export function readText(file: string): string {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new InputError("no such file or directory", file);
  }
  if (st.size > LIMITS.maxBytes) throw new InputError(`file is ${st.size} bytes; the limit is ${LIMITS.maxBytes}`, file);
  return readFileSync(file, "utf8");
}

export function readDocuments(paths: readonly string[]): LoadedDoc[] {
  const docs: LoadedDoc[] = [];
  for (const f of expandPaths(paths)) docs.push(...parseDocuments(readText(f), f));
  return docs;
}

/** Write a file via a temporary sibling and rename, so nothing is left half-written. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export interface Streams {
  out: (s: string) => void;
  err: (s: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  errIsTTY?: boolean;
}

export const stdStreams: Streams = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  errIsTTY: !!process.stderr.isTTY,
};

/** Print an input error (exit 2); rethrow anything else. */
export function reportInputError(e: unknown, io: Streams): number {
  if (e instanceof InputError) {
    io.err(`error: ${e.message}\n`);
    return EXIT.badInput;
  }
  throw e;
}
