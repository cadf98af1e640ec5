import { setTimeout as sleep } from 'node:timers/promises';

/*
 * What the seed app is made of, shared by every Node server under test so they differ only in the
 * framework: the custom exception, the bodies, and the after-response task of `/register`.
 */

/**
 * The after-response task `/register` adds, chosen by `REGISTER_TASK`:
 * `noop` (default, the HTTP section's trivial task), `sleep200` (the after-response section's
 * 200 ms async task, standing in for sending the welcome email) or `none` (no task at all).
 */
export type RegisterTask = ((email: string) => void | Promise<void>) | undefined;

let sent = 0;

function noop(email: string): void {
  // Touch the argument so the task is not an empty function V8 could treat specially.
  sent += email.length > 0 ? 1 : 0;
}

async function sleep200(email: string): Promise<void> {
  await sleep(200);
  noop(email);
}

/** The task for this process, from the environment. */
export function registerTask(): RegisterTask {
  const mode = process.env.REGISTER_TASK ?? 'noop';
  if (mode === 'none') return undefined;
  if (mode === 'sleep200') return sleep200;
  if (mode === 'noop') return noop;
  throw new Error(`REGISTER_TASK must be noop, sleep200 or none, not ${mode}`);
}

/** How many tasks ran (read by nothing at run time; kept so the work is observable in a debugger). */
export function tasksRun(): number {
  return sent;
}

/** The seed's custom exception (`MyCustomException(name)`). */
export class MyCustomException extends Error {
  constructor(readonly itemName: string) {
    super(`${itemName} did something wrong`);
    this.name = 'MyCustomException';
  }
}

export const registered = { message: 'Registration successful. You will receive an email shortly.' };

/** The seed's 418 body. */
export function oops(name: string): { message: string } {
  return { message: `Oops! ${name} did something wrong.` };
}

/** The custom 404 body every bare system sends (the seed's `{"error": …}` convention). */
export function notFoundBody(path: string): { error: string; status: number; path: string } {
  return { error: 'Not Found', status: 404, path };
}

/** Runs `task` after the response has been written, the way a bare stack would without errand. */
export function afterFinish(res: NodeJS.EventEmitter, task: RegisterTask, email: string): void {
  if (task === undefined) return;
  res.once('finish', () => {
    void Promise.resolve(task(email)).catch((error: unknown) => console.error('task failed', error));
  });
}
