interface HostGlue {
  c?: { req: { json(): Promise<unknown>; text(): Promise<string> } };
  req?: { body?: unknown };
}

/**
 * The JSON request body, read from inside an error handler through the host's own objects (`c` on
 * Hono, `req` on Fastify and Express): an errand validation error does not carry the body, FastAPI's
 * does (`exc.body`).
 */
export async function requestBody(context: object): Promise<unknown> {
  const glue = context as HostGlue;
  if (glue.c !== undefined) return glue.c.req.json();
  return glue.req?.body;
}

/** The request body as text, read from inside an error handler after the route read it. */
export async function requestText(context: object): Promise<unknown> {
  const glue = context as HostGlue;
  if (glue.c !== undefined) return glue.c.req.text();
  return glue.req?.body;
}
