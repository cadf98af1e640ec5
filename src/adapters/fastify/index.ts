/** errand for Fastify 5: `import { errand } from 'errand/fastify'` (see docs/adapters.md). */
export { errand, frameworkErrors, type FastifyErrand, type FastifyErrandOptions, type FastifyErrorExtra } from './errand.js';
export { fromFastify } from './fastify-errors.js';
export { jsonResponse } from './json-response.js';
export { RouteTable, routePattern, type RouteTableOptions } from './route-table.js';
export type { NodeBackgroundOptions, NodeErrand, NodeErrandOptions } from '../node/node-errand.js';
