// Connection settings for the warehouse PostgreSQL, resolved the way psql resolves them, and
// connection failures turned into messages that name the server and the fix.
//
// Every setting is read from the `env` passed in (process.env by default) and handed to pg
// explicitly, including the ~/.pgpass lookup. pg 8 reads PG* variables and ~/.pgpass on its
// own, but only from process.env, and it prints a deprecation warning for its ~/.pgpass
// support, which pg 9 removes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { parse as parseConnectionUrl } from 'pg-connection-string';

export interface ConnectionOptions {
  /** Connection URL (postgres://...) or libpq keyword/value string, e.g. from the --db flag. */
  url?: string;
  /** Environment to read DATABASE_URL, PG* variables and HOME from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** application_name to report when neither the URL nor PGAPPNAME sets one. */
  applicationName?: string;
}

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Origin of the settings, listed in precedence order. */
export type ConnectionSource = 'url' | 'DATABASE_URL' | 'environment';

/** Origin of the password. 'none' means no password was found. */
export type PasswordSource = 'url' | 'PGPASSWORD' | 'pgpass' | 'none';

export interface ResolvedConnection {
  /**
   * Settings to hand to `new pg.Client`. The password is a function, so the password never
   * appears when the config is logged or serialised. For sslmode prefer and allow, `ssl` is
   * false: connect() tries SSL first for prefer (as libpq does), a plain pg.Client does not.
   */
  config: ClientConfig;
  /** "user@host:port/database", never the password. */
  description: string;
  source: ConnectionSource;
  passwordSource: PasswordSource;
  /** The password file consulted, when no URL or PGPASSWORD password was given. */
  passwordFile?: string;
  sslmode: SslMode;
  /** Problems that did not stop resolution, such as an ignored password file. Callers log them. */
  warnings: string[];
}

export type ConnectionErrorCode = 'unreachable' | 'auth' | 'no-database' | 'permission' | 'timeout' | 'ssl' | 'other';

/** A failure to resolve settings or to connect; the message never contains the password. */
export class ConnectionError extends Error {
  readonly code: ConnectionErrorCode;
  /** SQLSTATE when the server sent an error, e.g. 28P01. */
  readonly sqlState?: string;

  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown; sqlState?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectionError';
    this.code = code;
    this.sqlState = options?.sqlState;
  }
}

/** libpq's default when neither the connection string nor PGCONNECT_TIMEOUT sets one. */
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** libpq treats connect_timeout values of 1 as 2 seconds. */
const MIN_CONNECT_TIMEOUT_SECONDS = 2;
const DEFAULT_PORT = 5432;
/** Socket directories that Debian's and upstream's libpq try when no host is given. */
const DEFAULT_SOCKET_DIRECTORIES = ['/var/run/postgresql', '/tmp'];
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * PG* variables that count as "a connection is configured". PGPASSWORD, PGSSLMODE,
 * PGAPPNAME and PGCONNECT_TIMEOUT alone do not name a server, so they do not count.
 */
const SERVER_VARIABLES = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER'] as const;

/** Connection parameters by their libpq keyword, before defaults are applied. */
interface ConnectionParameters {
  host?: string;
  hostaddr?: string;
  port?: string;
  dbname?: string;
  user?: string;
  password?: string;
  sslmode?: string;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  connect_timeout?: string;
  application_name?: string;
  options?: string;
}

const ENVIRONMENT_VARIABLES: Record<keyof ConnectionParameters, string> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  port: 'PGPORT',
  dbname: 'PGDATABASE',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  options: 'PGOPTIONS',
};

// ---------------------------------------------------------------------------------------
// Resolution

/**
 * Resolves connection settings. Precedence: the explicit url (the --db flag), then
 * DATABASE_URL, then the PG* variables. As in psql, parameters that a URL leaves out fall
 * back to the PG* variables and then to libpq's defaults. Without a password in the URL or
 * PGPASSWORD, the password comes from ~/.pgpass (or the file PGPASSFILE names).
 *
 * Returns undefined when no url, no DATABASE_URL and none of PGHOST, PGHOSTADDR, PGPORT,
 * PGDATABASE, PGUSER is set. Throws ConnectionError for invalid settings, and for PGSERVICE
 * when nothing else is set, because service files are not supported.
 */
