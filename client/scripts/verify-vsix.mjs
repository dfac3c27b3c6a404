// Checks that synced-views.vsix works on its own. It unzips the .vsix into a temp folder with no
// node_modules above it and starts extension/dist/server.js over stdio on a copy of the example
// project, which parses every view with libpg-query.wasm. Then it starts
// extension/dist/embedded-host.js (PGlite with its .wasm and .data files) to run a dry-run
// transaction. Uses only Node built-ins and python3 (for unzipping), so nothing resolves from
// the repository's node_modules.
// Usage: node client/scripts/verify-vsix.mjs [synced-views.vsix]
import { execFileSync, fork, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const vsix = resolve(process.argv[2] ?? "synced-views.vsix");
const root = mkdtempSync(join(tmpdir(), "synced-views-vsix-"));
const failures = [];

try {
  execFileSync("python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", vsix, root]);
  const extension = join(root, "extension");
  console.log(`Unzipped ${vsix} (${(statSync(vsix).size / 1024 / 1024).toFixed(2)} MB) into ${root}.`);

  const project = join(root, "project");
  cpSync(resolve("examples/insurance"), project, { recursive: true });
  const indexed = await initializeServer(join(extension, "dist", "server.js"), project);
  console.log(`server.js indexed the example: ${JSON.stringify(indexed)}`);
  if (indexed.loadError || !(indexed.views > 0)) failures.push(`server.js did not index the example project: ${JSON.stringify(indexed)}`);

  const version = await dryRunOnEmbedded(join(extension, "dist", "embedded-host.js"));
  console.log(`embedded-host.js ran a dry-run transaction on ${version}.`);
} catch (error) {
  failures.push(error instanceof Error ? error.stack ?? error.message : String(error));
} finally {
  rmSync(root, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`FAILED:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("The .vsix works without node_modules.");

/** Sends initialize and initialized, and resolves with the first syncedViews/projectIndexed notification. */
function initializeServer(serverPath, folder) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [serverPath, "--stdio"], { cwd: folder, stdio: ["pipe", "pipe", "pipe"] });
    let buffer = Buffer.alloc(0);
    let stderr = "";
    const timer = setTimeout(() => finish(new Error(`no projectIndexed notification within 60 s; stderr: ${stderr}`)), 60_000);
    const send = (message) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
      child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
      child.stdin.write(body);
    };
    const finish = (error, value) => {
      clearTimeout(timer);
      child.kill();
      if (error) reject(error);
      else resolvePromise(value);
    };
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => finish(new Error(`server.js exited with code ${code}; stderr: ${stderr}`)));
    child.stdout.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
        if (buffer.length < headerEnd + 4 + length) return;
        const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8"));
        buffer = buffer.subarray(headerEnd + 4 + length);
        if (message.id === 1 && message.result) send({ method: "initialized", params: {} });
        if (message.method === "client/registerCapability") send({ id: message.id, result: null });
        if (message.method === "syncedViews/projectIndexed") finish(undefined, message.params);
      }
    });
    const uri = pathToFileURL(folder).href;
    send({ id: 1, method: "initialize", params: { processId: process.pid, rootUri: uri, workspaceFolders: [{ uri, name: "project" }], capabilities: {}, initializationOptions: { trusted: true } } });
  });
}

/** Forks the PGlite host, creates a table and a view in a transaction, rolls back, and returns version(). */
function dryRunOnEmbedded(hostPath) {
  return new Promise((resolvePromise, reject) => {
    const child = fork(hostPath, [], { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "advanced" });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => fail(new Error(`embedded-host.js sent no reply within 60 s: ${output}`)), 60_000);
    const fail = (error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    const steps = [
      "BEGIN",
      "CREATE SCHEMA raw",
      "CREATE TABLE raw.members (id bigint, name text)",
      "CREATE VIEW raw.member_names AS SELECT id, upper(name) AS name FROM raw.members",
      "SELECT count(*) AS n FROM raw.member_names",
      "ROLLBACK",
    ];
    let version = "";
    let step = 0;
    const next = () => child.send({ id: step + 1, kind: "query", text: steps[step] });
    child.on("exit", (code) => fail(new Error(`embedded-host.js exited with code ${code}: ${output}`)));
    child.on("message", (message) => {
      if (message.kind === "ready") {
        version = message.version;
        next();
        return;
      }
      if (message.kind === "startup-error") return fail(new Error(message.message));
      if (message.error) return fail(new Error(`${steps[step]}: ${message.error.message}`));
      step++;
      if (step < steps.length) return next();
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.kill();
      resolvePromise(version);
    });
  });
}
