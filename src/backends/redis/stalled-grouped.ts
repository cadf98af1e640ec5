import type { HeldJob } from './claim-from-task.js';
import { heldDelayMs } from './fair-groups.js';
import { uncountAttemptIfHeld } from './lua-scripts.js';
import { groupedTaskOf, type RedisContext } from './redis-context.js';

/**
 * Sends a grouped job that a claim took without its group's turn back to its group, and answers
 * whether it did (the claim then drops it). Such a job was moved from active to wait by BullMQ's
 * stalled checker after its worker died: errand's own take-back scan, run before each claim, puts a
 * lapsed grouped job back in its group itself (lua-scripts.ts), but BullMQ's checker, the backstop,
 * runs on its own timer and knows no groups. Each turn records the job's stalled count
 * (`errand:turn`, written by fair-groups.ts when it releases the job); a higher count now means the
 * job stalled since its last turn. It is held again, due now, with the claim's attempt given back;
 * the lapsed attempt still counts (the claim settled it first, claim-from-task.ts).
 */
export async function sendBackOutOfTurn(context: RedisContext, { task, job, token }: HeldJob): Promise<boolean> {
  const id = job.id;
  // Only a job that ever stalled can have reached wait without a turn: no extra call for any other.
  if (job.stalledCounter === 0 || id === undefined) return false;
  const jobKey = context.names.jobKey(task, id);
  const [group, turn] = await context.client.hmget(jobKey, 'errand:group', 'errand:turn');
  if (group === null || Number(turn ?? 0) >= job.stalledCounter) return false;
  if (!(await uncountAttemptIfHeld(context.client, context.names.lockKey(task, id), jobKey, token))) return true;
  const due = Date.now();
  await context.fair.holdAgain(groupedTaskOf(context, task), { id, group, priority: job.opts.priority ?? 0, runAt: due }, () => job.moveToDelayed(due + heldDelayMs, token));
  return true;
}
