/**
 * Runs editor tests in the real VS Code: code-server 4.100.3 (VS Code 1.100.3) on 127.0.0.1,
 * driven by headless Chromium through playwright-core. code-server and Chromium are installed
 * by scripts/install-editor-tools.sh. This module never installs anything.
 *
 * Environment:
 *   SYNCED_VIEWS_CODE_SERVER_DIR  npm prefix that contains node_modules/code-server
 *                                 (default: $HOME/.cache/synced-views/code-server-4.100.3)
 *   SYNCED_VIEWS_KEEP_EDITOR_DIRS set to 1 to keep the temp user-data and log folders
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import type { Browser, Page } from "playwright-core";

export const CODE_SERVER_VERSION = "4.100.3";
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const INSTALL_SCRIPT = "scripts/install-editor-tools.sh";

/** The Chromium flags that work as root in a container without a display or GPU. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * User settings written before the settings a test passes. They keep the workbench free of
 * startup editors, walkthroughs and update checks that would cover the editor or steal focus.
 */
const BASE_SETTINGS: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
};

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const WORKBENCH_TIMEOUT_MS = 60_000;

export interface EditorRun {
  port: number;
  url: string;
  stop(): Promise<void>;
  /** The page of the last openWorkbench call, closed by stop(). */
  page?: Page;
  /** Absolute path of the folder opened as the workspace. */
  workspace: string;
  /** code-server's --user-data-dir: User/settings.json, logs/ and the extension host's storage. Removed by stop(). */
  userDataDir: string;
  /** Returns everything code-server printed so far (stdout and stderr). */
  log(): string;
}

interface RunState {
  child: ChildProcess;
  root: string;
  browsers: Browser[];
  stopped: boolean;
  /** Removes the process listeners that watchTestProcess added. */
  forgetProcess: () => void;
}

const states = new WeakMap<EditorRun, RunState>();

/** Returns the npm prefix that scripts/install-editor-tools.sh installs code-server into. */
export function codeServerDir(): string {
  return process.env.SYNCED_VIEWS_CODE_SERVER_DIR || path.join(os.homedir(), ".cache", "synced-views", `code-server-${CODE_SERVER_VERSION}`);
}

/** Returns code-server's entry script, or throws when code-server is not installed. */
export function codeServerEntry(): string {
  const entry = path.join(codeServerDir(), "node_modules", "code-server", "out", "node", "entry.js");
  if (!fs.existsSync(entry)) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed: ${entry} is missing. ` +
        `Run ${INSTALL_SCRIPT} (it installs into SYNCED_VIEWS_CODE_SERVER_DIR or ${path.join("~", ".cache", "synced-views")}).`,
    );
  }
  return entry;
}

function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed: ${CHROMIUM_PATH} is missing. Run ${INSTALL_SCRIPT} (it runs apt-get install chromium).`);
  }
}

function makeTempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "sv-editor-"));
}

/**
 * Returns the environment for code-server and its extension host. Inherited variables that
 * code-server reads as its own options (PORT, PASSWORD, HASHED_PASSWORD) are removed, so the
 * command-line flags decide.
 */
function codeServerEnv(root: string, extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.PORT;
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  // An empty gallery makes the workbench and the CLI skip every marketplace request.
  env.EXTENSIONS_GALLERY = "{}";
  env.XDG_DATA_HOME = path.join(root, "xdg-data");
  env.XDG_CONFIG_HOME = path.join(root, "xdg-config");
  env.XDG_CACHE_HOME = path.join(root, "xdg-cache");
  return env;
}

