// Its own module so the declarations errand/fastify and errand/express ship name no hono types.
/** A Hono app (the dashboard, a metrics app): what `mount` serves under a path of an Express or Fastify app. */
export interface MountableApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}
