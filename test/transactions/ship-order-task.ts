import { defineTask } from '../../src/jobs/define-task.js';

/** The job an order enqueues in the transaction tests. */
export const shipOrder = defineTask('ship-order', { retries: 0, handler: (payload: { orderId: string }) => payload.orderId });
