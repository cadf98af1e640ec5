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

/** What every storage operation of the Postgres backend shares. */
export interface PostgresContext {
  readonly query: RunQuery;
  /** The quoted schema name, ready to put in SQL: `"errand"`. */
  readonly schema: string;
  /** `"errand".jobs` */
  readonly table: string;
  /** The LISTEN/NOTIFY channel enqueues and releases notify on. */
  readonly channel: string;
  /** The clock (injectable so tests can move time). */
  readonly now: () => number;
  readonly retention: Required<RetentionOptions>;
}

/** Quotes an SQL identifier (a schema name), doubling inner quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The notification channel of a schema (channel names are identifiers; one per schema). */
export function channelOf(schema: string): string {
  return `errand_jobs:${schema}`;
}
