import express, { type Request } from 'express';
import { pino } from 'pino';
import { errand } from '../../../src/adapters/express/index.js';
import { HTTPException } from '../../../src/errors/index.js';
import { notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * The seed app on errand on Express 5, as docs/adapters.md teaches it, in production mode: the
 * custom exception is an HTTPException subclass, the seed's bodies come from registry handlers answering through `res`, the
 * task goes through `req.background`. pino at `warn`, as errand-hono.
 */
class MyCustomException extends HTTPException {
  override name = 'MyCustomException';
  constructor(readonly itemName: string) {
    super(418, `${itemName} did something wrong`);
  }
}

const task = registerTask();
const app = express();
const { registry } = errand(app, { logger: pino({ level: 'warn' }) });
// Custom bodies go out through Express's own `res`, as on bare Express (a web Response would be
// built by undici and read back: more work than the rest of the request).
registry
  .on(MyCustomException, (error, { res }) => res.status(418).json(oops(error.itemName)))
  // The path from Express's request, as bare Express and errand-hono (`c.req.path`) read it.
  .on(404, (_error, { req, res }) => res.status(404).json(notFoundBody(req.path)));

app.get('/items/:name', (req, res) => {
  const name = req.params.name;
  if (name === 'error') throw new MyCustomException(name);
  res.json({ name });
});

app.post('/register', express.json(), (req: Request<object, unknown, { email?: string }>, res) => {
  if (task !== undefined) req.background.add(task, req.body.email ?? '');
  res.json(registered);
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close());
