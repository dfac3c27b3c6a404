/**
 * A JSON-RPC client for protocol tests: starts the built server (`node dist/server.js --stdio`)
 * as a child process, records every notification it sends, and lets a test wait for the
 * notification it expects instead of sleeping.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";

export const REPOSITORY_ROOT = path.resolve(__dirname, "../../..");
export const SERVER_BUNDLE = path.join(REPOSITORY_ROOT, "dist", "server.js");
export const FIXTURES = path.join(REPOSITORY_ROOT, "test", "protocol", "fixtures");

/** Server notifications the client records; a test can wait for any of them. */
const RECORDED_NOTIFICATIONS = ["textDocument/publishDiagnostics", "window/logMessage", "window/showMessage", "syncedViews/projectIndexed"];

/** How long a test waits for an expected notification before it fails. */
const WAIT_TIMEOUT_MS = 20_000;

export const CLIENT_CAPABILITIES: ClientCapabilities = {
  workspace: {
    workspaceFolders: true,
    didChangeWatchedFiles: { dynamicRegistration: true },
    workspaceEdit: { documentChanges: true, resourceOperations: ["create", "rename", "delete"] },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false },
    hover: { contentFormat: ["markdown", "plaintext"] },
    publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, dataSupport: true },
    completion: { completionItem: { snippetSupport: false } },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix"] } } },
  },
};

interface RecordedMessage {
  sequence: number;
  method: string;
  params: unknown;
}

interface Waiter {
  method: string;
  after: number;
  predicate: (params: any) => boolean;
  resolve: (params: any) => void;
}

export interface StartOptions {
  /** Workspace folders, as paths. */
  folders: string[];
  initializationOptions?: Record<string, unknown>;
  capabilities?: ClientCapabilities;
}

