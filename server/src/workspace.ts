/**
 * The projects of the workspace folders, the open documents that override their files, and the
 * scheduling of analysis. Edits are analysed after a quiet time per document, and file events
 * reload the project. Every change of state runs in one queue, so no two interleave.
 */
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FileChangeType, type FileEvent } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocuments } from "vscode-languageserver/node";
import type { ViewFile } from "../../engine/project/layout";
import type { ViewAnalysis } from "../../engine/analysis/analyzer";
import type { LineIndex } from "../../engine/text/positions";
import { LineIndex as TextLineIndex } from "../../engine/text/positions";
import { describeError, type EditorPort } from "./editor";
import { toLspDiagnostic } from "./diagnostics";
import { isProjectFolder, ProjectHost } from "./project-host";
import type { ServerSettings } from "./settings";

/** Returns the file system path of a `file:` URI, or undefined for other schemes and malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

/** A view document resolved for a feature: its project, view, text and (when trusted) analysis. */
export interface ViewDocument {
  host: ProjectHost;
  view: ViewFile;
  text: string;
  lines: LineIndex;
  /** Undefined in an untrusted workspace, where templates are not rendered. */
  analysis?: ViewAnalysis;
}

export class Workspace {
  readonly settings: ServerSettings;
  private readonly editor: EditorPort;
  private readonly documents: TextDocuments<TextDocument>;
  private readonly hosts = new Map<string, ProjectHost>();
  /** Workspace folders that were no project when last looked at; a file event may make them one. */
  private readonly otherFolders = new Set<string>();
  /** Open documents by file path, to URI. */
  private readonly openPaths = new Map<string, string>();
  /** URIs the client used for paths, so that diagnostics go to the same URI. */
  private readonly knownUris = new Map<string, string>();
  private readonly pendingDocuments = new Map<string, NodeJS.Timeout>();
  private readonly pendingReloads = new Map<ProjectHost, NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();

  constructor(documents: TextDocuments<TextDocument>, editor: EditorPort, settings: ServerSettings) {
    this.documents = documents;
    this.editor = editor;
    this.settings = settings;
  }

  /** Returns the text of an open document by file path; the engine reads the disk otherwise. */
  readonly readOverride = (absolutePath: string): string | undefined => {
    const uri = this.openPaths.get(path.resolve(absolutePath));
    return uri === undefined ? undefined : this.documents.get(uri)?.getText();
  };

  /** Adds workspace folders; each one that is a views project is indexed. */
  addFolders(uris: string[]): Promise<void> {
    for (const uri of uris) {
      const folder = uriToPath(uri);
      if (folder === undefined) {
        this.editor.logWarning(`Workspace folder ${uri} is not a local folder; Synced Views serves only file: folders.`);
        continue;
      }
      this.knownUris.set(folder, uri);
      if (this.hosts.has(folder)) continue;
      if (!isProjectFolder(folder)) {
        this.otherFolders.add(folder);
        this.editor.logInfo(`Workspace folder ${folder} has no templates/ folder and no synced-views.json; it is not served until one appears.`);
        continue;
      }
      this.hosts.set(folder, new ProjectHost(folder, this.settings.trusted, this.readOverride));
    }
    return this.enqueue(async () => {
      for (const host of this.hosts.values()) if (!host.project && !host.loadError) await this.reload(host);
    });
  }

  /** Stops serving workspace folders and clears their diagnostics. */
  removeFolders(uris: string[]): Promise<void> {
    return this.enqueue(async () => {
      for (const uri of uris) {
        const folder = uriToPath(uri);
        if (folder === undefined) continue;
        this.otherFolders.delete(folder);
        const host = this.hosts.get(folder);
        if (!host) continue;
        this.hosts.delete(folder);
        clearTimeout(this.pendingReloads.get(host));
        this.pendingReloads.delete(host);
        for (const view of host.project?.views.values() ?? []) this.editor.publishDiagnostics(this.uriOf(view.absolutePath), []);
        this.editor.logInfo(`Stopped serving ${folder}.`);
      }
    });
  }

  /** Returns the project a file belongs to: the served folder that is the longest prefix of its path. */
  hostFor(absolutePath: string): ProjectHost | undefined {
    let best: ProjectHost | undefined;
    for (const host of this.hosts.values()) {
      const relative = path.relative(host.root, absolutePath);
      if (relative.startsWith("..") || path.isAbsolute(relative)) continue;
      if (!best || host.root.length > best.root.length) best = host;
    }
    return best;
  }

  get projects(): ProjectHost[] {
    return [...this.hosts.values()];
  }

  documentOpened(uri: string): void {
    const file = uriToPath(uri);
    if (file === undefined) return;
    this.openPaths.set(file, uri);
    this.knownUris.set(file, uri);
    this.scheduleDocument(file);
  }

  documentChanged(uri: string): void {
    const file = uriToPath(uri);
    if (file !== undefined) this.scheduleDocument(file);
  }

  /** Schedules a closed document for analysis, because its file on disk replaces its text. */
  documentClosed(uri: string): void {
    const file = uriToPath(uri);
    if (file === undefined) return;
    this.openPaths.delete(file);
    this.scheduleDocument(file);
  }

  /** Handles files created, changed or deleted outside the editor. */
  filesChanged(events: FileEvent[]): void {
    for (const event of events) {
      const file = uriToPath(event.uri);
      if (file === undefined) continue;
      const host = this.hostFor(file);
      if (!host) {
        this.adoptFolderOf(file);
        continue;
      }
      const { kind } = host.classify(file);
      if (kind === "other") continue;
      if (event.type === FileChangeType.Changed && kind === "view") {
        // An open document overrides the disk, so saving it changes nothing the analysis reads.
        if (!this.openPaths.has(file)) this.scheduleDocument(file);
        continue;
      }
      this.scheduleReload(host);
    }
  }

