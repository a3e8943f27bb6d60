// The git edge of `migrate review`: locating the repository, resolving refs to commits, and materializing a commit's
// tree (or the subtree under the current directory) into a fresh directory through `git ls-tree` and
// `git cat-file --batch` — the user's checkout, index and worktree are never touched, and .gitattributes
// export-ignore does not hide files (as `git archive` would). git runs with argument arrays, no shell.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../input/yaml.js";

/** Run git in `cwd`; resolves to stdout, rejects with an InputError carrying git's first stderr line. */
export function git(cwd: string, args: readonly string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn("git", [...args], { cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } });
    } catch (e) {
      reject(new InputError(`cannot run git: ${(e as Error).message}`, cwd));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new InputError(`cannot run git: ${e.message}`, cwd)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const msg = Buffer.concat(err).toString("utf8").trim().split("\n")[0] || `git ${args[0]} exited with ${code}`;
        reject(new InputError(msg.replace(/^fatal: /, ""), cwd));
      }
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

const text = async (cwd: string, args: readonly string[]): Promise<string> => (await git(cwd, args)).toString("utf8").trim();

/** The repository's top level and the directory's path below it (`""` or `policies/`). */
export async function locateRepository(dir: string): Promise<{ root: string; prefix: string }> {
  if (!existsSync(dir)) throw new InputError("no such directory", dir);
  let inside: string;
  try {
    inside = await text(dir, ["rev-parse", "--is-inside-work-tree"]);
  } catch (e) {
    const why = e instanceof InputError ? e.detail : String(e);
    throw new InputError(/not a git repository/i.test(why) ? "not a git repository" : why, dir);
  }
  if (inside !== "true") throw new InputError("not inside a git work tree", dir);
  const [root, prefix] = (await text(dir, ["rev-parse", "--show-toplevel", "--show-prefix"])).split("\n");
  return { root: root!, prefix: prefix ?? "" };
}

/** The commit a ref names; an InputError (naming the ref) when it names none. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  if (!ref || ref.startsWith("-")) throw new InputError(`not a git ref: ${JSON.stringify(ref)}`, "<flags>");
  try {
    return await text(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new InputError(`unknown git ref ${JSON.stringify(ref)} (fetch it first, e.g. with actions/checkout fetch-depth: 0)`, root);
  }
}

/** The object id of a commit's tree at `prefix` (the whole tree for ""), or "" when that path does not exist there. */
export async function treeId(root: string, commit: string, prefix: string): Promise<string> {
  try {
    return await text(root, ["rev-parse", "--verify", "--quiet", `${commit}:${prefix.replace(/\/$/, "")}`]);
  } catch {
    return "";
  }
}

interface TreeEntry {
  mode: string;
  oid: string;
  path: string;
}

/** `git ls-tree -r -z` output: regular files and symbolic links (submodules are left out). */
export function parseLsTree(out: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const rec of out.toString("utf8").split("\0")) {
    if (!rec) continue;
    const tab = rec.indexOf("\t");
    const [mode, type, oid] = rec.slice(0, tab).split(" ");
    const path = rec.slice(tab + 1);
    if (type !== "blob" || !mode || !oid) continue;
    const parts = path.split("/");
    if (path.startsWith("/") || parts.some((s) => s === ".." || s === "." || s === "" || s === ".git")) continue;
    entries.push({ mode, oid, path });
  }
  return entries;
}

/** `git cat-file --batch` output split into object contents by id. */
export function parseCatFileBatch(out: Buffer): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = out.subarray(at, nl).toString("utf8");
    const [oid, type, size] = header.split(" ");
    if (type === "missing" || size === undefined) throw new Error(`git cat-file: ${header}`);
    const n = Number(size);
    objects.set(oid!, out.subarray(nl + 1, nl + 1 + n));
    at = nl + 1 + n + 1;
  }
  return objects;
}

/** Write the files of `commit` under `prefix` into `dest` (which must exist), at their repository-relative paths. */
export async function materialize(root: string, commit: string, prefix: string, dest: string): Promise<number> {
  const args = ["ls-tree", "-r", "-z", "--full-tree", commit];
  if (prefix) args.push("--", prefix.replace(/\/$/, ""));
  const entries = parseLsTree(await git(root, args));
  if (!entries.length) return 0;
  const oids = [...new Set(entries.map((e) => e.oid))];
  const objects = parseCatFileBatch(await git(root, ["cat-file", "--batch"], Buffer.from(oids.join("\n") + "\n")));
  for (const e of entries) {
    const abs = join(dest, ...e.path.split("/"));
    const body = objects.get(e.oid) ?? Buffer.alloc(0);
    mkdirSync(dirname(abs), { recursive: true });
    if (e.mode === "120000") {
      try {
        symlinkSync(body.toString("utf8"), abs);
      } catch {
        // no symbolic links here (Windows without the privilege): the repo walk would not have followed it anywhere else
      }
    } else writeFileSync(abs, body, { mode: e.mode === "100755" ? 0o755 : 0o644 });
  }
  return entries.length;
}
