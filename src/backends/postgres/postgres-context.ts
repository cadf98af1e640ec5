import type { RetentionOptions } from '../../jobs/backend.js';

/** Rows of one statement, as node-postgres answers them. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number | null;
}

/**
 * Runs one statement. `name` makes it a named prepared statement on the connection that runs it
 * (parsed and planned once per connection) when prepared statements are enabled.
 */
export type RunQuery = <Row>(text: string, values: readonly unknown[], name?: string) => Promise<QueryResult<Row>>;

/** Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
export type RunTransaction = <T>(work: (query: RunQuery) => Promise<T>) => Promise<T>;

/** What every storage operation of the Postgres backend shares. */
export interface PostgresContext {
  readonly query: RunQuery;
  readonly transaction: RunTransaction;
  /** The quoted schema name, ready to put in SQL: `"errand"`. */
  readonly schema: string;
  /** `"errand".jobs` */
  readonly table: string;
  /** `"errand".workers`: worker liveness records (migration 0002). */
  readonly workers: string;
  /** The LISTEN/NOTIFY channel enqueues and releases notify on. */
  readonly channel: string;
  /** The clock (injectable so tests can move time). */
  readonly now: () => number;
  readonly retention: Required<RetentionOptions>;
}

/**
 * Now in epoch ms on the database's clock. Liveness records are written and judged with it (not
 * with the workers' clocks), so machines whose clocks disagree by seconds do not take each other's
 * jobs. `statement_timestamp()` is stable within a statement, so it can bound an index scan.
 */
export const databaseNowMs = `(extract(epoch from statement_timestamp()) * 1000)::bigint`;

/** Quotes an SQL identifier (a schema name), doubling inner quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The notification channel of a schema (channel names are identifiers; one per schema). */
export function channelOf(schema: string): string {
  return `errand_jobs:${schema}`;
}
