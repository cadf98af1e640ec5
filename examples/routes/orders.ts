import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { bodyLimit } from 'errand/hono';
import { validate } from 'errand/hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { errorResponses, HTTPException } from 'errand/errors';
import { documentJsonBody, jsonAnswer, locationHeader } from '../api-docs.js';
import { writeRefusals } from '../limits/write-limits.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';
import { orderSchema } from '../tasks/order-tasks.js';

/**
 * The seed's third exercise: several background tasks on one route. `POST /orders` answers 202
 * `{"orderId", "jobId"}`. On a SQLite or Postgres queue it writes the order and enqueues its
 * fulfilment job in one transaction of the queue's database (`enqueue(…, { tx })`): the order exists
 * if and only if its job does, whatever crashes when. The job runs an audit line, a confirmation
 * email and a stats counter in that order. On Redis or memory it adds the three as after-response
 * tasks, in the order added. `GET /orders/{id}` lists the steps as they ran.
 */
const orderStep = z.object({ step: z.string(), startedAt: z.iso.datetime(), finishedAt: z.iso.datetime(), detail: z.string() });
const orderRecord = z.object({ orderId: z.uuid(), item: z.string(), quantity: z.number().int(), email: z.email(), createdAt: z.iso.datetime(), steps: z.array(orderStep) });

export function orderRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post('/orders', bodyLimit(16 * 1024), documentJsonBody(orderSchema, {
    summary: 'Place an order: its tasks run after the response or in one durable job',
    responses: { 202: jsonAnswer('Placed; poll Location for its steps', z.object({ orderId: z.uuid(), jobId: z.string().optional() }), locationHeader), ...errorResponses(writeRefusals) },
  }), validate('json', orderSchema), async (c) => {
    const order = { orderId: randomUUID(), ...c.req.valid('json') };
    const { orderBook } = runtime;
    if (orderBook !== undefined) {
      const jobId = await orderBook.place(order, (tx) => runtime.queue.enqueue(runtime.tasks.orders.fulfil, order, { tx }));
      return c.json({ orderId: order.orderId, jobId }, 202, { Location: `/orders/${order.orderId}` });
    }
    runtime.store.addOrder(order);
    const { audit, confirm, count } = runtime.tasks.orders;
    c.var.background.add(audit, order);
    c.var.background.add(confirm, order);
    c.var.background.add(count, order);
    return c.json({ orderId: order.orderId }, 202, { Location: `/orders/${order.orderId}` });
  });

  const documented = describeRoute({
    summary: 'An order and the steps of its fulfilment that ran so far',
    responses: { 200: jsonAnswer('The order and its steps so far', orderRecord), ...errorResponses([404]) },
  });
  app.get('/orders/:id', documented, async (c) => {
    const id = c.req.param('id');
    const order = runtime.store.getOrder(id);
    if (order !== undefined) return c.json(order);
    // Placed and committed, its fulfilment job not started yet: no steps so far.
    const placed = await runtime.orderBook?.get(id);
    if (placed === undefined) throw new HTTPException(404, `no order has id ${id}`, { code: 'ORDER_NOT_FOUND' });
    return c.json({ ...placed, steps: [] });
  });
}
