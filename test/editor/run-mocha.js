// Runs mocha suites inside the VS Code extension host. The extension host loads the
// `extensionTestsPath` module and awaits its `run()`, so a tests index.js looks like:
//
//   const path = require("node:path");
//   const { runMocha } = require("<repository>/test/editor/run-mocha.js");
//   exports.run = () => runMocha([path.join(__dirname, "commands.test.js")]);
//
// This file is plain CommonJS because the extension host runs JavaScript as it is, without
// tsx. Mocha's output goes through console.log, which the extension host forwards to the
// workbench (and from there to the harness through codeAutomationLog).

"use strict";

// mocha 12 is an ES module. Node 20.19 and newer load it with require(), which returns the
// module namespace, so the Mocha class is its default export.
const mochaModule = require("mocha");
const Mocha = mochaModule.default || mochaModule;

/**
 * Runs the given suite files (absolute paths, CommonJS) with mocha's BDD globals (describe, it),
 * prints a plain `N passed, N failed` line, and resolves when all pass or rejects with the
 * failure count.
 *
 * @param {string[]} files
 * @param {{ timeoutMs?: number, grep?: string }} [options]
 * @returns {Promise<void>}
 */
function runMocha(files, options = {}) {
  if (!Array.isArray(files) || files.length === 0) {
    return Promise.reject(new Error("runMocha: no suite files were given."));
  }
  const mocha = new Mocha({
    ui: "bdd",
    reporter: "spec",
    color: false,
    timeout: options.timeoutMs ?? 20000,
    grep: options.grep,
  });
  for (const file of files) {
    mocha.addFile(file);
  }

  return new Promise((resolve, reject) => {
    let runner;
    try {
      runner = mocha.run((failures) => {
        const passed = runner.stats ? runner.stats.passes : 0;
        const failed = runner.stats ? runner.stats.failures : failures;
        console.log(`${passed} passed, ${failed} failed`);
        if (failures > 0) {
          reject(new Error(`${failures} mocha test(s) failed.`));
        } else {
          resolve();
        }
      });
    } catch (error) {
      // A suite file that throws while loading ends up here, before any test runs.
      console.error(error);
      reject(error);
    }
  });
}

module.exports = { runMocha };
