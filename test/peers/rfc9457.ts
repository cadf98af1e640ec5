import { expect } from 'vitest';
import { z } from 'zod';
import { HTTPException } from '../../src/errors/http-exception.js';
import { hiddenDetail } from '../../src/errors/problem-from-error.js';
import { expectError } from './expect-answer.js';
import type { PeerContext, PeerSuite } from './peer-app.js';

const rfc = 'RFC 9457';
const outOfCredit = 'https://example.com/probs/out-of-credit';

const raise = (make: () => Error) => () => {
  throw make();
};

/**
 * RFC 9457 §3-§5 on errand's default format. In the `fastapi` format the body is FastAPI's
 * `{"detail": …}` (not a problem document), so there each behaviour checks the status and detail.
 */
export const problemDetails: PeerSuite = {
  source: `${rfc} §3-§5 (https://www.rfc-editor.org/rfc/rfc9457)`,
  app: {
    routes: [
      {
        method: 'GET',
        path: '/account/:id/purchase',
        handler: raise(() => new HTTPException(403, 'Your current balance is 30, but that costs 50.', { type: outOfCredit, extensions: { balance: 30, accounts: ['/account/12345', '/account/67890'] } })),
      },
      { method: 'GET', path: '/items/:id', handler: ({ params }) => raise(() => new HTTPException(404, `no item ${params.id}`))() },
      { method: 'GET', path: '/crash', handler: raise(() => new Error('password=hunter2 at db.internal:5432')) },
      { method: 'GET', path: '/override', handler: raise(() => new HTTPException(409, 'conflict', { extensions: { status: 200, title: 'OK', type: 'https://evil.example', detail: 'fine', instance: '/elsewhere', balance: 1 } })) },
      { method: 'POST', path: '/people', body: z.object({ age: z.number().int().positive(), color: z.enum(['green', 'red', 'blue']) }), handler: ({ body }) => ({ json: body }) },
    ],
  },
  behaviours: [
    {
      from: `${rfc} §3, §3.1`,
      name: 'an error is a problem document: application/problem+json with type, title, status, detail, instance',
      check: async (context: PeerContext) => {
        const response = await context.client('/items/7');
        expectError(response, context, { status: 404, fastapi: { detail: 'no item 7' }, problem: { type: 'about:blank', title: 'Not Found', detail: 'no item 7', instance: '/items/7' } });
      },
    },
    {
      from: `${rfc} §3.1.1, §4.2.1`,
      name: 'type is the URI given, "about:blank" when none, and then title is the reason phrase',
      check: async (context: PeerContext) => {
        const credit = await context.client('/account/12345/purchase');
        expectError(credit, context, { status: 403, fastapi: { detail: 'Your current balance is 30, but that costs 50.' }, problem: { type: outOfCredit } });
        expectError(await context.client('/items/1'), context, { status: 404, fastapi: { detail: 'no item 1' }, problem: { type: 'about:blank', title: 'Not Found' } });
      },
    },
    {
      from: `${rfc} §3.1.2`,
      name: 'status equals the HTTP status code of the response, for every kind of error',
      check: async ({ client, format }: PeerContext) => {
        const answers = await Promise.all([client('/items/1'), client('/account/1/purchase'), client('/crash'), client('/items/1', { method: 'DELETE' }), client('/nowhere'), client('/people', { method: 'POST', body: {} })]);
        expect(answers.map((answer) => answer.status)).toEqual([404, 403, 500, 405, 404, 422]);
        if (format === 'problem') for (const answer of answers) expect((answer.json as { status: number }).status).toBe(answer.status);
      },
    },
    {
      from: `${rfc} §3.1.3, §3.1.4`,
      name: 'title is the same for every occurrence of a type; detail is about this occurrence',
      check: async (context: PeerContext) => {
        const [one, two] = await Promise.all([context.client('/items/1'), context.client('/items/2')]);
        expectError(one, context, { status: 404, fastapi: { detail: 'no item 1' }, problem: { title: 'Not Found', detail: 'no item 1' } });
        expectError(two, context, { status: 404, fastapi: { detail: 'no item 2' }, problem: { title: 'Not Found', detail: 'no item 2' } });
      },
    },
    {
      from: `${rfc} §3.1.5`,
      name: 'instance is the path of the request that failed',
      check: async (context: PeerContext) => {
        const response = await context.client('/items/42?verbose=1');
        expectError(response, context, { status: 404, fastapi: { detail: 'no item 42' }, problem: { instance: '/items/42' } });
      },
    },
    {
      from: `${rfc} §3.2`,
      name: 'extension members are top-level members of the problem',
      check: async (context: PeerContext) => {
        const response = await context.client('/account/12345/purchase');
        const problem = { type: outOfCredit, title: 'Forbidden', balance: 30, accounts: ['/account/12345', '/account/67890'], detail: 'Your current balance is 30, but that costs 50.' };
        expectError(response, context, { status: 403, fastapi: { detail: problem.detail }, problem });
      },
    },
    {
      from: `${rfc} §3.2 (extensions do not redefine the members of §3.1)`,
      name: 'an extension named like a standard member does not replace it',
      check: async (context: PeerContext) => {
        const response = await context.client('/override');
        expectError(response, context, { status: 409, fastapi: { detail: 'conflict' }, problem: { status: 409, title: 'Conflict', type: 'about:blank', detail: 'conflict', instance: '/override', balance: 1 } });
      },
    },
    {
      from: `${rfc} §3 (the validation example: errors[] with a JSON Pointer each)`,
      name: 'a validation problem lists every failing field with a JSON Pointer',
      check: async (context: PeerContext) => {
        const response = await context.client('/people', { method: 'POST', body: { age: 0, color: 'purple' } });
        expect(response.status).toBe(422);
        if (context.format === 'fastapi') {
          expect((response.json as { detail: { loc: unknown[] }[] }).detail.map((entry) => entry.loc)).toEqual([
            ['body', 'age'],
            ['body', 'color'],
          ]);
          return;
        }
        const errors = (response.json as { errors: { pointer: string; message: string }[] }).errors;
        expect(errors.map((entry) => entry.pointer)).toEqual(['/age', '/color']);
        for (const entry of errors) expect(entry.message).toEqual(expect.any(String));
      },
    },
    {
      from: `${rfc} §5`,
      name: 'a server error reveals nothing of its internals: fixed detail, no stack, no message',
      check: async (context: PeerContext) => {
        const response = await context.client('/crash');
        expectError(response, context, { status: 500, fastapi: { detail: hiddenDetail }, problem: { detail: hiddenDetail, code: 'ERRAND_INTERNAL' } });
        expect(response.text).not.toMatch(/hunter2|db\.internal|stack|at /);
      },
    },
  ],
};
