// CLI edge I/O: reading input files (and directories, and `-` for standard input) into documents, writing output
// atomically, and the error → exit-code mapping every command shares (2 = bad input). Every read goes through the one
// bounded reader (src/input/read.ts); Kubernetes objects are read as kubectl reads them (YAML 1.1 scalars).
import { mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ioError, readBoundedText, STDIN, STDIN_NAME } from "../input/read.js";
import { InputError, parseDocuments, type LoadedDoc } from "../input/yaml.js";
import { EXIT, type Streams } from "./streams.js";

export { readBoundedText, STDIN, STDIN_NAME, withStdin } from "../input/read.js";
export { EXIT, stdStreams, type Streams } from "./streams.js";

const YAML_FILE = /\.(ya?ml|json)$/i;

/** stat (following links) with a one-line error. */
function statOrFail(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw ioError(e, path);
  }
}

/**
 * Directories below `dir` in walk order. Inside a walked directory, an entry that cannot be stat'ed (a broken
 * symbolic link, a link loop) is an input error when its name is one we would read, and skipped otherwise; a
 * symbolic link back to a directory being walked is an input error (a loop), never endless recursion.
 */
function walk(dir: string, wanted: RegExp, out: string[], onPath: Set<string>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw ioError(e, dir);
  }
  for (const e of entries) {
    if (e.startsWith(".")) continue;
    const f = join(dir, e);
    let st: Stats;
    try {
      st = statSync(f);
    } catch (err) {
      if (wanted.test(f)) throw ioError(err, f);
      continue;
    }
    if (st.isDirectory()) {
      let real: string;
      try {
        real = realpathSync(f);
      } catch (err) {
        throw ioError(err, f);
      }
      if (onPath.has(real)) throw new InputError("symbolic link loop: the directory contains itself", f);
      onPath.add(real);
      walk(f, wanted, out, onPath);
      onPath.delete(real);
    } else if (wanted.test(f)) out.push(f);
  }
}

/** Expand directories into their .yaml/.yml/.json files (sorted, recursive); `-` (standard input) is kept as is. */
export function expandPaths(paths: readonly string[], wanted: RegExp = YAML_FILE): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === STDIN) {
      out.push(p);
      continue;
    }
    if (statOrFail(p).isDirectory()) {
      let real: string;
      try {
        real = realpathSync(p);
      } catch (e) {
        throw ioError(e, p);
      }
      walk(p, wanted, out, new Set([real]));
    } else out.push(p);
  }
  return out;
}

/** Expand directories into their .rego and data (.yaml/.yml/.json) files (sorted, recursive). */
export function expandRegoPaths(paths: readonly string[]): string[] {
  return expandPaths(paths, /\.(rego|ya?ml|json)$/i);
}

/** The text of a file, or of standard input for `-` (bounded; one-line errors naming the path). */
export function readText(file: string): string {
  return readBoundedText(file, displayName(file));
}

/** How a file argument is named in messages and reports: `<stdin>` for `-`. */
export function displayName(file: string): string {
  return file === STDIN ? STDIN_NAME : file;
}

/** Every document of the files (directories expanded; `-` is standard input), read as kubectl reads YAML. */
export function readDocuments(paths: readonly string[]): LoadedDoc[] {
  const docs: LoadedDoc[] = [];
  for (const f of expandPaths(paths)) docs.push(...parseDocuments(readText(f), displayName(f), { schema: "kubectl" }));
  return docs;
}

// --- writing ----------------------------------------------------------------------------------------------------

/**
 * Write a file via a temporary name in its directory and a rename, so nothing is left half-written; on failure the
 * temporary file is removed and the error is one line naming the path.
 */
export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const err = ioError(e, dir, "cannot create the directory");
    throw (e as NodeJS.ErrnoException).code === "EEXIST" || (e as NodeJS.ErrnoException).code === "ENOTDIR"
      ? new InputError("cannot create the directory: a part of the path is a file", dir)
      : err;
  }
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    writeFileSync(tmp, content, { flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was created, or it cannot be removed: the write error is what to report
    }
    throw ioError(e, path, "cannot write");
  }
}

/** Print an input error (exit 2); rethrow anything else. */
export function reportInputError(e: unknown, io: Streams): number {
  if (e instanceof InputError) {
    io.err(`error: ${e.message}\n`);
    return EXIT.badInput;
  }
  throw e;
}
