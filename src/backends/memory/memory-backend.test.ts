import { describeBackendConformance } from '../../testing/conformance.js';
import { createMemoryBackend } from './memory-backend.js';

describeBackendConformance('memory', {
  create: async ({ retention }) => Promise.resolve(createMemoryBackend(retention === undefined ? {} : { retention })),
});