export function resolveConnection(options: ConnectionOptions): ResolvedConnection | undefined {
  const env = options.env ?? process.env;
  const explicitUrl = options.url?.trim();
  const databaseUrl = env.DATABASE_URL?.trim();

  let source: ConnectionSource;
  let stringParameters: ConnectionParameters;
  if (explicitUrl) {
    source = 'url';
    stringParameters = parseConnectionString(explicitUrl, 'connection URL');
  } else if (databaseUrl) {
    source = 'DATABASE_URL';
    stringParameters = parseConnectionString(databaseUrl, 'DATABASE_URL');
  } else if (SERVER_VARIABLES.some((name) => nonEmpty(env[name]) !== undefined)) {
    source = 'environment';
    stringParameters = {};
  } else if (nonEmpty(env.PGSERVICE) !== undefined) {
    throw new ConnectionError(
      'other',
      `PGSERVICE is set to "${env.PGSERVICE}", but connection service files (pg_service.conf) are not supported. ` +
        'Set --db, DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGUSER instead.',
    );
  } else {
    return undefined;
  }

  const passwordInString = nonEmpty(stringParameters.password) !== undefined;
  const parameters = withEnvironmentDefaults(stringParameters, env);
  return buildResolvedConnection(source, parameters, env, options.applicationName, passwordInString);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function withEnvironmentDefaults(stringParameters: ConnectionParameters, env: NodeJS.ProcessEnv): ConnectionParameters {
  const merged: ConnectionParameters = {};
  for (const key of Object.keys(ENVIRONMENT_VARIABLES) as (keyof ConnectionParameters)[]) {
    merged[key] = nonEmpty(stringParameters[key]) ?? nonEmpty(env[ENVIRONMENT_VARIABLES[key]]);
  }
  return merged;
}

function buildResolvedConnection(
  source: ConnectionSource,
  parameters: ConnectionParameters,
  env: NodeJS.ProcessEnv,
  applicationName: string | undefined,
  passwordInString: boolean,
): ResolvedConnection {
  const warnings: string[] = [];
  const port = parsePort(parameters.port);
  const host = parameters.hostaddr ?? parameters.host ?? findDefaultHost(port);
  if (host.includes(',')) {
    throw new ConnectionError(
      'other',
      `host "${host}" lists several hosts, which is not supported. Set a single host in --db, DATABASE_URL or PGHOST.`,
    );
  }
  const user = parameters.user ?? currentUserName(env);
  const database = parameters.dbname ?? user;
  const sslmode = parseSslMode(parameters.sslmode, host);
  const connectTimeoutSeconds = parseConnectTimeout(parameters.connect_timeout);

  let password = parameters.password;
  let passwordSource: PasswordSource = 'none';
  let passwordFile: string | undefined;
  if (password !== undefined) {
    passwordSource = passwordInString ? 'url' : 'PGPASSWORD';
  } else {
    passwordFile = passwordFilePath(env);
    password = readPasswordFile(passwordFile, { host, port, database, user }, warnings);
    if (password !== undefined) {
      passwordSource = 'pgpass';
    }
  }

  const config: ClientConfig = {
    host,
    port,
    database,
    user,
    ssl: sslConfig(sslmode, parameters),
    connectionTimeoutMillis: connectTimeoutSeconds * 1000,
    application_name: parameters.application_name,
    fallback_application_name: applicationName,
    options: parameters.options,
  };
  // Always a function, even without a password: pg would otherwise fall back to
  // process.env.PGPASSWORD and its own ~/.pgpass lookup, ignoring `env`. pg treats a
  // function that returns undefined as "no password".
  const secret = password;
  config.password = (() => secret) as () => string;

  return {
    config,
    description: `${user}@${formatHostPort(host, port)}/${database}`,
    source,
    passwordSource,
    passwordFile,
    sslmode,
    warnings,
  };
}

function parsePort(text: string | undefined): number {
  if (text === undefined) {
    return DEFAULT_PORT;
  }
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new ConnectionError('other', `invalid port "${text}": expected a number from 1 to 65535.`);
  }
  return port;
}