function installExtension(entry: string, vsix: string, dirs: { userData: string; extensions: string }, env: NodeJS.ProcessEnv): void {
  if (!fs.existsSync(vsix)) {
    throw new Error(`The extension package ${vsix} does not exist; build it with @vscode/vsce before starting code-server.`);
  }
  const result = spawnSync(
    process.execPath,
    [entry, "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions, "--force", "--install-extension", path.resolve(vsix)],
    { env, encoding: "utf8", timeout: START_TIMEOUT_MS },
  );
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.error || result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit code ${result.status}, ${result.error?.message ?? "no spawn error"}):\n${output}`);
  }
}

function writeSettings(userData: string, settings: Record<string, unknown> | undefined): void {
  const file = path.join(userData, "User", "settings.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2)}\n`);
}

/** Resolves with the port once code-server prints its listening address. */
function waitForListening(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`code-server did not start listening within ${START_TIMEOUT_MS} ms. Its output:\n${output()}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      const match = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output());
      if (match) {
        cleanUp();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      reject(new Error(`code-server exited during start-up (exit code ${code}, signal ${signal}). Its output:\n${output()}`));
    };
    const cleanUp = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", onExit);
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.setTimeout(5_000, () => request.destroy(new Error(`GET ${url} timed out after 5000 ms`)));
  });
}

/** Sends `signal` to the whole process group of a child started with `detached: true`. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group has already exited.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") {
      throw error;
    }
  }
}

function groupIsAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForGroupExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupIsAlive(pid)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !groupIsAlive(pid);
}

/**
 * Starts code-server on 127.0.0.1 with temp user-data/extensions/XDG dirs, EXTENSIONS_GALLERY='{}',
 * --auth none --disable-telemetry --disable-update-check, installs `vsix` with --install-extension,
 * writes `settings` (object) into the user settings.json, and opens `workspace` (a folder).
 * `env` is added to the environment of code-server, and so of the extension host.
 *
 * Workspace trust is off (--disable-workspace-trust, so every folder is trusted) unless
 * `workspaceTrust` is true. With it on and a fresh user-data folder, the workspace starts
 * untrusted; pass `security.workspace.trust.enabled: true` and
 * `security.workspace.trust.startupPrompt: "never"` in `settings` so no trust dialog opens.
 */
export async function startCodeServer(options: {
  vsix?: string;
  workspace: string;
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  workspaceTrust?: boolean;
}): Promise<EditorRun> {
  const entry = codeServerEntry();
  const workspace = path.resolve(options.workspace);
  if (!fs.existsSync(workspace) || !fs.statSync(workspace).isDirectory()) {
    throw new Error(`The workspace ${workspace} is not a folder.`);
  }

  const root = makeTempRoot();
  const dirs = { userData: path.join(root, "user-data"), extensions: path.join(root, "extensions") };
  fs.mkdirSync(dirs.userData, { recursive: true });
  fs.mkdirSync(dirs.extensions, { recursive: true });
  const env = codeServerEnv(root, options.env);

  try {
    writeSettings(dirs.userData, options.settings);
    if (options.vsix) {
      installExtension(entry, options.vsix, dirs, env);
    }
  } catch (error) {
    removeTempRoot(root);
    throw error;
  }

  const args = [
    entry,
    "--bind-addr",
    "127.0.0.1:0",
    "--auth",
    "none",
    "--disable-telemetry",
    "--disable-update-check",
    ...(options.workspaceTrust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
    "--ignore-last-opened",
    "--user-data-dir",
    dirs.userData,
    "--extensions-dir",
    dirs.extensions,
    workspace,
  ];
  // detached: code-server becomes a process group leader, so stop() can signal it together
  // with the extension host, file watcher and pty host processes it forks.
  const child = spawn(process.execPath, args, { env, cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (output += chunk));
  child.stderr.on("data", (chunk: string) => (output += chunk));

  const state: RunState = { child, root, browsers: [], stopped: false, forgetProcess: () => undefined };
  watchTestProcess(state);

  let port: number;
  try {
    port = await waitForListening(child, () => output);
    const status = await httpStatus(`http://127.0.0.1:${port}/healthz`);
    if (status !== 200) {
      throw new Error(`code-server on port ${port} returned HTTP ${status} for GET /healthz. Its output:\n${output}`);
    }
  } catch (error) {
    await stopState(state);
    throw error;
  }

  const run: EditorRun = {
    port,
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
    workspace,
    userDataDir: dirs.userData,
    log: () => output,
    stop: () => stopState(state),
  };
  states.set(run, state);
  return run;
}

