import type { Redis } from 'ioredis';
import type { RetentionOptions } from '../../jobs/backend.js';
import type { CancelledJobs } from './cancelled-jobs.js';
import type { FairGroups, GroupedTask } from './fair-groups.js';
import type { KeyIndex } from './key-index.js';
import type { RedisNames } from './redis-names.js';
import type { TaskQueues } from './task-queues.js';

/** What the storage operations of the Redis backend share (built once by the backend). */
export interface RedisContext {
  readonly client: Redis;
  readonly names: RedisNames;
  readonly queues: TaskQueues;
  readonly cancelledJobs: CancelledJobs;
  readonly keyIndex: KeyIndex;
  readonly fair: FairGroups;
  readonly retention: Required<RetentionOptions>;
}

/** Prefix of the keys of the BullMQ queue of `task` (`<prefix>:<queue>:`). */
export function queueKeyOf(names: RedisNames, task: string): string {
  return `${names.prefix}:${names.taskQueue(task)}:`;
}

/** Where the groups of `task` are kept (errand's keys) and released to (its BullMQ queue). */
export function groupedTaskOf(context: RedisContext, task: string): GroupedTask {
  return {
    task,
    ownPrefix: `${context.names.tasksKey.slice(0, -'tasks'.length)}groups:${task}:`,
    bullPrefix: queueKeyOf(context.names, task),
    queue: context.queues.queue(task),
  };
}
