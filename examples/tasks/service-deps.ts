import type { LineWriter } from '../files/line-writer.js';
import type { Mailer } from '../mail/mailer.js';
import type { ServiceStore } from '../store/service-store.js';

/**
 * What the service's tasks need at run time. Tasks are made by factories that take these, so the
 * same task names and handlers exist in every process (HTTP workers that enqueue, the process that
 * runs the durable worker) while each process owns its own connections.
 */
export interface ServiceDeps {
  store: ServiceStore;
  mailer: Mailer;
  /** `<dataDir>/users.txt`: one JSON line per registered user. */
  users: LineWriter;
  /** `<dataDir>/audit.log`: one JSON line per audited event. */
  audit: LineWriter;
}
