import { afterAll, beforeAll, describe, it } from 'vitest';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { startExpress } from './hosts/express-host.js';
import { startFastify } from './hosts/fastify-host.js';
import { startHono } from './hosts/hono-host.js';
import type { Started } from './hosts/started.js';
import { formats, hosts, type Format, type Host, type PeerContext, type PeerSuite } from './peer-app.js';
import { peerClient } from './peer-client.js';

const starters = { hono: startHono, fastify: startFastify, express: startExpress } as const;

/**
 * Runs every behaviour of `suite` against its app on Hono, Fastify and Express, in the `problem`
 * and the `fastapi` format: one app per host and format, on a real socket, torn down after.
 */
export function runSuite(suite: PeerSuite): void {
  describe(suite.source, () => {
    for (const host of hosts) {
      for (const format of formats) runOn(suite, host, format);
    }
  });
}

function runOn(suite: PeerSuite, host: Host, format: Format): void {
  describe(`${host}, ${format} format`, () => {
    let started: Started | undefined;
    const { logger, lines } = memoryLogger();
    const context = {} as PeerContext;
    beforeAll(async () => {
      const registry = createErrorRegistry({ logger });
      suite.app.handlers?.(registry);
      started = await starters[host](suite.app, format, registry, logger);
      Object.assign(context, { host, format, lines, client: peerClient(started.port) });
    });
    afterAll(async () => {
      await started?.close();
    });
    for (const behaviour of suite.behaviours) {
      const label = `${behaviour.name} (${behaviour.from})${behaviour.difference ? ' [difference: ' + behaviour.difference + ']' : ''}`;
      it(label, () => behaviour.check(context));
    }
  });
}
