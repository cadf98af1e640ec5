import { expect } from 'vitest';
import type { PeerContext, PeerSuite } from '../peer-app.js';
import { until } from '../peer-client.js';

const file = 'starlette tests/test_background.py';
// What each run's tasks did, by run (host and format): the app is shared by all six runs.
const done = new Map<string, unknown[]>();
const record = (run: string, value: unknown) => void done.set(run, [...(done.get(run) ?? []), value]);
const runOf = ({ host, format }: PeerContext, test: string) => `${test}-${host}-${format}`;
const recorded = (run: string) => done.get(run) ?? [];

export const background: PeerSuite = {
  source: file,
  app: {
    handlers: (registry) => registry.onTaskError(Error, () => undefined),
    routes: [
      {
        method: 'GET',
        path: '/async',
        handler: ({ query, background: tasks }) => {
          tasks.add(async function asyncTask() {
            await new Promise((resolve) => setImmediate(resolve));
            record(query.run, 'complete');
          });
          return { text: 'task initiated' };
        },
      },
      {
        method: 'GET',
        path: '/sync',
        handler: ({ query, background: tasks }) => {
          tasks.add(function syncTask() {
            record(query.run, 'complete');
          });
          return { text: 'task initiated' };
        },
      },
      {
        method: 'GET',
        path: '/multiple',
        handler: ({ query, background: tasks }) => {
          for (const amount of [1, 2, 3]) tasks.add((run: string, by: number) => record(run, by), query.run, amount);
          return { text: 'tasks initiated' };
        },
      },
      {
        method: 'GET',
        path: '/failing',
        handler: ({ query, background: tasks }) => {
          const increment = () => {
            record(query.run, 'ran');
            if (recorded(query.run).length === 1) throw new Error('task failed');
          };
          tasks.add(increment);
          tasks.add(increment);
          return { text: 'tasks initiated' };
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_async_task`,
      name: 'an async task runs after the response',
      check: async (context) => {
        const run = runOf(context, 'async');
        const response = await context.client(`/async?run=${run}`);
        expect([response.status, response.text]).toEqual([200, 'task initiated']);
        await until(() => recorded(run).length === 1, 'the task');
      },
    },
    {
      from: `${file}::test_sync_task`,
      name: 'a sync task runs after the response',
      check: async (context) => {
        const run = runOf(context, 'sync');
        expect((await context.client(`/sync?run=${run}`)).text).toBe('task initiated');
        await until(() => recorded(run).length === 1, 'the task');
      },
    },
    {
      from: `${file}::test_multiple_tasks`,
      name: 'several tasks with arguments run, in the order added',
      check: async (context) => {
        const run = runOf(context, 'multiple');
        expect((await context.client(`/multiple?run=${run}`)).text).toBe('tasks initiated');
        await until(() => recorded(run).length === 3, 'three tasks');
        expect(recorded(run)).toEqual([1, 2, 3]);
      },
    },
    {
      from: `${file}::test_multi_tasks_failure_avoids_next_execution`,
      name: 'a failing task, then the next one',
      difference: 'A failing task does not stop the next one',
      check: async (context) => {
        const run = runOf(context, 'failing');
        const response = await context.client(`/failing?run=${run}`, { headers: { 'x-request-id': `req-${run}` } });
        expect([response.status, response.text]).toEqual([200, 'tasks initiated']);
        await until(() => recorded(run).length === 2, 'the second task');
        await until(() => context.lines.some((line) => line.requestId === `req-${run}` && line.code === 'ERRAND_TASK_FAILED'), 'the task failure in the log');
        expect(context.lines.filter((line) => line.requestId === `req-${run}` && line.code === 'ERRAND_TASK_FAILED')).toHaveLength(1);
      },
    },
  ],
};
