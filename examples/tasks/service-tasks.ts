import type { AnyTask, TaskDefinition } from 'errand/jobs';
import { createAnalyzeUploadTask, type UploadAnalysis, type UploadPayload } from './analyze-upload.js';
import { createOrderTasks, type OrderTasks } from './order-tasks.js';
import { createRecordRegistrationTask, type RegistrationPayload } from './record-registration.js';
import { createSaveUserTask, type UserPayload } from './save-user.js';
import { createSendEmailTask, type EmailPayload } from './send-email.js';
import type { ServiceDeps } from './service-deps.js';

/** Every task the reference service defines. */
export interface ServiceTasks {
  sendEmail: TaskDefinition<EmailPayload, { messageId: string }>;
  analyzeUpload: TaskDefinition<UploadPayload, UploadAnalysis>;
  saveUser: TaskDefinition<UserPayload, void>;
  recordRegistration: TaskDefinition<RegistrationPayload, void>;
  orders: OrderTasks;
}

/**
 * Makes the service's tasks bound to this process's dependencies. Every process makes the same
 * set, so a job enqueued by any HTTP worker finds its task in whichever process runs the worker.
 *
 * @example
 * const tasks = createServiceTasks({ store, mailer, users, audit })
 */
export function createServiceTasks(deps: ServiceDeps): ServiceTasks {
  return {
    sendEmail: createSendEmailTask(deps),
    analyzeUpload: createAnalyzeUploadTask(),
    saveUser: createSaveUserTask(deps),
    recordRegistration: createRecordRegistrationTask(deps),
    orders: createOrderTasks(deps),
  };
}

/**
 * The tasks a durable worker must know: every one, since the after-response tasks move to the
 * queue when a shutdown deadline leaves them unstarted.
 */
export function durableTasks(tasks: ServiceTasks): AnyTask[] {
  return [tasks.sendEmail, tasks.analyzeUpload, tasks.saveUser, tasks.recordRegistration, tasks.orders.audit, tasks.orders.confirm, tasks.orders.count, tasks.orders.fulfil];
}
