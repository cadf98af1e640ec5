import type { IncomingMessage } from 'node:http';

// What errand answered each failed request for: the thrown value, for the HTTP error metrics.
const answered = new WeakMap<IncomingMessage, unknown>();

/** Remembers that errand answered `request` for `thrown` (called by the adapters' error paths). */
export function rememberAnswered(request: IncomingMessage, thrown: unknown): void {
  answered.set(request, thrown);
}

/** What errand answered `request` for, if it answered an error. */
export function answeredError(request: IncomingMessage): unknown {
  return answered.get(request);
}
