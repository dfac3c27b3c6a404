// Throwaway PostgreSQL clusters for tests and benchmarks.
//
// startCluster() runs initdb into a new temporary directory, starts the server on a free
// 127.0.0.1 port with its unix socket in the same directory, and creates the two roles that
// tests use (see TEST_ROLES). stopCluster() stops the server and removes the directory.
//
// initdb refuses to run as root, so as root every PostgreSQL binary runs as the `postgres`
// user through runuser, and the directory is created outside /root so that user can enter it.
//
// Run directly, `node scripts/pg-cluster.mjs COMMAND [ARGS...]` starts a cluster, runs
// COMMAND with the SYNCED_VIEWS_TEST_PG_* variables and PGHOST/PGPORT/PGUSER/PGDATABASE
// set, stops the cluster and exits with COMMAND's exit code.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUPERUSER = 'postgres';

/** Roles created in every cluster, besides the superuser. */
export const TEST_ROLES = {
  /** Must log in over TCP with a scram-sha-256 password; unix socket logins are rejected. */
  passwordUser: 'sv_password_user',
  /** Logs in without a password and has no privileges beyond those granted to PUBLIC. */
  limitedUser: 'sv_limited',
};

/** Environment variable that fixes the password of TEST_ROLES.passwordUser. */
export const PASSWORD_ENV = 'SYNCED_VIEWS_TEST_PG_PASSWORD_USER_PASSWORD';

const HOST = '127.0.0.1';
const START_ATTEMPTS = 3;

/**
 * Returns the directory that contains initdb, pg_ctl and psql: the one `pg_config --bindir`
 * prints, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
 */
export function findPostgresBinDir() {
  const candidates = [];
  if (process.env.SYNCED_VIEWS_PG_BINDIR) {
    candidates.push(process.env.SYNCED_VIEWS_PG_BINDIR);
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config comes from libpq-dev or the server package; its absence is not an error.
  }
  const debianRoot = '/usr/lib/postgresql';
  if (fs.existsSync(debianRoot)) {
    const versions = fs
      .readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      candidates.push(path.join(debianRoot, version, 'bin'));
    }
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found: looked in ' +
        (candidates.length > 0 ? candidates.join(', ') : 'pg_config --bindir and /usr/lib/postgresql/*/bin') +
        '. Install them with `apt-get install -y postgresql` or set SYNCED_VIEWS_PG_BINDIR.',
    );
  }
  return found;
}

/** Resolves to a TCP port on 127.0.0.1 that was free a moment ago. */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookupUserIds(name) {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

// Runs a PostgreSQL binary, as the postgres user when this process is root.
function runPostgresBinary(binDir, name, args, options = {}) {
  const binary = path.join(binDir, name);
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  return execFileSync(command, commandArgs, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

function describeFailure(error) {
  const output = [error.stdout, error.stderr].filter((text) => typeof text === 'string' && text.trim() !== '').join('\n');
  return output.trim() || error.message;
}

function createClusterDirectory() {
  // The postgres user cannot enter /root, which is where TMPDIR may point when root.
  let parent = os.tmpdir();
  if (isRoot() && (parent === '/root' || parent.startsWith('/root/'))) {
    parent = '/tmp';
  }
  const dir = fs.mkdtempSync(path.join(parent, 'synced-views-pg-'));
  if (isRoot()) {
    const { uid, gid } = lookupUserIds('postgres');
    fs.chownSync(dir, uid, gid);
  }
  return dir;
}

// The superuser and sv_limited log in without a password. sv_password_user must send a
// scram-sha-256 password over TCP, and its unix socket logins are rejected.
function hbaConfig() {
  const user = TEST_ROLES.passwordUser;
  return [
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    `local   all  ${user}  reject`,
    `host    all  ${user}  127.0.0.1/32  scram-sha-256`,
    `host    all  ${user}  ::1/128  scram-sha-256`,
    'local   all  all  trust',
    'host    all  all  127.0.0.1/32  trust',
    'host    all  all  ::1/128  trust',
    '',
  ].join('\n');
}

function quoteLiteral(value) {
  return `'${String(value).replace(/'/g, "''")}'`;
}

function initCluster(binDir, dir) {
  const dataDir = path.join(dir, 'data');
  try {
    runPostgresBinary(binDir, 'initdb', [
      '-A',
      'trust',
      '--no-sync',
      '-U',
      SUPERUSER,
      '--encoding=UTF8',
      '--locale=C',
      '-D',
      dataDir,
    ]);
  } catch (error) {
    throw new Error(`initdb failed for ${dataDir}: ${describeFailure(error)}`);
  }
  // initdb made the data directory owned by the user it ran as, so this write keeps that owner.
  fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), hbaConfig());
  return dataDir;
}

function serverOptions(port, socketDir) {
  // fsync, full-page writes and synchronous commit only protect data against crashes,
  // and the cluster is deleted after the run anyway.
  return [
    `-c listen_addresses=${HOST}`,
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c synchronous_commit=off',
  ].join(' ');
}

function readLogTail(logFile) {
  try {
    return fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

async function startServer(binDir, dir, dataDir) {
  const logFile = path.join(dir, 'server.log');
  let lastFailure = '';
  // Another process may take the port between findFreePort and the server's bind, so a
  // failed start is retried on a new port.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    try {
      runPostgresBinary(binDir, 'pg_ctl', ['-w', '-D', dataDir, '-l', logFile, '-o', serverOptions(port, dir), 'start']);
      return port;
    } catch (error) {
      lastFailure = `${describeFailure(error)}\n${readLogTail(logFile)}`;
    }
  }
  throw new Error(`PostgreSQL failed to start after ${START_ATTEMPTS} attempts: ${lastFailure}`);
}

function runSql(binDir, socketDir, port, sql) {
  try {
    runPostgresBinary(binDir, 'psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      socketDir,
      '-p',
      String(port),
      '-U',
      SUPERUSER,
      '-d',
      'postgres',
      '-c',
      sql,
    ]);
  } catch (error) {
    throw new Error(`psql failed to run setup SQL: ${describeFailure(error)}`);
  }
}

