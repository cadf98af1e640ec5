import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { expectJson } from '../expect-answer.js';
import type { PeerContext, PeerSuite } from '../peer-app.js';
import { until } from '../peer-client.js';

const dir = 'fastapi tests/test_tutorial/test_background_tasks';
// A real file on disk, as the tutorials write log.txt; one per host and format.
const logs = mkdtempSync(join(tmpdir(), 'errand-peers-'));
const logOf = (run: string) => join(logs, `${run.replace(/[^a-z-]/g, '')}.txt`);

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function writeNotification(run: string, email: string, message = ''): void {
  writeFileSync(logOf(run), `notification for ${email}: ${message}`);
}

function writeLog(run: string, message: string): void {
  appendFileSync(logOf(run), message);
}

const runOf = ({ host, format }: PeerContext, test: string) => `${test}-${host}-${format}`;

export const backgroundTasks: PeerSuite = {
  source: `${dir}/test_tutorial001.py, test_tutorial002.py`,
  app: {
    routes: [
      {
        method: 'POST',
        path: '/send-notification/:email',
        handler: ({ params, query, background }) => {
          background.add(writeNotification, query.run, params.email, 'some notification');
          return { json: { message: 'Notification sent in the background' } };
        },
      },
      {
        method: 'POST',
        path: '/send-message/:email',
        handler: ({ params, query, background }) => {
          // tutorial002's dependency adds its task first, then the route its own.
          if (query.q) background.add(writeLog, query.run, `found query: ${query.q}\n`);
          background.add(writeLog, query.run, `message to ${params.email}\n`);
          return { json: { message: 'Message sent' } };
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial001.py::test`,
      name: 'the response is sent, then the task writes its file',
      check: async (context) => {
        const run = runOf(context, 'one');
        expectJson(await context.client(`/send-notification/foo@example.com?run=${run}`, { method: 'POST' }), { message: 'Notification sent in the background' });
        await until(() => read(logOf(run)).length > 0, 'the notification file');
        expect(read(logOf(run))).toContain('notification for foo@example.com: some notification');
      },
    },
    {
      from: `${dir}/test_tutorial002.py::test`,
      name: 'tasks added by a dependency and by the route run in the order added',
      check: async (context) => {
        const run = runOf(context, 'two');
        expectJson(await context.client(`/send-message/foo@example.com?q=some-query&run=${run}`, { method: 'POST' }), { message: 'Message sent' });
        await until(() => read(logOf(run)).includes('message to'), 'both log lines');
        expect(read(logOf(run))).toContain('found query: some-query\nmessage to foo@example.com');
      },
    },
  ],
};
