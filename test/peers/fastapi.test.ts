import { runSuite } from './run-suite.js';
import { fastapiSuites } from './suites.js';

for (const suite of fastapiSuites) runSuite(suite);