export class LspTestClient {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcessWithoutNullStreams;
  /** Methods of the server's `client/registerCapability` registrations. */
  readonly registrations: string[] = [];
  stderr = "";
  initializeResult?: InitializeResult;
  private readonly messages: RecordedMessage[] = [];
  private readonly waiters = new Set<Waiter>();
  private sequence = 0;
  private exitError?: Error;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    child.on("exit", (code, signal) => {
      this.exitError = new Error(`The server exited (code ${code}, signal ${signal}). Its stderr:\n${this.stderr}`);
    });
    for (const method of RECORDED_NOTIFICATIONS) this.connection.onNotification(method, (params: unknown) => this.record(method, params));
    this.connection.onRequest("client/registerCapability", (params: { registrations: { method: string }[] }) => {
      for (const registration of params.registrations) this.registrations.push(registration.method);
      return null;
    });
    this.connection.onRequest("workspace/configuration", () => []);
    this.connection.listen();
  }

  /** Starts the server and completes the initialize handshake. */
  static async start(options: StartOptions): Promise<LspTestClient> {
    if (!fs.existsSync(SERVER_BUNDLE)) throw new Error(`${SERVER_BUNDLE} is missing: run npm run build before the protocol tests.`);
    const child = spawn(process.execPath, [SERVER_BUNDLE, "--stdio"], { cwd: REPOSITORY_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const client = new LspTestClient(child);
    client.initializeResult = await client.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: options.folders.length > 0 ? fileUri(options.folders[0]) : null,
      workspaceFolders: options.folders.map((folder) => ({ uri: fileUri(folder), name: path.basename(folder) })),
      capabilities: options.capabilities ?? CLIENT_CAPABILITIES,
      initializationOptions: options.initializationOptions,
    });
    await client.connection.sendNotification("initialized", {});
    return client;
  }

  /** Returns the sequence number of the last message received, to wait for later ones. */
  mark(): number {
    return this.sequence;
  }

  /** Resolves with the params of the first notification of `method` after `after` that passes `predicate`. */
  waitForNotification<T>(method: string, predicate: (params: T) => boolean = () => true, after = 0): Promise<T> {
    const earlier = this.messages.find((message) => message.sequence > after && message.method === method && predicate(message.params as T));
    if (earlier) return Promise.resolve(earlier.params as T);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { method, after, predicate, resolve };
      this.waiters.add(waiter);
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.exitError ?? new Error(`No ${method} notification arrived within ${WAIT_TIMEOUT_MS} ms. Server stderr:\n${this.stderr}`));
      }, WAIT_TIMEOUT_MS);
      waiter.resolve = (params) => {
        clearTimeout(timer);
        resolve(params);
      };
    });
  }

  /** Waits for diagnostics of one file published after `after`. */
  waitForDiagnostics(file: string, after = 0, predicate: (params: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    const uri = fileUri(file);
    return this.waitForNotification<PublishDiagnosticsParams>("textDocument/publishDiagnostics", (params) => params.uri === uri && predicate(params), after);
  }

  /** Returns the diagnostics of a file published last, or undefined when none were. */
  latestDiagnostics(file: string): PublishDiagnosticsParams | undefined {
    const uri = fileUri(file);
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      if (message.method === "textDocument/publishDiagnostics" && (message.params as PublishDiagnosticsParams).uri === uri) return message.params as PublishDiagnosticsParams;
    }
    return undefined;
  }

  /** Returns every diagnostics notification of a file after `after`, in arrival order. */
  publishedSince(file: string, after: number): PublishDiagnosticsParams[] {
    const uri = fileUri(file);
    return this.messages
      .filter((message) => message.sequence > after && message.method === "textDocument/publishDiagnostics" && (message.params as PublishDiagnosticsParams).uri === uri)
      .map((message) => message.params as PublishDiagnosticsParams);
  }

  /** Messages the server logged through `window/logMessage`. */
  logMessages(): string[] {
    return this.messages.filter((message) => message.method === "window/logMessage").map((message) => (message.params as { message: string }).message);
  }

  openDocument(file: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: fileUri(file), languageId: "sql", version, text } });
  }

  /** Sends an incremental change that replaces `range` with `text`. */
  changeDocument(file: string, version: number, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Promise<void> {
    return this.connection.sendNotification("textDocument/didChange", { textDocument: { uri: fileUri(file), version }, contentChanges: [{ range, text }] });
  }

  /** Shuts the server down with shutdown and exit, and kills it if it does not exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && !this.exitError) {
      try {
        await this.connection.sendRequest("shutdown");
        await this.connection.sendNotification("exit");
      } catch {
        // The server is gone already; the kill below is then a no-op.
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.child.kill("SIGKILL");
          resolve();
        }, 3000);
        this.child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.connection.dispose();
  }

  private record(method: string, params: unknown): void {
    const message = { sequence: ++this.sequence, method, params };
    this.messages.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.method === method && message.sequence > waiter.after && waiter.predicate(params)) {
        this.waiters.delete(waiter);
        waiter.resolve(params);
      }
    }
  }
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

/** Copies a fixture project to a new temporary folder and returns that folder. */
export function copyFixture(name: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), `sv-protocol-${name}-`));
  fs.cpSync(path.join(FIXTURES, name), target, { recursive: true });
  return target;
}

/** Returns the UTF-16 offset range of the `occurrence`-th match of `needle` in `text`, as LSP positions. */
export function rangeOf(text: string, needle: string, occurrence = 1): { start: { line: number; character: number }; end: { line: number; character: number } } {
  let index = -1;
  for (let i = 0; i < occurrence; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" occurs fewer than ${occurrence} times in the text.`);
  }
  return { start: positionOf(text, index), end: positionOf(text, index + needle.length) };
}

/** Converts a UTF-16 string index into an LSP position; lines end at "\n". */
export function positionOf(text: string, index: number): { line: number; character: number } {
  const before = text.slice(0, index);
  const line = before.split("\n").length - 1;
  return { line, character: index - (before.lastIndexOf("\n") + 1) };
}

/** A server started on a copy of a fixture project, once it has indexed the project. */
export interface IndexedServer {
  root: string;
  client: LspTestClient;
}

/** Copies a fixture, starts the built server on it, and waits until it has indexed the project. */
export async function startIndexedServer(fixture: string): Promise<IndexedServer> {
  const root = copyFixture(fixture);
  const client = await LspTestClient.start({ folders: [root] });
  await client.waitForNotification("syncedViews/projectIndexed");
  return { root, client };
}

/** Stops a server from startIndexedServer and removes its copy of the fixture. */
export async function stopIndexedServer(server: IndexedServer | undefined): Promise<void> {
  if (!server) return;
  await server.client.stop();
  fs.rmSync(server.root, { recursive: true, force: true });
}
