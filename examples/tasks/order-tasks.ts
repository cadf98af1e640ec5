import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import type { ServiceStore } from '../store/service-store.js';
import type { ServiceDeps } from './service-deps.js';

/** The schema of `POST /orders`. */
export const orderSchema = z.object({
  item: z.string().trim().min(1).max(100).meta({ example: 'teapot' }),
  quantity: z.number().int().min(1).max(1_000).default(1),
  // Swagger UI shows an example from a field's pattern when it has no example: zod's email regex gives gibberish.
  email: z.email().meta({ example: 'ada@example.com' }),
});

const orderPayload = orderSchema.extend({ orderId: z.uuid(), quantity: z.number().int().min(1) });

/** The payload of each order task. */
export type OrderPayload = z.infer<typeof orderPayload>;

/** The three tasks `POST /orders` adds, in the order it adds them, and the durable job that runs all three. */
export interface OrderTasks {
  audit: TaskDefinition<OrderPayload, void>;
  confirm: TaskDefinition<OrderPayload, void>;
  count: TaskDefinition<OrderPayload, void>;
  /** The durable job enqueued in the order's own transaction: records the order, then runs the three steps in order. */
  fulfil: TaskDefinition<OrderPayload, void>;
}

/** Runs one step and records when it started and finished, so `GET /orders/{id}` shows the real order. */
async function recordStep(store: ServiceStore, orderId: string, step: string, run: () => Promise<string> | string): Promise<void> {
  const startedAt = new Date().toISOString();
  let detail: string;
  try {
    detail = await run();
  } catch (error) {
    // Keep the failure visible on the order, then let the task runner report it as usual.
    store.addOrderStep(orderId, { step, startedAt, finishedAt: new Date().toISOString(), detail: `failed: ${String(error)}` });
    throw error;
  }
  store.addOrderStep(orderId, { step, startedAt, finishedAt: new Date().toISOString(), detail });
}

/**
 * The seed's third exercise: several background tasks on one route. `audit` appends a line to
 * `audit.log`, `confirm` emails the customer, `count` bumps the orders counter shared by every
 * process. Added in that order, they run in that order, one after the other, after the response.
 *
 * @example
 * for (const task of [tasks.audit, tasks.confirm, tasks.count]) c.var.background.add(task, order)
 */
export function createOrderTasks(deps: Pick<ServiceDeps, 'store' | 'audit' | 'mailer'>): OrderTasks {
  const { store, audit, mailer } = deps;
  const steps = {
    audit: (order: OrderPayload) =>
      recordStep(store, order.orderId, 'audit', async () => {
        await audit.append(JSON.stringify({ event: 'order.created', orderId: order.orderId, item: order.item, quantity: order.quantity, at: new Date().toISOString() }));
        return 'order.created written to audit.log';
      }),
    confirm: (order: OrderPayload) =>
      recordStep(store, order.orderId, 'confirmation-email', async () => {
        await mailer.send({
          to: order.email,
          subject: `Order ${order.orderId} confirmed`,
          text: `Thank you for your order: ${order.quantity} × ${order.item}.\nOrder id: ${order.orderId}`,
        });
        return `sent to ${order.email}`;
      }),
    count: (order: OrderPayload) => recordStep(store, order.orderId, 'stats', () => `orders so far: ${store.increment('orders')}`),
  };
  return {
    audit: defineTask('order-audit', { schema: orderPayload, handler: steps.audit }),
    confirm: defineTask('order-confirmation-email', { schema: orderPayload, handler: steps.confirm }),
    count: defineTask('order-stats', { schema: orderPayload, handler: steps.count }),
    fulfil: defineTask('order-fulfilment', {
      schema: orderPayload,
      handler: async (order) => {
        // The order row itself was committed with this job; the service's step log starts here.
        if (store.getOrder(order.orderId) === undefined) store.addOrder(order);
        await steps.audit(order);
        await steps.confirm(order);
        await steps.count(order);
      },
    }),
  };
}
