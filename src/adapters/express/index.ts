/** errand for Express 5: `import { errand } from 'errand/express'` (see docs/adapters.md). */
export { allowedMethods } from './allowed-methods.js';
export { errand, type ExpressErrand, type ExpressErrandOptions, type ExpressErrorExtra } from './errand.js';
export { fromBodyParser } from './framework-errors.js';
export { jsonResponse } from './json-response.js';
export type { NodeBackgroundOptions, NodeErrand, NodeErrandOptions } from '../node/node-errand.js';
