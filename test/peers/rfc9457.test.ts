import { runSuite } from './run-suite.js';
import { rfcSuites } from './suites.js';

for (const suite of rfcSuites) runSuite(suite);
