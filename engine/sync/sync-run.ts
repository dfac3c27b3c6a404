/**
 * One attempt at a sync inside one transaction: lock, read the state, create, replace,
 * re-create and drop views in dependency order, record the state, then commit or roll back.
 * runSync in sync.ts retries an attempt that timed out on a lock.
 */
import { escapeIdentifier, escapeLiteral } from "pg";
import type { EngineDiagnostic } from "../diagnostics";
import { DatabaseError, toDatabaseError, type SqlSession } from "../database/session";
import { countCodePoints } from "../text/positions";
import { createViewStatement, prepareView, physicalSchema, templateRangeOfError, type PreparedView } from "./prepare";
import { allDependents, existingRelations, viewDefinitionHashes, type DependentObject, type ExistingRelation } from "./dependents";
import { ensureStateTable, readState, recordState, forgetState, type StateRow } from "./state";
import { parseFolderName } from "../project/layout";
import {
  INCOMPATIBLE_COLUMNS,
  LOCK_NOT_AVAILABLE,
  SYNC_LOCK_KEY,
  SyncCancelledError,
  SyncRefusedError,
  UNDEFINED_OBJECT,
  type ActionKind,
  type PlannedAction,
  type SyncOptions,
  type SyncResult,
} from "./types";

export class SyncRun {
  readonly actions: PlannedAction[] = [];
  readonly diagnostics: EngineDiagnostic[] = [];
  /** Objects the current statement may wait for, to name the blocker after a lock timeout. */
  waitingOn: number[] | "advisory" | undefined;
  /** Description of the current step, for error messages. */
  step = "";
  private readonly options: SyncOptions;
  private readonly session: SqlSession;
  private readonly stateSchema: string;
  private readonly personalPrefix: string;
  private readonly targetLabel: string;
  /** Physical keys ("schema.name") of views dropped during this run that must be created again. */
  private readonly dropped = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly created = new Map<string, PreparedView>();
  private readonly stateUpdates: PreparedView[] = [];
  /** Prepares a project view for this run's target; set once the run has read the database. */
  private prepare: (id: string) => PreparedView = () => {
    throw new Error("prepare called before the run read the database");
  };
  /** Physical keys of the views this run syncs. */
  private runKeys = new Set<string>();
  /** Views added to a selection because a selected view reads them and the database lacks them, with the view that needs each. */
  private readonly addedUpstream = new Map<string, string>();
  /** md5 of pg_get_viewdef for managed views that exist, by "schema.name", to notice changes made outside a sync. */
  private currentDefinitions = new Map<string, string>();

  constructor(options: SyncOptions) {
    this.options = options;
    this.session = options.session;
    this.stateSchema = options.analyzer.project.config.stateSchema;
    this.personalPrefix = options.analyzer.project.config.personalPrefix;
    this.targetLabel = options.target === "personal" ? "personal" : "prod";
  }

