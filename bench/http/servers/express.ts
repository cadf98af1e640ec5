import express, { type NextFunction, type Request, type Response } from 'express';
import { afterFinish, MyCustomException, notFoundBody, oops, registered, registerTask } from './seed.js';

/* The seed app on bare Express 5: a catch-all for 404 and a four-argument error middleware. */
const task = registerTask();
const app = express();

app.get('/items/:name', (req, res) => {
  const name = req.params.name;
  if (name === 'error') throw new MyCustomException(name);
  res.json({ name });
});

app.post('/register', express.json(), (req: Request<object, unknown, { email?: string }>, res) => {
  afterFinish(res, task, req.body.email ?? '');
  res.json(registered);
});

app.use((req, res) => {
  res.status(404).json(notFoundBody(req.path));
});
app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  if (error instanceof MyCustomException) {
    res.status(418).json(oops(error.itemName));
    return;
  }
  res.status(500).json({ error: 'Internal Server Error' });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close());
