import type { IncomingMessage } from 'node:http';

// What errand answered each failed request for: the thrown value, for the HTTP error metrics.
const answered = new WeakMap<IncomingMessage, unknown>();
// Whether an HTTP metrics plugin reads them: a WeakMap entry per failed request costs the collector
// more than the rest of errand's error answer, so nothing is kept until one does.
let observed = false;

/** Starts keeping what errand answered each request for (an HTTP metrics plugin was made). */
export function observeAnswered(): void {
  observed = true;
}

/** Remembers that errand answered `request` for `thrown` (called by the adapters' error paths). */
export function rememberAnswered(request: IncomingMessage, thrown: unknown): void {
  if (observed) answered.set(request, thrown);
}

/** What errand answered `request` for, if it answered an error (and {@link observeAnswered} was called before). */
export function answeredError(request: IncomingMessage): unknown {
  return answered.get(request);
}
