export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { outboxTask, withOutbox, type WithOutboxOptions } from './with-outbox.js';