  async execute(): Promise<Omit<SyncResult, "durationMs">> {
    const { analyzer, session } = this.options;
    this.checkCancelled();
    this.step = "starting the transaction";
    await session.query("BEGIN");
    await session.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.options.lockTimeoutMs ?? 10000))}`);
    this.step = "taking the sync lock";
    this.waitingOn = "advisory";
    await session.query(`SELECT pg_advisory_xact_lock(${SYNC_LOCK_KEY})`);
    this.waitingOn = undefined;

    this.step = `creating the state table in schema ${this.stateSchema}`;
    await ensureStateTable(session, this.stateSchema);
    const state = (await readState(session, this.stateSchema)).filter((row) => this.ownsStateRow(row));
    const stateByKey = new Map(state.map((row) => [`${row.schema}.${row.name}`, row]));

    const targetSchemas = [...analyzer.project.managedSchemas].map((schema) => physicalSchema(schema, this.options.target, this.personalPrefix));
    const productionSchemas = [...analyzer.project.managedSchemas];
    const existing = await existingRelations(session, [...new Set([...targetSchemas, ...productionSchemas, ...state.map((row) => row.schema)])]);

    const selected = this.options.views ? this.withMissingUpstream(new Set(this.options.views), existing) : undefined;
    const ids = analyzer.graph.topologicalOrder([...analyzer.project.views.keys()].filter((id) => !selected || selected.has(id)));
    const syncedIds = new Set(ids);
    const recorded = state.flatMap((row) => {
      const relation = existing.get(`${row.schema}.${row.name}`);
      return relation && relation.kind === "v" && row.definitionHash ? [relation] : [];
    });
    // pg_get_viewdef takes a share lock on each view, so a session holding an exclusive lock blocks here.
    this.step = "reading the definitions of the managed views";
    this.waitingOn = recorded.map((relation) => relation.oid);
    this.currentDefinitions = await viewDefinitionHashes(session, recorded);
    this.waitingOn = undefined;
    this.prepare = (id) =>
      prepareView(analyzer, analyzer.getAnalysis(id)!, {
        target: this.options.target,
        personalPrefix: this.personalPrefix,
        includeGrants: (this.options.includeGrants ?? true) && this.options.target === "prod",
        usesPersonalCopy: (upstream) =>
          syncedIds.has(upstream.id) || existing.has(`${physicalSchema(upstream.schema, "personal", this.personalPrefix)}.${upstream.name}`),
      });
    const prepared = ids.map((id) => this.prepare(id));
    this.runKeys = new Set(prepared.map((view) => `${view.schema}.${view.name}`));
    const managedKeys = new Set([...stateByKey.keys(), ...prepared.map((view) => `${view.schema}.${view.name}`)]);

    await this.createSchemas(prepared);
    if (!selected) await this.dropDeletedViews(state, prepared, existing, managedKeys);

    let done = 0;
    for (const view of prepared) {
      this.checkCancelled();
      this.options.onProgress?.(`${view.schema}.${view.name}`, done++, prepared.length);
      await this.syncView(view, existing, stateByKey, managedKeys, prepared);
    }

    if (this.failed.size === 0 && this.stateUpdates.length > 0) {
      this.step = "recording the sync in the state table";
      await recordState(
        session,
        this.stateSchema,
        this.stateUpdates.map((view) => ({
          schema: view.schema,
          name: view.name,
          target: this.targetLabel,
          contentHash: view.contentHash,
          gitCommit: this.options.gitCommit ?? null,
          sourceFile: view.view.file,
          grants: view.grants,
        })),
      );
    }

    const commit = this.options.mode === "sync" && this.failed.size === 0;
    this.step = commit ? "committing" : "rolling back";
    await session.query(commit ? "COMMIT" : "ROLLBACK");
    return {
      target: this.options.target,
      mode: this.options.mode,
      actions: this.actions,
      diagnostics: this.diagnostics,
      error: this.failed.size > 0 ? `${this.failed.size} view${this.failed.size === 1 ? "" : "s"} failed; nothing was changed.` : undefined,
      committed: commit,
    };
  }

  /**
   * Returns whether a state row belongs to this project and target. Several projects may sync
   * into one database and share the state table. So a row counts only when its schema is one
   * this project writes, which is a schema of its templates, or for the personal target this
   * prefix plus such a schema. Without that check a sync would drop other projects' and other developers'
   * views as deleted files.
   * NOTE: a view whose schema no longer has any template in the project is therefore not
   * dropped when its file is deleted; drop it by hand.
   */
  private ownsStateRow(row: StateRow): boolean {
    if (row.target !== this.targetLabel) return false;
    const schemas = [...this.options.analyzer.project.managedSchemas];
    if (this.options.target !== "personal") return schemas.includes(row.schema);
    const folder = row.sourceFile.split("/").slice(-2)[0] ?? "";
    const schema = parseFolderName(folder).schema;
    return schemas.includes(schema) && row.schema === physicalSchema(schema, "personal", this.personalPrefix);
  }

  /**
   * Adds to a selection of views the managed views they read, directly or through others, that
   * the database does not have: neither in the target's schema nor, for the personal target, in
   * production. Without them a dry run or personal sync of one view fails on a warehouse where
   * its upstream views were never synced. The added views are remembered for the actions' reasons.
   */
  private withMissingUpstream(selection: Set<string>, existing: Map<string, ExistingRelation>): Set<string> {
    const { analyzer, target } = this.options;
    const result = new Set(selection);
    const queue = [...selection];
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const upstreamId of analyzer.graph.dependencies.get(id) ?? []) {
        if (result.has(upstreamId)) continue;
        const upstream = analyzer.project.views.get(upstreamId);
        if (!upstream) continue;
        const inTarget = existing.has(`${physicalSchema(upstream.schema, target, this.personalPrefix)}.${upstream.name}`);
        const inProduction = existing.has(`${upstream.schema}.${upstream.name}`);
        if (inTarget || (target === "personal" && inProduction)) continue;
        result.add(upstreamId);
        this.addedUpstream.set(upstreamId, id);
        queue.push(upstreamId);
      }
    }
    return result;
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new SyncCancelledError("The sync was cancelled; nothing was changed.");
  }

  private async createSchemas(prepared: PreparedView[]): Promise<void> {
    const schemas = [...new Set(prepared.map((view) => view.schema))].sort();
    const present = await this.session.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", [schemas]);
    const have = new Set(present.rows.map((row) => row.nspname));
    for (const schema of schemas) {
      if (have.has(schema)) continue;
      this.step = `creating schema ${schema}`;
      await this.session.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    }
  }

  /** Drops views this tool created whose files are gone, after checking nothing unmanaged depends on them. */
  private async dropDeletedViews(
    state: StateRow[],
    prepared: PreparedView[],
    existing: Map<string, ExistingRelation>,
    managedKeys: Set<string>,
  ): Promise<void> {
    const keep = new Set(prepared.map((view) => `${view.schema}.${view.name}`));
    const gone = state.filter((row) => !keep.has(`${row.schema}.${row.name}`));
    if (gone.length === 0) return;
    const toDrop: ExistingRelation[] = [];
    for (const row of gone) {
      const relation = existing.get(`${row.schema}.${row.name}`);
      if (relation) toDrop.push(relation);
      else {
        this.step = `forgetting ${row.schema}.${row.name}`;
        await forgetState(this.session, this.stateSchema, row.schema, row.name);
      }
    }
    if (toDrop.length === 0) return;
    const names = toDrop.map((relation) => `${relation.schema}.${relation.name}`).join(", ");
    const dependents = await this.collectDependents(
      toDrop,
      managedKeys,
      `drop ${names} (${toDrop.length === 1 ? "its file was" : "their files were"} deleted)`,
      "Drop or change them first, or restore the deleted file.",
    );
    await this.dropRelations([...dependents.managed, ...toDrop]);
    for (const relation of toDrop) {
      this.step = `forgetting ${relation.schema}.${relation.name}`;
      await forgetState(this.session, this.stateSchema, relation.schema, relation.name);
      const row = gone.find((candidate) => candidate.schema === relation.schema && candidate.name === relation.name);
      this.actions.push({ view: `${relation.schema}.${relation.name}`, action: "drop", reason: `its file ${row?.sourceFile ?? ""} was deleted`.trim() });
    }
    for (const relation of dependents.managed) this.dropped.add(`${relation.schema}.${relation.name}`);
  }

  /** Finds every dependent of the relations; refuses when any of them is not managed by this project. */
  private async collectDependents(
    relations: ExistingRelation[],
    managedKeys: Set<string>,
    purpose: string,
    advice: string,
  ): Promise<{ managed: ExistingRelation[] }> {
    const dropping = new Set(relations.map((relation) => `${relation.schema}.${relation.name}`));
    const managed: ExistingRelation[] = [];
    const unmanaged: DependentObject[] = [];
    for (const relation of relations) {
      this.step = `reading the dependents of ${relation.schema}.${relation.name}`;
      for (const dependent of await allDependents(this.session, relation.oid)) {
        const key = dependent.schema !== undefined ? `${dependent.schema}.${dependent.name}` : undefined;
        if (key && dropping.has(key)) continue;
        if (key && managedKeys.has(key) && dependent.oid !== undefined) {
          if (!managed.some((candidate) => candidate.oid === dependent.oid)) {
            managed.push({ oid: dependent.oid, schema: dependent.schema!, name: dependent.name!, kind: "v" });
          }
        } else if (!unmanaged.some((candidate) => candidate.description === dependent.description)) {
          unmanaged.push(dependent);
        }
      }
    }
    if (unmanaged.length > 0) {
      const list = unmanaged.map((dependent) => `  - ${dependent.description}`).join("\n");
      throw new SyncRefusedError(
        `Cannot ${purpose}: objects that this project does not manage depend on it and would be lost:\n${list}\n${advice} Nothing was changed.`,
      );
    }
    return { managed };
  }

  /** Drops views in one statement, so PostgreSQL orders them itself; RESTRICT (the default) still protects anything missed. */
  private async dropRelations(relations: ExistingRelation[]): Promise<void> {
    if (relations.length === 0) return;
    const names = relations.map((relation) => `${escapeIdentifier(relation.schema)}.${escapeIdentifier(relation.name)}`);
    this.step = `dropping ${relations.map((relation) => `${relation.schema}.${relation.name}`).join(", ")}`;
    this.waitingOn = relations.map((relation) => relation.oid);
    await this.session.query(`DROP VIEW ${names.join(", ")}`);
    this.waitingOn = undefined;
  }

  private async syncView(
    view: PreparedView,
    existing: Map<string, ExistingRelation>,
    stateByKey: Map<string, StateRow>,
    managedKeys: Set<string>,
    prepared: PreparedView[],
  ): Promise<void> {
    const key = `${view.schema}.${view.name}`;
    const relation = existing.get(key);
    const state = stateByKey.get(key);
    const failedUpstream = view.dependencies.find((id) => {
      const upstream = prepared.find((candidate) => candidate.view.id === id);
      return upstream && this.failed.has(`${upstream.schema}.${upstream.name}`);
    });
    if (failedUpstream) {
      this.failed.add(key);
      this.actions.push({ view: key, action: relation ? "replace" : "create", reason: `skipped: ${failedUpstream} failed` });
      return;
    }

    if (relation && relation.kind !== "v") {
      throw new SyncRefusedError(
        `${key} exists and is not a view (relkind ${relation.kind}); a sync only manages views it can replace. Rename the view file or remove the ${relation.kind === "m" ? "materialized view" : "table"}. Nothing was changed.`,
      );
    }

    if (!relation || this.dropped.has(key)) {
      let reason = "re-created after a view it depends on was re-created";
      if (!relation) reason = state ? "missing from the database: it was dropped outside a sync" : "new view";
      const neededBy = this.addedUpstream.get(view.view.id);
      if (!relation && neededBy) reason = `not in the database yet, and ${neededBy} reads it`;
      if (await this.createView(view, relation ? "recreate" : "create")) {
        this.actions.push({ view: key, action: relation ? "recreate" : "create", reason });
        this.dropped.delete(key);
      }
      return;
    }

    const changedOutside = Boolean(state?.definitionHash && this.currentDefinitions.get(key) !== state.definitionHash);
    if (!this.options.full && state?.contentHash === view.contentHash && !changedOutside) {
      this.actions.push({ view: key, action: "unchanged", reason: "same definition as the last sync" });
      return;
    }
    let reason = "view exists but was not created by a sync; adopting it";
    if (this.options.full) reason = "--full replaces every view";
    else if (state && state.contentHash === view.contentHash) reason = "the view was changed in the database outside a sync";
    else if (state) reason = "definition changed";

    const statement = createViewStatement(view, true);
    const columns = this.knownColumns(view);
    this.waitingOn = [relation.oid];
    this.step = `replacing ${key}`;
    const previousGrants = state?.grants ?? [];
    const replaceError = await this.runInSavepoint("synced_views_replace", statement.text, columns ? this.extrasStatements(view, columns, previousGrants) : []);
    this.waitingOn = undefined;
    if (replaceError && !INCOMPATIBLE_COLUMNS.has(replaceError.sqlState)) {
      this.reportError(view, statement, replaceError, "replace");
      return;
    }
    if (!replaceError) {
      if (columns) this.stateUpdates.push(view);
      else await this.applyExtras(view, previousGrants);
      this.actions.push({ view: key, action: "replace", reason });
      return;
    }
    const incompatible = replaceError;

    // The column list changed in a way CREATE OR REPLACE cannot express: drop and create.
    const dependents = await this.collectDependents(
      [relation],
      managedKeys,
      `re-create ${key} (${incompatible.message})`,
      "Drop or change them first, or keep the column list compatible (same names and types, new columns only at the end) so CREATE OR REPLACE VIEW works.",
    );
    await this.dropRelations([...dependents.managed, relation]);
    for (const dependent of dependents.managed) this.dropped.add(`${dependent.schema}.${dependent.name}`);
    if (await this.createView(view, "recreate")) {
      this.actions.push({ view: key, action: "recreate", reason: `column list changed: ${incompatible.message}` });
    }
    // Dependents that came earlier in the order (their new text no longer reads this view) are created again now.
    for (const dependent of dependents.managed) {
      const dependentKey = `${dependent.schema}.${dependent.name}`;
      const done = this.created.get(dependentKey);
      if (!done) continue;
      if (await this.createView(done, "recreate")) {
        this.dropped.delete(dependentKey);
        this.actions.push({ view: dependentKey, action: "recreate", reason: `re-created after ${key} was re-created` });
      }
    }
    await this.recreateOutsideRun(dependents.managed, key);
  }

  /**
   * Creates again the dropped dependents that this run would not reach, because a selection of
   * views left them out. A dependent whose file is gone stays dropped, and its state row goes.
   */
  private async recreateOutsideRun(dependents: ExistingRelation[], cause: string): Promise<void> {
    const { analyzer, target } = this.options;
    const idsByKey = new Map(
      [...analyzer.project.views.values()].map((view) => [`${physicalSchema(view.schema, target, this.personalPrefix)}.${view.name}`, view.id]),
    );
    const outside = dependents.map((dependent) => `${dependent.schema}.${dependent.name}`).filter((key) => !this.runKeys.has(key) && !this.created.has(key));
    const ids: string[] = [];
    for (const key of outside) {
      const id = idsByKey.get(key);
      if (id) {
        ids.push(id);
        continue;
      }
      const [schema, name] = [key.slice(0, key.indexOf(".")), key.slice(key.indexOf(".") + 1)];
      await forgetState(this.session, this.stateSchema, schema, name);
      this.dropped.delete(key);
      this.actions.push({ view: key, action: "drop", reason: `its file was deleted, and it depended on ${cause}, which was re-created` });
    }
    for (const id of analyzer.graph.topologicalOrder(ids)) {
      const view = this.prepare(id);
      const key = `${view.schema}.${view.name}`;
      this.runKeys.add(key);
      if (await this.createView(view, "recreate")) {
        this.dropped.delete(key);
        this.actions.push({ view: key, action: "recreate", reason: `re-created after ${cause} was re-created` });
      }
    }
  }

  /**
   * Creates a view in a savepoint. A PostgreSQL error becomes a diagnostic on the template, and
   * the view counts as failed under the action it was meant to get.
   */
  private async createView(view: PreparedView, action: "create" | "recreate"): Promise<boolean> {
    const key = `${view.schema}.${view.name}`;
    const statement = createViewStatement(view, false);
    const columns = this.knownColumns(view);
    this.step = `creating ${key}`;
    // A new view has no comments or grants yet, so there is nothing earlier to clear or revoke.
    const error = await this.runInSavepoint("synced_views_create", statement.text, columns ? this.extrasStatements(view, columns, []) : []);
    if (error) {
      this.reportError(view, statement, error, action);
      return false;
    }
    if (columns) this.stateUpdates.push(view);
    else await this.applyExtras(view, []);
    this.created.set(key, view);
    return true;
  }

  /**
   * Runs a CREATE statement and the statements after it inside a savepoint. The savepoint is
   * its own round trip: a statement the server cannot parse rejects the whole message before any
   * of it runs, and the savepoint must exist to roll back to. Returns PostgreSQL's error, its
   * position unset when the error lies after the CREATE statement, after rolling back.
   */
  private async runInSavepoint(savepoint: string, create: string, after: string[]): Promise<DatabaseError | undefined> {
    await this.session.query(`SAVEPOINT ${savepoint}`);
    try {
      await this.session.exec([create, ...after, `RELEASE SAVEPOINT ${savepoint}`].join(";\n"));
      return undefined;
    } catch (error) {
      const databaseError = toDatabaseError(error);
      if (!databaseError || databaseError.sqlState === LOCK_NOT_AVAILABLE) throw error;
      await this.session.exec(`ROLLBACK TO SAVEPOINT ${savepoint};\nRELEASE SAVEPOINT ${savepoint}`);
      const position = databaseError.position;
      const inCreate = position !== undefined && position <= countCodePoints(create, 0, create.length) + 1;
      return new DatabaseError(databaseError.message, databaseError.sqlState, {
        position: inCreate ? position : undefined,
        detail: databaseError.detail,
        hint: databaseError.hint,
        where: databaseError.where,
      });
    }
  }

  /** Returns the view's output column names when the analysis has all of them, so comments need no query. */
  private knownColumns(view: PreparedView): string[] | undefined {
    const output = this.options.analyzer.outputColumnsOf(view.view.id);
    return output?.complete ? output.columns.map((column) => column.name) : undefined;
  }

  /**
   * Writes documentation comments and grants in a separate round trip, for views whose columns
   * the analysis cannot list, and queues the state row. See extrasStatements for what it writes.
   */
  private async applyExtras(view: PreparedView, previousGrants: string[]): Promise<void> {
    const statements = this.extrasStatements(view, await this.columnNames(view), previousGrants);
    this.step = `writing comments and grants of ${view.schema}.${view.name}`;
    await this.session.exec(statements.join(";\n"));
    this.stateUpdates.push(view);
  }

  /**
   * Returns the COMMENT, GRANT and REVOKE statements for a view whose columns are `columns`.
   * Column comments whose `--` comment was removed are cleared. SELECT is revoked only from roles
   * this tool granted earlier and the config no longer lists, so grants made by others stay.
   */
  private extrasStatements(view: PreparedView, columns: string[], previousGrants: string[]): string[] {
    const statements: string[] = [];
    statements.push(`COMMENT ON VIEW ${view.qualifiedName} IS ${view.documentation ? escapeLiteral(view.documentation) : "NULL"}`);
    const documented = new Map(view.columnDocumentation.map((column) => [column.column, column.text]));
    for (const column of columns) {
      const text = documented.get(column);
      statements.push(`COMMENT ON COLUMN ${view.qualifiedName}.${escapeIdentifier(column)} IS ${text ? escapeLiteral(text) : "NULL"}`);
    }
    for (const role of view.grants) {
      statements.push(`GRANT USAGE ON SCHEMA ${escapeIdentifier(view.schema)} TO ${escapeIdentifier(role)}`);
      statements.push(`GRANT SELECT ON ${view.qualifiedName} TO ${escapeIdentifier(role)}`);
    }
    for (const role of previousGrants) {
      if (!view.grants.includes(role)) statements.push(`REVOKE SELECT ON ${view.qualifiedName} FROM ${escapeIdentifier(role)}`);
    }
    return statements;
  }

  /** Returns the view's column names as the database has them, so every column's comment is set or cleared. */
  private async columnNames(view: PreparedView): Promise<string[]> {
    const result = await this.session.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [view.qualifiedName],
    );
    return result.rows.map((row) => row.attname);
  }

  private reportError(view: PreparedView, statement: { text: string; prefixLength: number }, error: DatabaseError, action: ActionKind): void {
    const key = `${view.schema}.${view.name}`;
    this.failed.add(key);
    const range = templateRangeOfError(view, statement, error.position);
    let message = `PostgreSQL: ${error.message}.`;
    if (error.detail) message += ` ${error.detail}`;
    if (error.hint) message += ` Hint: ${error.hint}`;
    if (error.sqlState === UNDEFINED_OBJECT && /^role /.test(error.message) && view.grants.length > 0) {
      // The failing statement is a GRANT, which comes from the config, not from this file's SQL.
      message += ` The sync grants SELECT on this view to ${view.grants.join(", ")} ("grants" in synced-views.json or config(grants=...)): create the role, or remove it there.`;
    }
    this.diagnostics.push({ file: view.view.file, ...range, severity: "error", code: "database/error", message: `${message} (SQLSTATE ${error.sqlState})` });
    this.actions.push({ view: key, action, reason: `failed: ${error.message}` });
  }

}