/**
 * Creates and starts a throwaway cluster. Resolves to a handle:
 * { host, port, url, dir, dataDir, socketDir, binDir, superuser,
 *   passwordUser: { name, password }, limitedUser, env }
 * where `url` connects as the superuser over TCP and `env` contains the
 * SYNCED_VIEWS_TEST_PG_* variables that describe the cluster to tests.
 */
export async function startCluster() {
  const binDir = findPostgresBinDir();
  const dir = createClusterDirectory();
  const handle = { host: HOST, port: 0, dir, dataDir: path.join(dir, 'data'), socketDir: dir, binDir, started: false };

  try {
    initCluster(binDir, dir);
    handle.port = await startServer(binDir, dir, handle.dataDir);
    handle.started = true;

    const password = process.env[PASSWORD_ENV] || randomBytes(18).toString('base64url');
    runSql(
      binDir,
      dir,
      handle.port,
      `CREATE ROLE ${TEST_ROLES.passwordUser} LOGIN PASSWORD ${quoteLiteral(password)}; ` +
        `CREATE ROLE ${TEST_ROLES.limitedUser} LOGIN;`,
    );

    const url = `postgres://${SUPERUSER}@${HOST}:${handle.port}/postgres`;
    return {
      ...handle,
      url,
      superuser: SUPERUSER,
      passwordUser: { name: TEST_ROLES.passwordUser, password },
      limitedUser: TEST_ROLES.limitedUser,
      env: {
        SYNCED_VIEWS_TEST_PG_URL: url,
        SYNCED_VIEWS_TEST_PG_PORT: String(handle.port),
        [PASSWORD_ENV]: password,
      },
    };
  } catch (error) {
    stopCluster(handle);
    throw error;
  }
}

/**
 * Stops the server immediately and removes the cluster directory. Synchronous so that
 * signal and exit handlers can call it; calling it twice is harmless.
 */
export function stopCluster(handle) {
  if (!handle || handle.stopped) {
    return;
  }
  handle.stopped = true;
  if (handle.started !== false && fs.existsSync(path.join(handle.dataDir, 'postmaster.pid'))) {
    try {
      runPostgresBinary(handle.binDir, 'pg_ctl', ['-w', '-D', handle.dataDir, '-m', 'immediate', 'stop']);
    } catch (error) {
      process.stderr.write(`pg-cluster: pg_ctl stop failed for ${handle.dataDir}: ${describeFailure(error)}\n`);
    }
  }
  fs.rmSync(handle.dir, { recursive: true, force: true });
}

async function runCommandWithCluster(command, args) {
  const cluster = await startCluster();
  const env = {
    ...process.env,
    ...cluster.env,
    PGHOST: cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: cluster.superuser,
    PGDATABASE: 'postgres',
  };
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const exitCode = await new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`pg-cluster: failed to run ${command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + os.constants.signals[signal] : 1)));
  });
  stopCluster(cluster);
  return exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: node scripts/pg-cluster.mjs COMMAND [ARGS...]\n');
    process.exit(2);
  }
  runCommandWithCluster(command, args).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`pg-cluster: ${error.message}\n`);
      process.exit(1);
    },
  );
}
