#!/usr/bin/env node
// Runs the bundled command line; `npm run build` writes dist/cli.js.
const path = require("node:path");
const fs = require("node:fs");
const bundle = path.join(__dirname, "..", "dist", "cli.js");
if (!fs.existsSync(bundle)) {
  process.stderr.write("synced-views: dist/cli.js is missing; run `npm run build` in the synced-views folder first.\n");
  process.exit(2);
}
require(bundle);
