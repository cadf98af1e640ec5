import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledServer } from '../lib/build-servers.js';
import { fastApiHint, fastApiSlowPathNotice, findFastApi } from '../lib/python.js';
import type { SystemChoice } from '../lib/server-process.js';

const serverFile = (name: string): string => fileURLToPath(new URL(`./servers/${name}`, import.meta.url));

/** A Node server of bench/http/servers, run from its tsc output (see lib/build-servers.ts). */
export function nodeServer(system: string, name: string, env: Record<string, string>): SystemChoice {
  const compiled = compiledServer(name);
  if ('missing' in compiled) return { skipped: `${system} skipped: ${compiled.missing}` };
  return { spec: { system, command: process.execPath, args: [compiled.file], env } };
}

/** errand on Hono, once the Hono adapter exists in src/adapters/hono. */
export function errandSystem(system: string, env: Record<string, string>): SystemChoice {
  const adapter = fileURLToPath(new URL('../../src/adapters/hono/index.ts', import.meta.url));
  if (!existsSync(adapter)) return { skipped: `${system} skipped: src/adapters/hono/index.ts does not exist yet` };
  return nodeServer(system, 'errand-hono', env);
}

/** FastAPI under uvicorn, when a python with both is installed. */
export function fastApiSystem(system: string, env: Record<string, string>): SystemChoice {
  const peer = findFastApi();
  if (!peer) return { skipped: fastApiHint };
  return { spec: { system, command: peer.python, args: [serverFile('fastapi-app.py')], env }, notice: fastApiSlowPathNotice(peer) };
}

/** The systems of the HTTP section, in table order. */
export function httpSystems(): Record<string, SystemChoice> {
  const env = { REGISTER_TASK: 'noop' };
  return {
    'node:http': nodeServer('node:http', 'node-http', env),
    hono: nodeServer('hono', 'hono', env),
    // errand's contract (request ids, problem+json, the task after 'finish') written by hand on Hono.
    'hono-contract': nodeServer('hono-contract', 'hono-contract', env),
    'errand/hono': errandSystem('errand/hono', env),
    fastify: nodeServer('fastify', 'fastify', env),
    'errand/fastify': nodeServer('errand/fastify', 'errand-fastify', env),
    express: nodeServer('express', 'express', env),
    'errand/express': nodeServer('errand/express', 'errand-express', env),
    fastapi: fastApiSystem('fastapi', env),
  };
}
