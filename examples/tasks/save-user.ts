import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import type { ServiceDeps } from './service-deps.js';

/** The schema of `POST /users` and of the `save-user` task. */
export const userSchema = z.object({
  name: z.string().trim().min(1).max(100).meta({ example: 'Ada Lovelace' }),
  // The example keeps documentation tools from making up an address from the format's pattern.
  email: z.email().meta({ example: 'ada@example.com' }),
  age: z.number().int().min(0).max(150).optional(),
});

/** A user as `POST /users` accepts it. */
export type UserPayload = z.infer<typeof userSchema>;

/**
 * The `save-user` task (the seed's second exercise): appends the user as one JSON line to
 * `users.txt` in the data directory, after the response. The line writer serialises appends in the
 * process and uses O_APPEND single writes across processes, so lines never interleave.
 *
 * @example
 * c.var.background.add(tasks.saveUser, user)
 */
export function createSaveUserTask(deps: Pick<ServiceDeps, 'users'>): TaskDefinition<UserPayload, void> {
  return defineTask('save-user', {
    schema: userSchema,
    handler: async (user) => {
      await deps.users.append(JSON.stringify({ ...user, savedAt: new Date().toISOString() }));
    },
  });
}
