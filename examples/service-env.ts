import type { ErrandEnv } from 'errand/hono';
import type { Queue } from 'errand/jobs';
import type { ServiceConfig } from './config.js';
import type { LineWriter } from './files/line-writer.js';
import type { OrderBook } from './store/order-book.js';
import type { ServiceStore } from './store/service-store.js';
import type { ServiceTasks } from './tasks/service-tasks.js';

/** The Hono environment of the service: errand's variables, the request's background tasks among them. */
export interface ServiceEnv {
  Variables: ErrandEnv['Variables'];
}

/** What every route module receives: this process's configuration, stores, tasks and queue. */
export interface ServiceRuntime {
  config: ServiceConfig;
  store: ServiceStore;
  users: LineWriter;
  tasks: ServiceTasks;
  queue: Queue;
  /** Orders written in the queue's own database, in one transaction with their job; none on Redis or memory. */
  orderBook?: OrderBook;
}