function parseSslMode(text: string | undefined, host: string): SslMode {
  if (host.startsWith('/')) {
    // libpq never uses SSL over unix sockets.
    return 'disable';
  }
  const mode = text ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConnectionError('other', `invalid sslmode "${mode}": expected one of ${SSL_MODES.join(', ')}.`);
  }
  return mode as SslMode;
}

function parseConnectTimeout(text: string | undefined): number {
  if (text === undefined) {
    return DEFAULT_CONNECT_TIMEOUT_SECONDS;
  }
  if (!/^\s*-?\d+\s*$/.test(text)) {
    throw new ConnectionError('other', `invalid connect_timeout "${text}": expected a whole number of seconds.`);
  }
  const seconds = Number(text);
  // As in libpq, zero or a negative value waits without limit, which pg spells as 0 ms.
  if (seconds <= 0) {
    return 0;
  }
  return Math.max(seconds, MIN_CONNECT_TIMEOUT_SECONDS);
}

// Without a host, libpq connects to its compiled-in socket directory. This tries the usual
// directories and falls back to localhost over TCP when no server socket is there.
function findDefaultHost(port: number): string {
  for (const directory of DEFAULT_SOCKET_DIRECTORIES) {
    if (fs.existsSync(path.join(directory, `.s.PGSQL.${port}`))) {
      return directory;
    }
  }
  return 'localhost';
}

function currentUserName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    // os.userInfo throws when the uid has no passwd entry, as in some containers.
    return env.USER ?? env.USERNAME ?? 'postgres';
  }
}

function formatHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('/') ? `[${host}]:${port}` : `${host}:${port}`;
}

function sslConfig(mode: SslMode, parameters: ConnectionParameters): ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      // libpq's require encrypts without checking the certificate, unless a root certificate is given.
      return parameters.sslrootcert === undefined
        ? { rejectUnauthorized: false, ...readCertificateFiles(parameters) }
        : { ...readCertificateFiles(parameters), checkServerIdentity: () => undefined };
    case 'verify-ca':
      // Checks the certificate chain but not the host name.
      return { ...readCertificateFiles(parameters), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...readCertificateFiles(parameters) };
  }
}

