// Rebuilds dist/server.js and dist/embedded-host.js with their packages bundled in, and copies
// the WebAssembly and data files they load next to them, so the .vsix works without
// node_modules. `npm run build` keeps packages external, which suits the CLI run from the repository.
//
// How the copied files are found once bundled:
// - libpg-query (Emscripten, CommonJS) loads `libpg-query.wasm` from `__dirname`, the bundle's folder.
// - PGlite's CommonJS build resolves `pglite.wasm`, `initdb.wasm` and `pglite.data` relative to
//   `file:${__filename}`, the bundle. Its ES module build would use import.meta.url, which a
//   CommonJS bundle lacks, so the import is pointed at the CommonJS build.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve("@electric-sql/pglite"));
const libpgQueryWasm = join(dirname(require.resolve("libpg-query")), "libpg-query.wasm");

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: false,
  minify: true,
  keepNames: true,
  logLevel: "warning",
  // pg loads pg-native only when asked for it, and the engine resolves tsx only when run from .ts sources; a bundle does neither.
  external: ["pg-native", "tsx"],
  alias: { "@electric-sql/pglite": join(pgliteDist, "index.cjs") },
};

mkdirSync("dist", { recursive: true });
await Promise.all([
  build({ ...common, entryPoints: ["server/src/main.ts"], outfile: "dist/server.js" }),
  build({ ...common, entryPoints: ["engine/database/embedded-host.ts"], outfile: "dist/embedded-host.js" }),
]);

copyFileSync(libpgQueryWasm, "dist/libpg-query.wasm");
for (const file of ["pglite.wasm", "initdb.wasm", "pglite.data"]) copyFileSync(join(pgliteDist, file), join("dist", file));
console.log("Bundled dist/server.js and dist/embedded-host.js with their packages, and copied libpg-query.wasm, pglite.wasm, initdb.wasm and pglite.data to dist/.");
