import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import type { TaskErrorInfo } from '../../src/errors/task-error.js';
import type { TaskRunner } from '../../src/tasks/task-runner.js';
import { gate, send } from './client.js';

/*
 * The after-response task contract every host adapter keeps, written once: each host's test file
 * mounts the same routes on its app (GET /slow-task, POST /fails, POST /mail, and GET /hold on an
 * app bounded at one pending task with Retry-After 2) through `taskScenario()`, then calls
 * `taskContract` inside its own describe.
 */

export class MailError extends Error {
  override name = 'MailError';
}

/** The state the routes of one host's test file share with the contract. */
export function taskScenario() {
  const silent = pino({ level: 'silent' });
  const registry = createErrorRegistry({ logger: silent });
  const reported: { error: Error; info: TaskErrorInfo }[] = [];
  registry.onTaskError(MailError, (error, info) => void reported.push({ error, info }));
  return { silent, registry, reported, events: [] as string[], slow: gate(), held: gate(), handled: { count: 0 } };
}

export type TaskScenario = ReturnType<typeof taskScenario>;

export interface TaskContractHost {
  scenario: TaskScenario;
  port(): number;
  boundedPort(): number;
  runner: TaskRunner;
  boundedRunner: TaskRunner;
  /** The path of the request a task error's `info.context` carries (each host's own request object). */
  contextPath(context: unknown): string;
}

export function taskContract(host: TaskContractHost): void {
  const { events, reported, slow, held, handled } = host.scenario;

  it('runs tasks after the response was fully written: the client has the whole body while the task is pending', async () => {
    events.length = 0;
    const response = await send(host.port(), '/slow-task');
    expect(response.text).toHaveLength(64 * 1024);
    events.push('client has the full response');
    expect(host.runner.stats().pending).toBe(1);
    slow.release();
    await host.runner.onIdle();
    expect(events.filter((event) => event !== 'task started (response finished: true)')).toEqual(['handler', 'client has the full response', 'task finished']);
    expect(events).toContain('task started (response finished: true)');
  });

  it('judges `when` against the error response of a route that threw', async () => {
    events.length = 0;
    const response = await send(host.port(), '/fails', { method: 'POST' });
    expect(response.status).toBe(500);
    await host.runner.onIdle();
    expect(events).toEqual(['failure task: db down', 'always task']);
  });

  it("reports a failing task to the registry's task-error handler with the request id and the request", async () => {
    reported.length = 0;
    const response = await send(host.port(), '/mail', { method: 'POST', headers: { 'x-request-id': 'req-mail' } });
    expect(response.status).toBe(202);
    await host.runner.onIdle();
    expect(reported).toHaveLength(1);
    expect(reported[0].error).toBeInstanceOf(MailError);
    expect(reported[0].info).toMatchObject({ task: 'sendMail', requestId: 'req-mail', timedOut: false });
    expect(host.contextPath(reported[0].info.context)).toBe('/mail');
  });

  it('answers 503 ERRAND_OVERLOADED with Retry-After at the in-flight bound, before the handler runs', async () => {
    expect((await send(host.boundedPort(), '/hold')).status).toBe(200);
    const refused = await send(host.boundedPort(), '/hold', { headers: { 'x-request-id': 'req-503' } });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.json).toMatchObject({ status: 503, code: 'ERRAND_OVERLOADED', requestId: 'req-503' });
    expect(handled.count).toBe(1);
    held.release();
    await host.boundedRunner.onIdle();
    expect((await send(host.boundedPort(), '/hold')).status).toBe(200);
    await host.boundedRunner.onIdle();
    expect(host.boundedRunner.stats()).toMatchObject({ rejectedRequests: 1, succeeded: 2, pending: 0 });
  });
}
