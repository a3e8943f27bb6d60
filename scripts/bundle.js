// `npm run build` (and so `npm ci`, through `prepare`), after tsc: bundles the compiled CLI (dist/src/cli/main.js)
// into dist/bundle/ with esbuild, so that starting `migrate` reads a handful of files instead of resolving, reading
// and linking some two hundred ES modules. Code splitting keeps what main.ts imports lazily lazy: each command's
// implementation (and the YAML reader, the CEL environments, converters, engines it needs) is a chunk loaded only when
// that command runs. The repo-mode worker is an entry of its own beside the chunks, where src/repo/tasks.ts looks for
// it (`./worker.js` next to itself). bin/migrate.js runs the bundle only while it is newer than the tsc output it was
// made from. Linked source maps map stack traces back to dist/ under `node --enable-source-maps bin/migrate.js`.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const outdir = at("dist/bundle");

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: at("dist/src/cli/main.js"), worker: at("dist/src/repo/worker.js") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  sourcemap: "linked",
  // commander is CommonJS: the require() calls it makes (of Node built-ins) need a require inside an ES module
  banner: { js: 'import { createRequire as __migrateRequire } from "node:module"; const require = __migrateRequire(import.meta.url);' },
  logLevel: "warning",
});
