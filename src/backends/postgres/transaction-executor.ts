import { ErrandError } from '../../errors/errand-error.js';
import type { AppTransaction } from '../../jobs/backend.js';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { enqueueJobs } from './enqueue-jobs.js';
import type { QueryResult, RunQuery } from './postgres-context.js';

interface PgClientLike {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}
interface KyselyTransactionLike {
  executeQuery(query: { sql: string; parameters: readonly unknown[]; query: { kind: 'RawNode'; sqlFragments: readonly string[]; parameters: readonly unknown[] }; queryId: { queryId: string } }): Promise<{ rows: unknown[] }>;
}
interface DrizzleTransactionLike {
  execute(query: unknown): Promise<unknown>;
}

function hasMethod(value: object, name: string): boolean {
  return typeof (value as Record<string, unknown>)[name] === 'function';
}

/**
 * Splits SQL with `$N` placeholders into the text between them and the values in textual order (a
 * placeholder used twice takes its value twice), which is the shape a tagged template wants.
 */
export function splitPlaceholders(text: string, values: readonly unknown[]): { parts: string[]; ordered: unknown[] } {
  const parts: string[] = [];
  const ordered: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    parts.push(text.slice(last, match.index));
    ordered.push(values[Number(match[1]) - 1]);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return { parts, ordered };
}

/** Rows of a Drizzle `execute` result: node-postgres answers `{ rows }`, postgres.js the rows themselves. */
function drizzleRows(result: unknown): unknown[] {
  if (Array.isArray(result)) return result;
  return (result as { rows?: unknown[] }).rows ?? [];
}

/**
 * Makes a {@link RunQuery} that runs statements on the app's open transaction, whatever made it:
 * - a node-postgres client (`pool.connect()` then `BEGIN`), used through its public `query`;
 * - a Kysely transaction (`db.transaction().execute(trx => …)`), through `executeQuery` with a raw query;
 * - a Drizzle transaction (`db.transaction(tx => …)`), through `execute` with Drizzle's own `sql` tag.
 * Anything else is refused with ERRAND_TX_UNSUPPORTED.
 */
export function transactionQuery(tx: AppTransaction): RunQuery {
  if (hasMethod(tx, 'executeQuery')) {
    const kysely = tx as KyselyTransactionLike;
    return async <Row>(text: string, values: readonly unknown[]) => {
      const result = await kysely.executeQuery({ sql: text, parameters: values, query: { kind: 'RawNode', sqlFragments: [text], parameters: [] }, queryId: { queryId: 'errand-enqueue' } });
      return { rows: result.rows as Row[], rowCount: result.rows.length };
    };
  }
  if (hasMethod(tx, 'query')) {
    const client = tx as PgClientLike;
    return async <Row>(text: string, values: readonly unknown[]) => (await client.query(text, [...values])) as QueryResult<Row>;
  }
  if (hasMethod(tx, 'execute')) {
    const drizzle = tx as DrizzleTransactionLike;
    return async <Row>(text: string, values: readonly unknown[]) => {
      // Imported only when a Drizzle transaction is given, so drizzle-orm is installed.
      const { sql } = await import('drizzle-orm');
      const { parts, ordered } = splitPlaceholders(text, values);
      const strings = Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray;
      const rows = drizzleRows(await drizzle.execute(sql(strings, ...ordered.map((value) => sql.param(value))))) as Row[];
      return { rows, rowCount: rows.length };
    };
  }
  throw new ErrandError(
    'ERRAND_TX_UNSUPPORTED',
    'enqueue was given a `tx` the Postgres backend does not know: pass a node-postgres client inside BEGIN, a Kysely transaction or a Drizzle transaction',
  );
}

/** Stores jobs with the app's transaction: they become visible to workers when it commits, and vanish with it on rollback. */
export function enqueueInTransaction(tx: AppTransaction, target: { table: string; channel: string }, jobs: readonly NewJob[], now: number): Promise<EnqueueResult[]> {
  return enqueueJobs({ ...target, query: transactionQuery(tx) }, jobs, now);
}
