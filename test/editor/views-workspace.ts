/**
 * The small views project the editor tests open in code-server, and the raw tables it reads in
 * the test database. The in-host suites find the same files by these relative paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Advisory lock key that templates/core/waiting_members.sql waits for. */
export const LOCK_KEY = 4242;

/** Files of the project, relative to the workspace folder. */
export const PROJECT_FILES: Record<string, string> = {
  "synced-views.json": `${JSON.stringify({ coreSchema: "core" }, null, 2)}\n`,
  // raw.payments is left out on purpose: a wrong column of it is found only by a dry run.
  "catalog/raw.sql": "CREATE TABLE raw.members (\n    member_id bigint,\n    first_name text,\n    birth_date date\n);\n",
  "templates/core/members.sql": [
    "/*",
    "Insured people, one row per member.",
    "*/",
    "select",
    "    m.member_id,                -- The member's key.",
    "    m.first_name,",
    "    m.birth_date",
    "from raw.members as m",
    "",
  ].join("\n"),
  "templates/core_1/member_ages.sql": ["select", "    m.member_id,", "    age(m.birth_date) as age", "from core.members as m", ""].join("\n"),
  // raw.payments has `amount`, not `amount_eur`.
  "templates/core/payments.sql": ["select", "    p.payment_id,", "    p.amount_eur", "from raw.payments as p", ""].join("\n"),
  // Its query waits for an advisory lock that the outer test holds, so a preview of it keeps
  // running until the suite requests that the outer test release the lock.
  "templates/core/waiting_members.sql": [
    "select",
    "    m.member_id,",
    `    (select 1 from (select pg_advisory_lock_shared(${LOCK_KEY})) as l) as waited`,
    "from raw.members as m",
    "",
  ].join("\n"),
  "templates/sales/leads.sql": "select 1 as lead_id, 'web' as source\n",
  "templates/sales_1/scores.sql": "select l.lead_id, 10 as score\nfrom sales.leads as l\n",
  // scores.sql is at stage 1 too, so this reference breaks layering/stage-order.
  "templates/sales_1/ranked.sql": "select s.lead_id, s.score\nfrom sales.scores as s\n",
  // An unclosed {% if %}: a template error once rendered.
  "templates/sales/unclosed_if.sql": 'select 1 as lead_id\n{% if target == "prod" %}\n',
};

/**
 * A file whose name is no view name (upper case and a hyphen): naming/invalid-name, found without
 * rendering. It is a project error outside every view, so it blocks every dry run and sync, and
 * only the untrusted workspace, which runs neither, gets it.
 */
export const MISNAMED_FILE = { file: "templates/sales/Bad-Name.sql", text: "select 1 as lead_id\n" };

/** SQL that creates the raw tables the project reads, with a few rows. */
export const RAW_TABLES_SQL = `
CREATE SCHEMA raw;
CREATE TABLE raw.members (member_id bigint PRIMARY KEY, first_name text, birth_date date);
CREATE TABLE raw.payments (payment_id bigint PRIMARY KEY, member_id bigint, amount numeric(12, 2));
INSERT INTO raw.members VALUES (1, 'Ada', '1990-04-01'), (2, 'Grace', '1985-12-09');
INSERT INTO raw.payments VALUES (10, 1, 99.50), (11, 2, 120.00);
`;

/** Writes the project, and MISNAMED_FILE when asked, into `folder`, which is created when missing. */
export function writeViewsProject(folder: string, options: { misnamedFile?: boolean } = {}): void {
  const files = options.misnamedFile ? { ...PROJECT_FILES, [MISNAMED_FILE.file]: MISNAMED_FILE.text } : PROJECT_FILES;
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(folder, ...file.split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}
