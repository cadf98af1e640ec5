/**
 * The optional peers each subpath loads at run time (not those it only names in types). A subpath
 * listed here gets an entry module that checks them first (scripts/write-peer-entries.ts), so a
 * missing one fails with one line naming what to install. test/package/exports.test.ts checks that
 * every peer named here is an optional peer in package.json.
 */
export const subpathPeers: Readonly<Record<string, readonly string[]>> = {
  './hono': ['hono', '@hono/node-server'],
  './dashboard': ['hono', '@hono/node-server'],
  // hono only for metrics.middleware, which imports hono/route on its first request.
  './metrics': ['prom-client'],
  // express for the job routes' Router; the rest of errand/express only names express's types.
  './express': ['express'],
  './backends/redis': ['bullmq', 'ioredis'],
  './backends/postgres': ['pg'],
  './testing/conformance': ['vitest'],
};
