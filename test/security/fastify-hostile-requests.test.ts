import { describeHostileRequests } from './hostile-requests.js';

describeHostileRequests('fastify');
