export { createDashboard, type DashboardOptions } from './create-dashboard.js';
export { createAccessControl, type AccessControlOptions, type DashboardAccess, type DashboardAuthOptions } from './access-control.js';
export { csrfCookieName, csrfHeaderName } from './csrf.js';
export type { MailboxMessage, MailboxMessageView, MailboxSource } from './mailbox.js';
export { recordTaskFailures, type TaskFailureEvents } from './record-task-failures.js';
export { retryAllDead } from './retry-all-dead.js';
export { createTaskFailureLog, type TaskFailure, type TaskFailureLog, type TaskFailureLogOptions, type TaskFailureSource } from './task-failure-log.js';
