// The test command: starts one throwaway PostgreSQL cluster, runs Node's test runner over
// every *.test.ts file in the given folders (default: test/unit, test/db, test/corpus), and
// always stops the cluster again.
//
//   node scripts/run-tests.mjs [FOLDER_OR_FILE...]
//
// Test files run one at a time (--test-concurrency=1) because they share the cluster.
// Besides the runner's own summary, the last line printed is `N passed, N failed`, which
// CI systems that do not parse Node's summary recognise. The TAP copy of the output is
// kept in test-results/node-test-<pid>.tap.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, stopCluster } from './pg-cluster.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_FOLDERS = ['test/unit', 'test/db', 'test/corpus', 'test/cli', 'test/protocol', 'test/client', 'test/editor'];
// One file per run, so runs started side by side never read each other's results.
const TAP_FILE = path.join(repoRoot, 'test-results', `node-test-${process.pid}.tap`);

function collectTestFiles(entries) {
  const files = [];
  for (const entry of entries) {
    const absolute = path.resolve(repoRoot, entry);
    if (!fs.existsSync(absolute)) {
      console.log(`run-tests: skipping ${entry}: not found`);
      continue;
    }
    if (fs.statSync(absolute).isFile()) {
      files.push(absolute);
      continue;
    }
    const found = fs
      .readdirSync(absolute, { recursive: true })
      .map((name) => path.join(absolute, String(name)))
      .filter((file) => file.endsWith('.test.ts') && !file.includes(`${path.sep}node_modules${path.sep}`))
      .filter((file) => fs.statSync(file).isFile())
      .sort();
    if (found.length === 0) {
      console.log(`run-tests: skipping ${entry}: no *.test.ts files`);
    }
    files.push(...found);
  }
  return files;
}

// Sets SYNCED_VIEWS_SHARED to the shared data folder beside the repository, where CI puts a
// copy of it. Tests read the data in place, so it is never copied into the repository.
function locateSharedData(env) {
  if (env.SYNCED_VIEWS_SHARED) {
    return;
  }
  const shared = path.resolve(repoRoot, '..', 'shared');
  if (fs.existsSync(shared) && fs.statSync(shared).isDirectory()) {
    env.SYNCED_VIEWS_SHARED = shared;
    console.log(`run-tests: SYNCED_VIEWS_SHARED=${shared}`);
  }
}

/** Counts passed and failed tests from the TAP summary lines (`# pass N`, `# fail N`). */
export function countResults(tap) {
  const read = (label) => {
    const matches = [...tap.matchAll(new RegExp(`^# ${label} (\\d+)$`, 'gm'))];
    const last = matches[matches.length - 1];
    return last ? Number(last[1]) : undefined;
  };
  const passed = read('pass');
  const failed = read('fail');
  if (passed === undefined || failed === undefined) {
    return undefined;
  }
  // A cancelled test (its file crashed or timed out) did not pass, so it counts as failed.
  return { passed, failed: failed + (read('cancelled') ?? 0) };
}

function runNodeTests(files, env) {
  fs.mkdirSync(path.dirname(TAP_FILE), { recursive: true });
  fs.rmSync(TAP_FILE, { force: true });
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${TAP_FILE}`,
    ...files,
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
  return {
    child,
    exit: new Promise((resolve) => {
      child.on('error', (error) => {
        console.error(`run-tests: failed to start the test runner: ${error.message}`);
        resolve(1);
      });
      child.on('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 0)));
    }),
  };
}

function printCounts() {
  const tap = fs.existsSync(TAP_FILE) ? fs.readFileSync(TAP_FILE, 'utf8') : '';
  const counts = countResults(tap);
  if (counts) {
    console.log(`${counts.passed} passed, ${counts.failed} failed`);
  } else {
    console.log(`run-tests: the test runner stopped before writing its summary to ${path.relative(repoRoot, TAP_FILE)}`);
  }
}

async function main() {
  const entries = process.argv.slice(2);
  const files = collectTestFiles(entries.length > 0 ? entries : DEFAULT_FOLDERS);
  if (files.length === 0) {
    console.error('run-tests: no test files found, so nothing was tested');
    return 1;
  }

  const env = { ...process.env };
  locateSharedData(env);

  let cluster;
  let child;
  const cleanUp = () => stopCluster(cluster);
  const onSignal = (signal) => {
    // The runner normally gets the same signal from the terminal; forwarding covers `kill`.
    child?.kill(signal);
    cleanUp();
    process.exit(128 + os.constants.signals[signal]);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanUp);

  try {
    const started = Date.now();
    cluster = await startCluster();
    console.log(`run-tests: PostgreSQL on 127.0.0.1:${cluster.port} started in ${Date.now() - started} ms`);
    Object.assign(env, cluster.env);
  } catch (error) {
    console.error(`run-tests: could not start the test PostgreSQL: ${error.message}`);
    return 1;
  }

  try {
    const run = runNodeTests(files, env);
    child = run.child;
    const exitCode = await run.exit;
    printCounts();
    return exitCode;
  } finally {
    cleanUp();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`run-tests: ${error.stack ?? error}`);
      process.exit(1);
    },
  );
}
