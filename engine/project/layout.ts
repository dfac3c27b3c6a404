/**
 * The file layout of a views project: `templates/<schema>[_<stage>]/<view>.sql`.
 * The path alone decides the view's schema, stage and name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineDiagnostic } from "../diagnostics";

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/** One view template. */
export interface ViewFile {
  /** "schema.view", unique in a project. */
  id: string;
  schema: string;
  name: string;
  stage: number;
  /** The folder under templates, such as "core_1". */
  folder: string;
  /** Path relative to the project directory with "/" separators, as diagnostics print it. */
  file: string;
  /** Path relative to the templates folder, the name nunjucks loads the template by. */
  templateName: string;
  absolutePath: string;
}

const LOWER_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Splits a folder name into schema and stage: "core" is stage 0, "core_2" stage 2. */
export function parseFolderName(folder: string): { schema: string; stage: number } {
  const match = /^(.+)_(\d+)$/.exec(folder);
  if (match && !match[2].startsWith("0")) return { schema: match[1], stage: Number(match[2]) };
  return { schema: folder, stage: 0 };
}

function isHidden(name: string): boolean {
  return name.startsWith("_") || name.startsWith(".");
}

export interface LayoutScan {
  views: ViewFile[];
  /** Macro files relative to the templates folder, such as "_macros/finance.sql". */
  macroFiles: string[];
  diagnostics: EngineDiagnostic[];
}

/**
 * Lists the view files under the templates folder. Folders starting with "_" (macros) or "."
 * are not schemas. Names that PostgreSQL would fold, reject or truncate are diagnostics on
 * the file, and such files are left out of the project.
 */
export function scanLayout(projectDir: string, templatesDir: string): LayoutScan {
  const templatesPath = path.resolve(projectDir, templatesDir);
  const views: ViewFile[] = [];
  const macroFiles: string[] = [];
  const diagnostics: EngineDiagnostic[] = [];
  const toProjectPath = (absolute: string): string => path.relative(projectDir, absolute).split(path.sep).join("/");

  let folders: fs.Dirent[];
  try {
    folders = fs.readdirSync(templatesPath, { withFileTypes: true });
  } catch {
    return { views, macroFiles, diagnostics };
  }
  folders.sort((a, b) => a.name.localeCompare(b.name));

  for (const folder of folders) {
    const folderPath = path.join(templatesPath, folder.name);
    if (!isDirectoryEntry(folder, folderPath)) {
      if (folder.name.toLowerCase().endsWith(".sql")) {
        diagnostics.push({
          file: toProjectPath(folderPath),
          start: 0,
          end: 0,
          severity: "error",
          code: "naming/invalid-name",
          message: `${folder.name} is ignored because it is not in a schema folder. Move it to ${templatesDir}/<schema>/${folder.name}.`,
        });
      }
      continue;
    }
    if (folder.name === "_macros") {
      for (const entry of safeReadDir(folderPath)) {
        if (entry.name.endsWith(".sql") && !isDirectoryEntry(entry, path.join(folderPath, entry.name))) macroFiles.push(`_macros/${entry.name}`);
      }
      continue;
    }
    if (isHidden(folder.name)) continue;

    const { schema, stage } = parseFolderName(folder.name);
    // Every *.sql entry is a view, whatever its type: one that cannot be read (a directory, a
    // broken symbolic link) is reported when it is read rather than silently left out.
    const allEntries = safeReadDir(folderPath);
    const entries = allEntries.filter((entry) => entry.name.endsWith(".sql"));
    entries.sort((a, b) => a.name.localeCompare(b.name));
    diagnostics.push(...strayFiles(folderPath, folder.name, allEntries, toProjectPath));
    for (const entry of entries) {
      const absolutePath = path.join(folderPath, entry.name);
      const file = toProjectPath(absolutePath);
      const name = entry.name.slice(0, -".sql".length);
      const problem = checkNames(folder.name, schema, name);
      if (problem) {
        diagnostics.push({ file, start: 0, end: 0, severity: "error", ...problem });
        continue;
      }
      views.push({
        id: `${schema}.${name}`,
        schema,
        name,
        stage,
        folder: folder.name,
        file,
        templateName: `${folder.name}/${entry.name}`,
        absolutePath,
      });
    }
  }
  macroFiles.sort();
  return { views, macroFiles, diagnostics };
}

