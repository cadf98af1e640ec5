// Its own module, free of hono and prom-client types: errand/fastify and errand/express name it.
/** One answered request, as a host adapter saw it. */
export interface ObservedRequest {
  method: string;
  /** The matched route pattern (`/jobs/:id`), or `undefined` when no route matched. */
  route: string | undefined;
  status: number;
  seconds: number;
  /** What was thrown, when the response is an error errand answered. */
  error?: unknown;
}
