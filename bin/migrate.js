#!/usr/bin/env node
// The `migrate` launcher: runs the CLI built by `npm ci` (the prepare script, `npm run build`): the bundle in
// dist/bundle/ (scripts/bundle.js) while it is newer than the TypeScript output it was made from, else that output
// (dist/src/) itself, so a plain `tsc -p tsconfig.build.json` rebuild is never shadowed by an older bundle.
import { statSync } from "node:fs";
import module from "node:module";

// Node ≥ 22.1 keeps compiled code between runs (a no-op where the API does not exist, e.g. Node 20)
module.enableCompileCache?.();

const mtime = (p) => {
  try {
    return statSync(new URL(p, import.meta.url)).mtimeMs;
  } catch {
    return undefined;
  }
};
const bundle = mtime("../dist/bundle/main.js");
const compiled = mtime("../dist/src/cli/main.js");
const { main } = await import(bundle !== undefined && (compiled === undefined || bundle >= compiled) ? "../dist/bundle/main.js" : "../dist/src/cli/main.js");

// `migrate … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`migrate: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
