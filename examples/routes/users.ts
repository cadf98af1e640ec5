import { readFile } from 'node:fs/promises';
import type { Hono } from 'hono';
import { bodyLimit } from 'errand/hono';
import { validate } from 'errand/hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { errorResponses } from 'errand/errors';
import { documentJsonBody, jsonAnswer } from '../api-docs.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';
import { userSchema } from '../tasks/save-user.js';
import { writeRefusals } from '../limits/write-limits.js';
import { privateAccess } from './private-access.js';

/**
 * The seed's second exercise. `POST /users` validates `{name, email, age?}` (422 names each failing
 * field), answers 202 and, after the response, the `save-user` task appends the record as one line
 * to `users.txt`. `GET /users` reads the file back, one object per line: user data is private, so
 * in production it needs the dashboard's token.
 */
export function userRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post('/users', bodyLimit(16 * 1024), documentJsonBody(userSchema, { summary: 'Save a user to a text file after the response', responses: { 202: jsonAnswer('Accepted; the user is written after the response', z.object({ status: z.literal('accepted'), user: userSchema })), ...errorResponses(writeRefusals) } }), validate('json', userSchema), (c) => {
    const user = c.req.valid('json');
    c.var.background.add(runtime.tasks.saveUser, user);
    return c.json({ status: 'accepted', user }, 202);
  });

  const listed = describeRoute({ summary: 'The saved users, one object per line of users.txt (private)', responses: { 200: jsonAnswer('The users saved so far', z.array(userSchema)), ...errorResponses([401]) } });
  app.get('/users', listed, privateAccess(runtime.config), async (c) => {
    let text = '';
    try {
      text = await readFile(runtime.users.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n').filter((line) => line !== '');
    return c.json(lines.map((line) => JSON.parse(line) as unknown));
  });
}