function readCertificateFiles(parameters: ConnectionParameters): { ca?: string; cert?: string; key?: string } {
  const read = (file: string | undefined, description: string): string | undefined => {
    if (file === undefined) {
      return undefined;
    }
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConnectionError('ssl', `could not read the ${description} file ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    ca: read(parameters.sslrootcert, 'SSL root certificate (sslrootcert)'),
    cert: read(parameters.sslcert, 'SSL client certificate (sslcert)'),
    key: read(parameters.sslkey, 'SSL client key (sslkey)'),
  };
}

// ---------------------------------------------------------------------------------------
// Connection strings

function parseConnectionString(text: string, origin: string): ConnectionParameters {
  if (/^postgres(ql)?:\/\//i.test(text)) {
    return parseUrl(text, origin);
  }
  if (text.includes('=')) {
    return parseKeywordValue(text, origin);
  }
  throw new ConnectionError(
    'other',
    `Invalid ${origin} "${redactSecrets(text)}": expected postgres://user@host:port/database or "host=... dbname=...".`,
  );
}

function parseUrl(text: string, origin: string): ConnectionParameters {
  let parsed: Record<string, unknown>;
  try {
    // useLibpqCompat stops pg-connection-string from warning about sslmode values; its own
    // SSL settings are ignored below, and sslmode is interpreted by sslConfig instead.
    parsed = parseConnectionUrl(text, { useLibpqCompat: true });
  } catch (error) {
    throw new ConnectionError('other', `Invalid ${origin} "${redactSecrets(text)}": ${redactSecrets((error as Error).message)}`, {
      cause: error,
    });
  }
  const field = (name: string): string | undefined => {
    const value = parsed[name];
    if (typeof value === 'number') {
      return String(value);
    }
    if (typeof value === 'string' && value !== '') {
      return value;
    }
    return undefined;
  };
  return {
    host: field('host'),
    hostaddr: field('hostaddr'),
    port: field('port'),
    dbname: field('database') ?? field('dbname'),
    user: field('user'),
    password: field('password'),
    sslmode: field('sslmode'),
    sslrootcert: field('sslrootcert'),
    sslcert: field('sslcert'),
    sslkey: field('sslkey'),
    connect_timeout: field('connect_timeout'),
    application_name: field('application_name'),
    options: field('options'),
  };
}

/** Parses libpq's `keyword=value keyword='quoted value'` form; `\'` and `\\` escape inside quotes. */
function parseKeywordValue(text: string, origin: string): ConnectionParameters {
  const known = new Set(Object.keys(ENVIRONMENT_VARIABLES));
  const result: Record<string, string> = {};
  let index = 0;
  const skipSpace = () => {
    while (index < text.length && /\s/.test(text[index])) index++;
  };
  const fail = (reason: string): never => {
    throw new ConnectionError('other', `Invalid ${origin} "${redactSecrets(text)}": ${reason}.`);
  };

  skipSpace();
  while (index < text.length) {
    const keywordStart = index;
    while (index < text.length && /[A-Za-z0-9_]/.test(text[index])) index++;
    const keyword = text.slice(keywordStart, index);
    skipSpace();
    if (keyword === '' || text[index] !== '=') {
      fail(`expected keyword=value at position ${keywordStart + 1}`);
    }
    index++;
    skipSpace();

    let value = '';
    if (text[index] === "'") {
      index++;
      while (index < text.length && text[index] !== "'") {
        if (text[index] === '\\' && index + 1 < text.length) index++;
        value += text[index++];
      }
      if (index >= text.length) {
        fail(`unterminated quoted value for ${keyword}`);
      }
      index++;
    } else {
      while (index < text.length && !/\s/.test(text[index])) {
        if (text[index] === '\\' && index + 1 < text.length) index++;
        value += text[index++];
      }
    }
    if (!known.has(keyword)) {
      fail(`unsupported keyword "${keyword}" (supported: ${[...known].join(', ')})`);
    }
    result[keyword] = value;
    skipSpace();
  }
  return result as ConnectionParameters;
}

// ---------------------------------------------------------------------------------------
// Password file (~/.pgpass)

function passwordFilePath(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.PGPASSFILE) ?? path.join(env.HOME ?? os.homedir(), '.pgpass');
}

/**
 * Returns the password of the first line of the password file that matches, as libpq does:
 * lines are host:port:database:user:password, `*` matches anything, `\:` and `\\` are
 * escapes, `#` starts a comment line, and "localhost" also matches unix socket connections.
 * Like libpq, ignores the file (with a warning) when group or others may read it.
 */
function readPasswordFile(
  file: string,
  target: { host: string; port: number; database: string; user: string },
  warnings: string[],
): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) {
    warnings.push(`password file ${file} is not a plain file, so it was ignored.`);
    return undefined;
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    warnings.push(
      `password file ${file} has group or world access, so it was ignored. Restrict it with: chmod 600 ${file}`,
    );
    return undefined;
  }

  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    warnings.push(`password file ${file} could not be read: ${(error as Error).message}`);
    return undefined;
  }

  const hostForMatch = target.host.startsWith('/') ? 'localhost' : target.host;
  for (const line of content.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) {
      continue;
    }
    const fields = splitPasswordLine(line);
    if (fields.length < 5) {
      continue;
    }
    const [host, port, database, user] = fields;
    const password = fields.slice(4).join(':');
    const matches =
      (host === '*' || host === hostForMatch || host === target.host) &&
      (port === '*' || port === String(target.port)) &&
      (database === '*' || database === target.database) &&
      (user === '*' || user === target.user);
    if (matches) {
      return password;
    }
  }
  return undefined;
}

function splitPasswordLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (character === '\\' && index + 1 < line.length) {
      current += line[++index];
    } else if (character === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  fields.push(current);
  return fields;
}

// ---------------------------------------------------------------------------------------
// Connecting

/**
 * Opens a connection. With sslmode prefer it tries SSL first and falls back to an
 * unencrypted connection when the server does not support SSL; with allow it tries
 * without SSL first. Throws ConnectionError with a message that names the server and the fix.
 */
export async function connect(resolved: ResolvedConnection): Promise<Client> {
  const attempts = sslAttempts(resolved);
  let lastError: unknown;
  for (let index = 0; index < attempts.length; index++) {
    const client = new Client({ ...resolved.config, ssl: attempts[index] });
    try {
      await client.connect();
      return client;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      const canRetry = index + 1 < attempts.length && isSslNegotiationFailure(error, resolved.sslmode);
      if (!canRetry) {
        break;
      }
    }
  }
  throw toConnectionError(lastError, resolved);
}

function sslAttempts(resolved: ResolvedConnection): ClientConfig['ssl'][] {
  // Both modes accept any certificate on the SSL attempt, as libpq does without sslrootcert.
  const lenientSsl = { rejectUnauthorized: false };
  switch (resolved.sslmode) {
    case 'prefer':
      return [lenientSsl, false];
    case 'allow':
      return [false, lenientSsl];
    default:
      return [resolved.config.ssl];
  }
}

function isSslNegotiationFailure(error: unknown, mode: SslMode): boolean {
  const message = error instanceof Error ? error.message : '';
  if (mode === 'prefer') {
    return message.includes('does not support SSL');
  }
  // With allow, a server whose pg_hba.conf only has hostssl lines rejects the plain attempt.
  return sqlStateOf(error) === '28000' && /no encryption|SSL off/i.test(message);
}

function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'the network connection timed out',
  ENOENT: 'no server socket in that directory',
  EACCES: 'permission denied on the server socket',
};

/**
 * Converts an error from pg or the network into a ConnectionError whose message names the
 * server and the fix. The result never contains the password.
 */
