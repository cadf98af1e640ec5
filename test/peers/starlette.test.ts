import { runSuite } from './run-suite.js';
import { starletteSuites } from './suites.js';

for (const suite of starletteSuites) runSuite(suite);
