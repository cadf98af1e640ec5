/**
 * The parts of Hono's `Context` that errand/metrics' middleware and handler touch, named without
 * importing hono: errand/metrics' declarations then compile in a Fastify or Express app that has no
 * hono installed (under `skipLibCheck: false`), while a Hono `Context` still fits them, so
 * `app.use('*', metrics.middleware)` and `app.get('/metrics', metrics.handler)` type-check on Hono.
 */
export interface HonoContextLike {
  readonly req: { readonly method: string; readonly raw: Request; header(name: string): string | undefined };
  readonly res: Response;
  readonly error: Error | undefined;
}

/** Hono middleware, as Hono's `app.use` takes it. */
export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/** A Hono handler, as Hono's `app.get` takes it. */
export type HonoHandler = (c: HonoContextLike) => Promise<Response>;
