// The one bounded reader every input goes through (the CLI's files and `-`, `migrate repo`'s files): regular files
// only (a FIFO, device or socket is refused before it is read, so nothing blocks), at most LIMITS.maxBytes counted as
// bytes actually read (never trusting stat: /dev/zero or a file growing mid-read stops at the limit), a NUL byte in
// the first 8 KiB marks a binary file, and every failure is a one-line InputError naming the path. `-` is standard
// input, read once.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from "node:fs";
import { InputError, LIMITS } from "./yaml.js";

/** The file argument that means standard input, and the name errors give it. */
export const STDIN = "-";
export const STDIN_NAME = "<stdin>";

/** A one-line reason for a failed file-system call, naming `path` (`fsPath`: where it is, when that differs). */
export function ioError(e: unknown, path: string, verb = "cannot read", fsPath: string = path): InputError {
  if (e instanceof InputError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return new InputError(isSymlink(fsPath) ? "broken symbolic link (its target does not exist)" : "no such file or directory", path);
    case "ELOOP":
      return new InputError("symbolic link loop (too many levels of symbolic links)", path);
    case "EACCES":
    case "EPERM":
      return new InputError(`${verb}: permission denied`, path);
    case "ENOTDIR":
      return new InputError("not a directory: a part of the path is a file", path);
    case "EISDIR":
      return new InputError("is a directory, not a file", path);
    case "ENAMETOOLONG":
      return new InputError("file name too long", path);
    case "EROFS":
      return new InputError(`${verb}: read-only file system`, path);
    case "ENOSPC":
      return new InputError(`${verb}: no space left on device`, path);
    default:
      return new InputError(`${verb} (${code ?? (e instanceof Error ? e.message.split("\n")[0] : String(e))})`, path);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** What a non-regular file is, for the message refusing it. */
function typeOf(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** Block the thread briefly (a non-blocking standard input with nothing to read yet). */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Every byte of an open descriptor, at most LIMITS.maxBytes (one more is read to tell), as UTF-8 text. */
function readDescriptor(fd: number, display: string, what: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.alloc(1 << 16);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        pause(5);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw ioError(e, display);
    }
    if (n === 0) break;
    total += n;
    if (total > LIMITS.maxBytes) throw new InputError(`file is over the ${LIMITS.maxBytes}-byte limit`, display);
    chunks.push(buf.subarray(0, n));
  }
  const data = Buffer.concat(chunks);
  if (data.subarray(0, 8192).includes(0)) throw new InputError(`binary file, not ${what}`, display);
  return data.toString("utf8");
}

// --- standard input ---------------------------------------------------------------------------------------------

/** Where `-` reads from: file descriptor 0 unless a test gives the text (withStdin). */
let stdinSource: () => string = () => readDescriptor(0, STDIN_NAME, "text");
let stdinUsed = false;

/** Run `fn` with `text` as standard input (in-process CLI runs); `-` may then be read once. */
export async function withStdin<T>(text: string, fn: () => Promise<T>): Promise<T> {
  const saved = { source: stdinSource, used: stdinUsed };
  stdinSource = () => {
    if (Buffer.byteLength(text) > LIMITS.maxBytes) throw new InputError(`file is over the ${LIMITS.maxBytes}-byte limit`, STDIN_NAME);
    if (text.slice(0, 8192).includes("\0")) throw new InputError("binary file, not text", STDIN_NAME);
    return text;
  };
  stdinUsed = false;
  try {
    return await fn();
  } finally {
    stdinSource = saved.source;
    stdinUsed = saved.used;
  }
}

function readStdin(): string {
  if (stdinUsed) throw new InputError("standard input can be read only once: give `-` once", STDIN_NAME);
  stdinUsed = true;
  return stdinSource();
}

// --- files ------------------------------------------------------------------------------------------------------

/**
 * The text of `path` (`-`: standard input), read as the bounded reader above; `display` names it in errors. The
 * file is opened non-blocking (opening a FIFO with no writer would otherwise hang) and refused unless fstat says it
 * is a regular file, so a device such as /dev/zero is never read.
 */
export function readBoundedText(path: string, display: string = path): string {
  if (path === STDIN) return readStdin();
  const what = /\.rego$/i.test(path) ? "Rego" : "YAML";
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw ioError(e, display, "cannot read", path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError("is a directory, not a file", display);
    if (!st.isFile()) throw new InputError(`not a regular file (${typeOf(st)}): pipe it into \`-\` instead`, display);
    return readDescriptor(fd, display, what);
  } catch (e) {
    throw ioError(e, display, "cannot read", path);
  } finally {
    closeSync(fd);
  }
}

