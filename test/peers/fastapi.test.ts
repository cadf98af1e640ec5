import { body } from './fastapi/body.js';
import { exceptionHandlers } from './fastapi/exception-handlers.js';
import { runSuite } from './run-suite.js';

for (const suite of [exceptionHandlers, body]) runSuite(suite);
