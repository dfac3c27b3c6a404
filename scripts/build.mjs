// Bundles the command line and the embedded-database host with esbuild. Packages stay
// external: they are installed beside the bundle, and libpg-query and PGlite load WASM files
// relative to their own folders.
import { build } from "esbuild";

const common = { bundle: true, platform: "node", format: "cjs", target: "node20", packages: "external", sourcemap: true, logLevel: "warning" };

await Promise.all([
  build({ ...common, entryPoints: ["cli/index.ts"], outfile: "dist/cli.js" }),
  build({ ...common, entryPoints: ["engine/database/embedded-host.ts"], outfile: "dist/embedded-host.js" }),
  build({ ...common, entryPoints: ["server/src/main.ts"], outfile: "dist/server.js" }),
  // The extension host provides the vscode module; everything else is bundled, because the .vsix ships no node_modules.
  build({ ...common, packages: undefined, external: ["vscode"], entryPoints: ["client/src/extension.ts"], outfile: "dist/extension.js" }),
]);
