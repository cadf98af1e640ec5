import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** One message received by the SMTP sink, as `GET /dev/mailbox` lists it. */
export interface MailboxMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** ISO 8601. */
  receivedAt: string;
}

/** One background step of an order, in the order the steps ran. */
export interface OrderStep {
  step: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601. */
  finishedAt: string;
  /** What the step produced (the audit line, the mail's recipient, the counter value). */
  detail: string;
}

/** An order and the steps that ran for it so far. */
export interface OrderRecord {
  orderId: string;
  item: string;
  quantity: number;
  email: string;
  createdAt: string;
  steps: OrderStep[];
}

const schema = `
CREATE TABLE IF NOT EXISTS mailbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sender TEXT NOT NULL,
  recipients TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, item TEXT NOT NULL, quantity INTEGER NOT NULL, email TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_steps (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, step TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS registrations (seq INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, registered_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS registrations_by_time ON registrations (registered_at);
`;

interface MailRow { id: string; sender: string; recipients: string; subject: string; body: string; received_at: string }

function toMail(row: MailRow): MailboxMessage {
  return { id: row.id, from: row.sender, to: JSON.parse(row.recipients) as string[], subject: row.subject, text: row.body, receivedAt: row.received_at };
}
interface OrderRow { id: string; item: string; quantity: number; email: string; created_at: string }
interface StepRow { step: string; started_at: string; finished_at: string; detail: string }

/**
 * The service's own small database (`service.db` in the data directory): the dev mailbox, orders
 * and their steps, counters. SQLite in WAL mode so every `--workers` process, and the primary that
 * runs the SMTP sink, read and write the same rows; this is separate from the job queue on purpose,
 * because the queue may live in Redis.
 */
export class ServiceStore {
  readonly #db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.#db = new Database(join(dataDir, 'service.db'));
    this.#db.pragma('journal_mode = WAL');
    // Several processes write here; wait for the lock rather than fail with SQLITE_BUSY.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(schema);
  }

  /** Stores a received message and returns it with its id. */
  addMail(message: Omit<MailboxMessage, 'id' | 'receivedAt'>): MailboxMessage {
    const stored: MailboxMessage = { id: randomUUID(), receivedAt: new Date().toISOString(), ...message };
    this.#db
      .prepare('INSERT INTO mailbox (id, sender, recipients, subject, body, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(stored.id, stored.from, JSON.stringify(stored.to), stored.subject, stored.text, stored.receivedAt);
    return stored;
  }

  /**
   * One page of received messages, newest first: at most `limit`, older than the message
   * `before` (the `nextCursor` of the previous page). `nextCursor` is set when older ones remain.
   */
  pageMail(options: { limit: number; before?: number }): { messages: MailboxMessage[]; nextCursor?: number } {
    const rows = this.#db
      .prepare('SELECT * FROM mailbox WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as (MailRow & { seq: number })[];
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { messages: page.map(toMail), ...(rows.length > options.limit && last !== undefined ? { nextCursor: last.seq } : {}) };
  }

  /** Every received message, oldest first. */
  listMail(): MailboxMessage[] {
    const rows = this.#db.prepare('SELECT * FROM mailbox ORDER BY seq').all() as MailRow[];
    return rows.map(toMail);
  }

  /** Records a new order (before its steps run). */
  addOrder(order: Omit<OrderRecord, 'steps' | 'createdAt'>): void {
    this.#db
      .prepare('INSERT INTO orders (id, item, quantity, email, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(order.orderId, order.item, order.quantity, order.email, new Date().toISOString());
  }

  /** Appends one finished step to an order; the autoincrement key keeps the order they ran in. */
  addOrderStep(orderId: string, step: OrderStep): void {
    this.#db
      .prepare('INSERT INTO order_steps (order_id, step, started_at, finished_at, detail) VALUES (?, ?, ?, ?, ?)')
      .run(orderId, step.step, step.startedAt, step.finishedAt, step.detail);
  }

  /** An order with its steps in the order they ran, or undefined. */
  getOrder(orderId: string): OrderRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM orders WHERE id = ?').get(orderId) as OrderRow | undefined;
    if (row === undefined) return undefined;
    const steps = this.#db.prepare('SELECT step, started_at, finished_at, detail FROM order_steps WHERE order_id = ? ORDER BY seq').all(orderId) as StepRow[];
    return {
      orderId: row.id,
      item: row.item,
      quantity: row.quantity,
      email: row.email,
      createdAt: row.created_at,
      steps: steps.map((step) => ({ step: step.step, startedAt: step.started_at, finishedAt: step.finished_at, detail: step.detail })),
    };
  }

  /** Atomically adds `by` to a named counter (across processes) and returns the new value. */
  increment(name: string, by = 1): number {
    const row = this.#db
      .prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value')
      .get(name, by) as { value: number };
    return row.value;
  }

  /** Current value of a counter (0 when never incremented). */
  counter(name: string): number {
    const row = this.#db.prepare('SELECT value FROM counters WHERE name = ?').get(name) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  /** Records one registration (`POST /register`) at `at` (epoch ms). */
  addRegistration(email: string, at: number = Date.now()): void {
    this.#db.prepare('INSERT INTO registrations (email, registered_at) VALUES (?, ?)').run(email, at);
  }

  /** The registrations in [`from`, `to`) (epoch ms): how many, and the first `limit` emails in order. */
  registrationsBetween(from: number, to: number, limit: number): { count: number; emails: string[] } {
    const { count } = this.#db.prepare('SELECT COUNT(*) AS count FROM registrations WHERE registered_at >= ? AND registered_at < ?').get(from, to) as { count: number };
    const rows = this.#db.prepare('SELECT email FROM registrations WHERE registered_at >= ? AND registered_at < ? ORDER BY registered_at, seq LIMIT ?').all(from, to, limit) as { email: string }[];
    return { count, emails: rows.map((row) => row.email) };
  }

  /** Where the last registrations digest ended (epoch ms), or `undefined` before the first. */
  digestEnd(): number | undefined {
    const row = this.#db.prepare("SELECT value FROM counters WHERE name = 'digest-end'").get() as { value: number } | undefined;
    return row?.value;
  }

  /** Records that a digest covered registrations up to `at` (never moves back). */
  setDigestEnd(at: number): void {
    this.#db.prepare("INSERT INTO counters (name, value) VALUES ('digest-end', ?) ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)").run(at);
  }

  close(): void {
    this.#db.close();
  }
}