  /**
   * Runs the pending analysis of a document now and waits for queued work, so that a request
   * reads the document's current text. Returns the document's project.
   */
  async settle(uri: string): Promise<ProjectHost | undefined> {
    const file = uriToPath(uri);
    if (file === undefined) return undefined;
    const pending = this.pendingDocuments.get(file);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingDocuments.delete(file);
      void this.enqueue(async () => this.analyzeFile(file));
    }
    await this.queue;
    return this.hostFor(file);
  }

  /** Resolves a view document for a feature, after pending work settled. */
  async viewDocument(uri: string): Promise<ViewDocument | undefined> {
    const host = await this.settle(uri);
    const file = uriToPath(uri);
    if (!host || file === undefined) return undefined;
    const view = host.project?.viewForFile(file);
    if (!view) return undefined;
    const analysis = host.analysisOf(view);
    if (analysis?.text !== undefined) return { host, view, text: analysis.text, lines: analysis.lines, analysis };
    const text = host.readText(view);
    if (text === undefined) return undefined;
    return { host, view, text, lines: new TextLineIndex(text), analysis };
  }

  /** Returns the URI to address a file by: the one the client used, else a file: URI of the path. */
  uriOf(absolutePath: string): string {
    return this.knownUris.get(path.resolve(absolutePath)) ?? pathToFileURL(absolutePath).href;
  }

  private scheduleDocument(file: string): void {
    // A newer version replaces the pending analysis of the older one.
    clearTimeout(this.pendingDocuments.get(file));
    const timer = setTimeout(() => {
      this.pendingDocuments.delete(file);
      void this.enqueue(async () => this.analyzeFile(file));
    }, this.settings.analysisDelayMs);
    this.pendingDocuments.set(file, timer);
  }

  private scheduleReload(host: ProjectHost): void {
    clearTimeout(this.pendingReloads.get(host));
    const timer = setTimeout(() => {
      this.pendingReloads.delete(host);
      void this.enqueue(async () => {
        if (this.hosts.get(host.root) === host) await this.reload(host);
      });
    }, this.settings.analysisDelayMs);
    this.pendingReloads.set(host, timer);
  }

  /** Analyses one changed file: a view is re-checked with its dependents; macros, config and catalog reload the project. */
  private async analyzeFile(file: string): Promise<void> {
    const host = this.hostFor(file);
    if (!host) return;
    if (!host.project) {
      await this.reload(host);
      return;
    }
    const { kind, view } = host.classify(file);
    if (kind === "other") return;
    if (kind === "view" && view) {
      // Opening a file whose text the analysis already used needs no new check, only the
      // diagnostics again, now with the document's version.
      const analysis = host.analyzer?.getAnalysis(view.id);
      const current = this.readOverride(file);
      if (analysis?.text !== undefined && current !== undefined && analysis.text === current) {
        this.publish(host, [view.file]);
        return;
      }
      const started = Date.now();
      const files = host.updateViews([view.id]);
      this.publish(host, files);
      this.editor.logDebug(`Checked ${view.id} and ${files.size - 1} other file(s) of ${host.root} in ${Date.now() - started} ms.`);
      return;
    }
    // Macros change every view that calls them, and config and catalog change every check.
    // A template file that is no view yet (a new file, or a bad name) needs the folder scanned.
    await this.reload(host);
  }

  private async reload(host: ProjectHost): Promise<void> {
    const started = Date.now();
    const files = await host.load();
    this.publish(host, files);
    const durationMs = Date.now() - started;
    const folderUri = this.uriOf(host.root);
    if (host.loadError) {
      this.editor.logWarning(`Cannot serve ${host.root}: ${host.loadError}`);
      this.editor.notifyProjectIndexed({ folderUri, views: 0, errors: 0, warnings: 0, trusted: host.trusted, durationMs, loadError: host.loadError });
      return;
    }
    const { errors, warnings } = host.countProblems();
    const views = host.project?.views.size ?? 0;
    this.editor.logInfo(
      `Indexed ${host.root}: ${views} views, ${errors} errors, ${warnings} warnings in ${durationMs} ms${host.trusted ? "" : " (untrusted: templates not rendered)"}.`,
    );
    this.editor.notifyProjectIndexed({ folderUri, views, errors, warnings, trusted: host.trusted, durationMs });
  }

  private publish(host: ProjectHost, files: Iterable<string>): void {
    for (const file of files) {
      const absolutePath = host.absolutePath(file);
      const lines = host.linesOf(file);
      const diagnostics = host.diagnosticsOf(file).map((diagnostic) => toLspDiagnostic(diagnostic, lines, this.settings));
      const openUri = this.openPaths.get(absolutePath);
      const version = openUri !== undefined ? this.documents.get(openUri)?.version : undefined;
      this.editor.publishDiagnostics(this.uriOf(absolutePath), diagnostics, version);
    }
  }

  /** Starts serving a workspace folder that became a project (templates/ or synced-views.json appeared). */
  private adoptFolderOf(file: string): void {
    for (const folder of this.otherFolders) {
      const relative = path.relative(folder, file);
      if (relative.startsWith("..") || path.isAbsolute(relative)) continue;
      if (!isProjectFolder(folder)) continue;
      this.otherFolders.delete(folder);
      const host = new ProjectHost(folder, this.settings.trusted, this.readOverride);
      this.hosts.set(folder, host);
      this.scheduleReload(host);
    }
  }

  /** Appends work to the queue; a failure is logged and the queue goes on. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((error) => {
      this.editor.logError(`Synced Views analysis failed: ${describeError(error)}`);
    });
    this.queue = next;
    return next;
  }
}
