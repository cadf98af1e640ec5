// What errand answered each failed request for: the thrown value, for the HTTP error metrics. Keyed
// by the host's request object: Node's IncomingMessage on Fastify and Express, the web Request on Hono.
const answered = new WeakMap<object, unknown>();
// Whether an HTTP metrics plugin reads them: a WeakMap entry per failed request costs the collector
// more than the rest of errand's error answer, so nothing is kept until one does.
let observed = false;

/** Starts keeping what errand answered each request for (an HTTP metrics plugin was made). */
export function observeAnswered(): void {
  observed = true;
}

/** Whether what errand answered is being kept (an HTTP metrics plugin was made): an adapter makes the exception of a route miss only for them then. */
export function answersObserved(): boolean {
  return observed;
}

/** Remembers that errand answered `request` for `thrown` (called by the adapters' error paths). */
export function rememberAnswered(request: object, thrown: unknown): void {
  if (observed) answered.set(request, thrown);
}

/** What errand answered `request` for, if it answered an error (and {@link observeAnswered} was called before). */
export function answeredError(request: object): unknown {
  return answered.get(request);
}
