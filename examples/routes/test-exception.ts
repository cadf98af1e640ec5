import type { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { errorResponses } from 'errand/errors';
import type { Errand } from 'errand/hono';
import { jsonAnswer } from '../api-docs.js';
import type { ServiceEnv } from '../service-env.js';

/** The seed's `MyCustomException` (§1.1): raised by `GET /test/error`. */
export class MyCustomException extends Error {
  override name = 'MyCustomException';
  /**
   * The registry logs an error by its own status before asking handlers; without this it would log
   * an "unexpected 500" although the handler answers 418.
   */
  readonly status = 418;
  /** The name from the path, used in the message. */
  readonly subject: string;

  constructor(subject: string) {
    super(`${subject} did something wrong`);
    this.subject = subject;
  }
}

/**
 * `GET /test/{name}` → 200 `{"name"}`; the name `error` raises {@link MyCustomException}, whose
 * handler (registered on the app's registry, like `@app.exception_handler`) answers 418 with the
 * seed's message, in the same problem+json envelope as every other error.
 */
export function testExceptionRoutes(app: Hono<ServiceEnv>, installed: Errand): void {
  // `code: undefined` drops ERRAND_INTERNAL: this is the app's own error, not an unexpected one.
  installed.registry.on(MyCustomException, (error) => ({ status: 418, title: "I'm a Teapot", detail: `Oops! ${error.subject} did something wrong.`, code: undefined }));
  const documented = describeRoute({
    summary: "The seed's custom exception: the name `error` raises MyCustomException",
    responses: { 200: jsonAnswer('The name, echoed', z.object({ name: z.string() })), ...errorResponses([418]) },
  });
  app.get('/test/:name', documented, (c) => {
    const name = c.req.param('name');
    if (name === 'error') throw new MyCustomException(name);
    return c.json({ name });
  });
}
