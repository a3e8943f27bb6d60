// Walking a policy repository: every file under the root in sorted order, as `/`-separated paths relative to it,
// honouring .gitignore files at every level (and never entering .git). A symbolic link is followed only when its
// target lies inside the root (a link out of the tree, a broken link or a loop is reported and skipped).
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { ignoreVerdict, parseIgnoreFile, type IgnoreRule } from "./gitignore.js";

export interface WalkResult {
  files: string[];
  /** Entries left out with a reason (links out of the tree, unreadable directories…). */
  skipped: { path: string; reason: string }[];
}

interface IgnoreScope {
  /** Directory of the .gitignore, relative to the root ("" for the root). */
  base: string;
  rules: IgnoreRule[];
}

const toPosix = (p: string): string => p.split(sep).join("/");

/** Deeper .gitignore files take precedence over shallower ones; within one file the last match wins. */
function ignored(scopes: readonly IgnoreScope[], relPath: string, isDir: boolean): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i]!;
    const sub = scope.base ? relPath.slice(scope.base.length + 1) : relPath;
    const verdict = ignoreVerdict(scope.rules, sub, isDir);
    if (verdict !== undefined) return verdict;
  }
  return false;
}

function readIgnore(dirAbs: string, base: string): IgnoreScope | undefined {
  try {
    return { base, rules: parseIgnoreFile(readFileSync(join(dirAbs, ".gitignore"), "utf8")) };
  } catch {
    return undefined;
  }
}

/** Every file under `root` (sorted, relative, `/`-separated), with .gitignore honoured, links kept inside, and the
 *  directories in `exclude` (relative paths, e.g. the output directory) left out. */
export function walkTree(root: string, exclude: ReadonlySet<string> = new Set()): WalkResult {
  const rootReal = realpathSync(root);
  const inside = (real: string): boolean => real === rootReal || real.startsWith(rootReal + sep);
  const files: string[] = [];
  const skipped: WalkResult["skipped"] = [];
  const visited = new Set<string>([rootReal]);

  const visit = (dirAbs: string, dirRel: string, scopes: IgnoreScope[]): void => {
    let entries: string[];
    try {
      entries = readdirSync(dirAbs).sort();
    } catch (e) {
      skipped.push({ path: dirRel || ".", reason: `cannot read directory (${(e as NodeJS.ErrnoException).code ?? "error"})` });
      return;
    }
    const own = readIgnore(dirAbs, dirRel);
    const here = own ? [...scopes, own] : scopes;
    for (const name of entries) {
      if (name === ".git") continue;
      const abs = join(dirAbs, name);
      const rel = dirRel ? `${dirRel}/${name}` : name;
      let st;
      try {
        st = lstatSync(abs);
        if (st.isSymbolicLink()) {
          let real: string;
          try {
            real = realpathSync(abs);
          } catch {
            skipped.push({ path: rel, reason: "broken symbolic link" });
            continue;
          }
          if (!inside(real)) {
            skipped.push({ path: rel, reason: `symbolic link out of the tree (to ${toPosix(relative(rootReal, real))})` });
            continue;
          }
          st = statSync(abs);
          if (st.isDirectory() && visited.has(real)) {
            skipped.push({ path: rel, reason: "symbolic link loop" });
            continue;
          }
          if (st.isDirectory()) visited.add(real);
        }
      } catch (e) {
        skipped.push({ path: rel, reason: `cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})` });
        continue;
      }
      const isDir = st.isDirectory();
      if (ignored(here, rel, isDir) || (isDir && exclude.has(rel))) continue;
      if (isDir) {
        if (!st.isSymbolicLink()) visited.add(realpathSync(abs));
        visit(abs, rel, here);
      } else if (st.isFile()) files.push(rel);
      else skipped.push({ path: rel, reason: "not a regular file" });
    }
  };
  visit(rootReal, "", []);
  return { files, skipped };
}
