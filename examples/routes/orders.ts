import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { bodyLimit } from '../../src/adapters/hono/body-limit.js';
import { validate } from '../../src/adapters/hono/validate.js';
import { HTTPException } from '../../src/errors/http-exception.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';
import { orderSchema } from '../tasks/order-tasks.js';

/**
 * The seed's third exercise: several background tasks on one route. `POST /orders` answers 202
 * `{"orderId"}` and adds three tasks, an audit line, a confirmation email and a stats counter, which
 * run after the response in the order added. `GET /orders/{id}` lists the steps as they ran.
 */
export function orderRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post('/orders', bodyLimit(16 * 1024), validate('json', orderSchema), (c) => {
    const order = { orderId: randomUUID(), ...c.req.valid('json') };
    runtime.store.addOrder(order);
    const { audit, confirm, count } = runtime.tasks.orders;
    c.var.background.add(audit, order);
    c.var.background.add(confirm, order);
    c.var.background.add(count, order);
    return c.json({ orderId: order.orderId }, 202, { Location: `/orders/${order.orderId}` });
  });

  app.get('/orders/:id', (c) => {
    const order = runtime.store.getOrder(c.req.param('id'));
    if (order === undefined) throw new HTTPException(404, `no order has id ${c.req.param('id')}`);
    return c.json(order);
  });
}
