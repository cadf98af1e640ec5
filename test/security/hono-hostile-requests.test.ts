import { describeHostileRequests } from './hostile-requests.js';

describeHostileRequests('hono');