export function toConnectionError(error: unknown, resolved: ResolvedConnection): ConnectionError {
  if (error instanceof ConnectionError) {
    return error;
  }
  const config = resolved.config;
  const user = String(config.user);
  const database = String(config.database);
  const server = formatHostPort(String(config.host), Number(config.port));
  const cause = error instanceof Error ? error : new Error(String(error));
  const errno = (error as { code?: unknown } | undefined)?.code;
  const sqlState = sqlStateOf(error);
  const serverMessage = cause.message;
  const make = (code: ConnectionErrorCode, message: string) =>
    new ConnectionError(code, redactSecrets(message, passwordOf(resolved)), { cause, sqlState });

  if (typeof errno === 'string' && (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN' || errno === 'EAI_NONAME')) {
    return make(
      'unreachable',
      `could not connect to PostgreSQL at ${server}: host name "${config.host}" could not be resolved (DNS lookup failed). ` +
        'Check the host in --db, DATABASE_URL or PGHOST.',
    );
  }
  if (typeof errno === 'string' && errno in NETWORK_ERRORS && sqlState === undefined) {
    return make(
      'unreachable',
      `could not connect to PostgreSQL at ${server}: ${NETWORK_ERRORS[errno]}. Is the server running? ` +
        'Set --db, DATABASE_URL or PGHOST/PGPORT.',
    );
  }
  if (/connection timeout|timeout expired/i.test(serverMessage)) {
    const seconds = Number(config.connectionTimeoutMillis ?? 0) / 1000;
    return make(
      'timeout',
      `could not connect to PostgreSQL at ${server}: no response within ${seconds} s. ` +
        'Check the host and port, and that no firewall drops the connection, or raise PGCONNECT_TIMEOUT (seconds).',
    );
  }
  if (serverMessage.includes('does not support SSL')) {
    return make(
      'ssl',
      `PostgreSQL at ${server} does not accept SSL connections, but sslmode is ${resolved.sslmode}. ` +
        'Enable SSL on the server, or set sslmode=prefer or sslmode=disable in the URL or PGSSLMODE.',
    );
  }
  if (isTlsError(cause)) {
    return make(
      'ssl',
      `SSL connection to PostgreSQL at ${server} failed: ${serverMessage}. ` +
        'For sslmode verify-ca or verify-full, set sslrootcert (or PGSSLROOTCERT) to the CA certificate of the server.',
    );
  }
  if (sqlState === '28P01') {
    return make('auth', `password authentication failed for user ${user} at ${server}. ${passwordHint(resolved)}`);
  }
  if (/client password must be a string|no password supplied/i.test(serverMessage)) {
    return make(
      'auth',
      `PostgreSQL at ${server} requires a password for user ${user}, but none was given. ` +
        'Set PGPASSWORD, add a line for this server to ~/.pgpass (or the file PGPASSFILE names), or put it in the connection URL.',
    );
  }
  if (sqlState === '28000') {
    return make(
      'auth',
      `PostgreSQL at ${server} rejected user ${user}: ${serverMessage}. ` +
        'Check the user in --db, DATABASE_URL or PGUSER, or ask the database administrator to allow it in pg_hba.conf.',
    );
  }
  if (sqlState === '3D000') {
    return make(
      'no-database',
      `database "${database}" does not exist on PostgreSQL at ${server}. ` +
        'Create it, or set the database in --db, DATABASE_URL or PGDATABASE.',
    );
  }
  if (sqlState === '42501') {
    return make(
      'permission',
      `user ${user} may not connect to database "${database}" at ${server}: ${serverMessage}. ` +
        `Ask the database administrator to run GRANT CONNECT ON DATABASE "${database}" TO "${user}".`,
    );
  }
  if (sqlState === '57P03') {
    return make('unreachable', `PostgreSQL at ${server} is not accepting connections yet: ${serverMessage}. Try again shortly.`);
  }
  return make('other', `could not connect to PostgreSQL as ${resolved.description}: ${serverMessage}`);
}

function passwordOf(resolved: ResolvedConnection): string | undefined {
  const password = resolved.config.password;
  if (typeof password === 'function') {
    const value = password();
    return typeof value === 'string' ? value : undefined;
  }
  return password ?? undefined;
}

function passwordHint(resolved: ResolvedConnection): string {
  switch (resolved.passwordSource) {
    case 'url':
      return `Check the password in ${resolved.source === 'DATABASE_URL' ? 'DATABASE_URL' : 'the connection URL'}.`;
    case 'PGPASSWORD':
      return 'Check PGPASSWORD.';
    case 'pgpass':
      return `Check the line for this server in ${resolved.passwordFile}.`;
    case 'none':
      return 'Check PGPASSWORD or ~/.pgpass.';
  }
}

function isTlsError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') {
    return false;
  }
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  );
}

// ---------------------------------------------------------------------------------------
// Redaction

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^\s/]*)@/gi;
const KEYWORD_PASSWORD = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi;
const REDACTED = '***';

/**
 * Replaces the password part of URLs (postgres://user:***@host), `password=` settings
 * (including PGPASSWORD= and URL query parameters) and every occurrence of the given
 * secrets, also in URL-encoded form, with ***.
 */
export function redactSecrets(text: string, ...secrets: (string | undefined)[]): string {
  let result = text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(KEYWORD_PASSWORD, `$1${REDACTED}`);
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret === '') {
      continue;
    }
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
  }
  // Longer variants first, so a secret that contains another is replaced whole.
  for (const variant of [...variants].sort((a, b) => b.length - a.length)) {
    result = result.split(variant).join(REDACTED);
  }
  return result;
}
