import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import type { ServiceDeps } from './service-deps.js';

const registrationSchema = z.object({ email: z.email() });

/** The payload of the `record-registration` task. */
export type RegistrationPayload = z.infer<typeof registrationSchema>;

/**
 * The `record-registration` task: stores a registration (`POST /register`) with its time after the
 * response, for the `daily-digest` schedule to count (examples/tasks/daily-digest.ts).
 *
 * @example
 * c.var.background.add(tasks.recordRegistration, { email })
 */
export function createRecordRegistrationTask(deps: Pick<ServiceDeps, 'store'>): TaskDefinition<RegistrationPayload, void> {
  return defineTask('record-registration', {
    schema: registrationSchema,
    handler: ({ email }) => deps.store.addRegistration(email),
  });
}