/** Tells whether a directory entry is a folder, following symbolic links. */
function isDirectoryEntry(entry: fs.Dirent, absolutePath: string): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return fs.statSync(absolutePath).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reports SQL files in a schema folder that are not views although they look meant to be: an
 * upper-case extension (views end in ".sql"), and files in a subfolder, which the layout ignores.
 */
function strayFiles(folderPath: string, folder: string, entries: fs.Dirent[], toProjectPath: (absolute: string) => string): EngineDiagnostic[] {
  const found: EngineDiagnostic[] = [];
  for (const entry of entries) {
    const entryPath = path.join(folderPath, entry.name);
    if (!entry.name.endsWith(".sql") && entry.name.toLowerCase().endsWith(".sql")) {
      found.push({
        file: toProjectPath(entryPath),
        start: 0,
        end: 0,
        severity: "error",
        code: "naming/invalid-name",
        message: `${entry.name} is ignored because of its extension: view files end in lower-case ".sql". Rename it to ${entry.name.slice(0, -4)}.sql.`,
      });
    } else if (!entry.name.endsWith(".sql") && !isHidden(entry.name) && isDirectoryEntry(entry, entryPath)) {
      for (const nested of safeReadDir(entryPath)) {
        if (!nested.name.toLowerCase().endsWith(".sql")) continue;
        found.push({
          file: toProjectPath(path.join(entryPath, nested.name)),
          start: 0,
          end: 0,
          severity: "warning",
          code: "naming/invalid-name",
          message: `${folder}/${entry.name}/${nested.name} is ignored: views live directly in their schema folder, such as ${folder}/${nested.name}.`,
        });
      }
    }
  }
  return found;
}

function safeReadDir(folder: string): fs.Dirent[] {
  try {
    return fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}

function checkNames(
  folder: string,
  schema: string,
  name: string,
): { code: "naming/invalid-name" | "naming/too-long"; message: string } | undefined {
  if (!LOWER_IDENTIFIER.test(schema)) {
    return {
      code: "naming/invalid-name",
      message: `Folder "${folder}" does not name a schema: schema names must be lower-case identifiers (a-z, 0-9, _, not starting with a digit). Rename the folder${renameHint(folder)}.`,
    };
  }
  const zeroStage = /^(.*)_0+(\d*)$/.exec(folder);
  if (zeroStage) {
    const stage = Number(zeroStage[2] || "0");
    const fix = stage === 0 ? `stage-0 views go in "${zeroStage[1]}/"` : `use "${zeroStage[1]}_${stage}/"`;
    return {
      code: "naming/invalid-name",
      message: `Folder "${folder}": stages are numbered from 1 without leading zeros; ${fix}.`,
    };
  }
  if (!LOWER_IDENTIFIER.test(name)) {
    return {
      code: "naming/invalid-name",
      message: `File name "${name}.sql" does not name a view: view names must be lower-case identifiers (a-z, 0-9, _, not starting with a digit). Rename the file${renameHint(name)}.`,
    };
  }
  for (const [kind, value] of [["Schema", schema], ["View", name]] as const) {
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_IDENTIFIER_BYTES) {
      return {
        code: "naming/too-long",
        message: `${kind} name "${value}" is ${bytes} bytes long; PostgreSQL truncates names to ${MAX_IDENTIFIER_BYTES} bytes. Shorten it.`,
      };
    }
  }
  return undefined;
}

/** Suggests the lower-case identifier closest to a name, such as "sales_reports" for "Sales-Reports". */
function renameHint(name: string): string {
  let folded = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (/^[0-9]/.test(folded)) folded = `_${folded}`;
  return folded && folded !== name && LOWER_IDENTIFIER.test(folded) ? `, for example to "${folded}"` : "";
}