/**
 * Kills code-server's process group when the test process exits or is interrupted without
 * calling stop(). After SIGINT or SIGTERM the signal is raised again when no other listener
 * handles it, so the test process still ends the way it would have.
 */
function watchTestProcess(state: RunState): void {
  const killNow = () => {
    signalGroup(state.child, "SIGKILL");
    try {
      removeTempRoot(state.root);
    } catch {
      // A process of the group that has not died yet may still hold files in the folder.
    }
  };
  const onExit = () => killNow();
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    state.forgetProcess();
    if (process.listenerCount(signal) === 0) {
      process.kill(process.pid, signal);
    }
  };
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  state.forgetProcess = () => {
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

async function stopState(state: RunState): Promise<void> {
  if (state.stopped) {
    return;
  }
  state.stopped = true;
  for (const browser of state.browsers) {
    await browser.close().catch(() => undefined);
  }
  const pid = state.child.pid;
  if (pid !== undefined) {
    signalGroup(state.child, "SIGTERM");
    if (!(await waitForGroupExit(pid, STOP_TIMEOUT_MS))) {
      signalGroup(state.child, "SIGKILL");
      await waitForGroupExit(pid, STOP_TIMEOUT_MS);
    }
  }
  state.forgetProcess();
  removeTempRoot(state.root);
}

function removeTempRoot(root: string): void {
  if (process.env.SYNCED_VIEWS_KEEP_EDITOR_DIRS === "1") {
    console.log(`editor harness: kept ${root}`);
    return;
  }
  fs.rmSync(root, { recursive: true, force: true });
}

function stateOf(run: EditorRun): RunState {
  const state = states.get(run);
  if (!state) {
    throw new Error("This EditorRun was not returned by startCodeServer.");
  }
  if (state.stopped) {
    throw new Error(`code-server on port ${run.port} has already been stopped.`);
  }
  return state;
}

async function launchChromium(state: RunState): Promise<Browser> {
  requireChromium();
  let chromium: typeof import("playwright-core").chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (error) {
    throw new Error(`playwright-core cannot be loaded (${(error as Error).message}); run npm ci in the repository.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  state.browsers.push(browser);
  return browser;
}

/** Returns a page whose console messages and uncaught errors are appended to `pageLog`. */
async function newPage(browser: Browser, pageLog: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("console", (message) => pageLog.push(`[browser ${message.type()}] ${message.text()}`));
  page.on("pageerror", (error) => pageLog.push(`[browser error] ${error.message}`));
  return page;
}

function tail(lines: string[], count: number): string {
  return lines.slice(-count).join("\n");
}

/**
 * Writes an extension without code and returns its folder. The workbench starts extension
 * tests only in extension development mode, so when a test runs against the installed .vsix
 * this stub is the development extension, and the installed extension stays the one tested.
 */
function writeStubExtension(root: string): string {
  const folder = path.join(root, "stub-development-extension");
  fs.mkdirSync(folder, { recursive: true });
  const manifest = { name: "stub-development-extension", publisher: "synced-views-test", version: "0.0.0", engines: { vscode: "*" } };
  fs.writeFileSync(path.join(folder, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return folder;
}

function remoteUri(run: EditorRun, absolutePath: string): string {
  return `vscode-remote://127.0.0.1:${run.port}${path.resolve(absolutePath)}`;
}

/**
 * Runs mocha suites inside the real extension host. Opens the payload URL with
 * extensionDevelopmentPath (optional) and extensionTestsPath in Chromium, collects the
 * codeAutomationLog output and the codeAutomationExit code, and returns {exitCode, output}.
 * On timeout it saves a screenshot and throws an error with the output collected so far.
 *
 * `testsPath` is the tests index.js, whose `run()` the extension host awaits (see run-mocha.js).
 * The default timeout is 120 s and the default screenshot path is
 * test-results/editor/extension-tests-timeout.png.
 */
export async function runExtensionTests(
  run: EditorRun,
  options: { testsPath: string; extensionDevelopmentPath?: string; timeoutMs?: number; screenshotPath?: string },
): Promise<{ exitCode: number; output: string }> {
  const state = stateOf(run);
  const testsPath = path.resolve(options.testsPath);
  if (!fs.existsSync(testsPath)) {
    throw new Error(`The extension tests module ${testsPath} does not exist.`);
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  const screenshotPath = path.resolve(options.screenshotPath ?? path.join("test-results", "editor", "extension-tests-timeout.png"));

  const developmentPath = options.extensionDevelopmentPath ?? writeStubExtension(state.root);
  const payload: [string, string][] = [
    ["extensionDevelopmentPath", remoteUri(run, developmentPath)],
    ["extensionTestsPath", remoteUri(run, testsPath)],
  ];
  const url = `${run.url}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const browser = await launchChromium(state);
  const pageLog: string[] = [];
  const outputLines: string[] = [];
  try {
    const page = await newPage(browser, pageLog);
    let finish: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (finish = resolve));
    // The workbench calls these two functions on its window when it runs extension tests.
    await page.exposeFunction("codeAutomationLog", (type: string, args: unknown[]) => {
      // The arguments are those of the console call in the extension host, format string first.
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      outputLines.push(type === "error" ? `[error] ${text}` : text);
    });
    await page.exposeFunction("codeAutomationExit", (code: number) => finish(Number(code)));

    await page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);

    if (result === "timeout") {
      fs.mkdirSync(path.dirname(screenshotPath), { recursive: true });
      await page.screenshot({ path: screenshotPath }).catch(() => undefined);
      throw new Error(
        `The extension tests in ${testsPath} did not finish within ${timeoutMs} ms. Screenshot: ${screenshotPath}\n` +
          `Test output so far:\n${outputLines.join("\n")}\nBrowser console (last 40 lines):\n${tail(pageLog, 40)}\n` +
          `code-server output (last 40 lines):\n${tail(run.log().split("\n"), 40)}`,
      );
    }
    return { exitCode: result, output: outputLines.join("\n") };
  } finally {
    await browser.close().catch(() => undefined);
    state.browsers = state.browsers.filter((open) => open !== browser);
  }
}

/**
 * Opens the workbench in Chromium for UI tests (Playwright Page), waiting until it is ready:
 * the workbench is rendered and the Explorer lists the workspace folder. The page is also
 * stored in `run.page`, and stop() closes it.
 */
export async function openWorkbench(run: EditorRun): Promise<Page> {
  const state = stateOf(run);
  const browser = await launchChromium(state);
  const pageLog: string[] = [];
  const page = await newPage(browser, pageLog);
  try {
    await page.goto(run.url);
    await page.locator(".monaco-workbench .part.statusbar").waitFor({ state: "visible", timeout: WORKBENCH_TIMEOUT_MS });
    await page.locator(".monaco-workbench .part.editor").waitFor({ state: "visible", timeout: WORKBENCH_TIMEOUT_MS });
    // The Explorer's section for the folder appears once the remote file system has
    // responded, even when the folder is empty.
    const section = `Explorer Section: ${path.basename(run.workspace)}`;
    await page.locator(`.pane-header[aria-label=${JSON.stringify(section)}]`).waitFor({ state: "visible", timeout: WORKBENCH_TIMEOUT_MS });
  } catch (error) {
    throw new Error(
      `The workbench at ${run.url} was not ready within ${WORKBENCH_TIMEOUT_MS} ms: ${(error as Error).message}\n` +
        `Browser console (last 40 lines):\n${tail(pageLog, 40)}`,
    );
  }
  run.page = page;
  return page;
}
