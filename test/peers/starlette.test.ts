import { runSuite } from './run-suite.js';
import { applications, routing } from './starlette/routing.js';
import { serverErrors } from './starlette/server-errors.js';

for (const suite of [serverErrors, routing, applications]) runSuite(suite);
