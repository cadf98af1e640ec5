import type { Errand } from 'errand/hono';

/**
 * The seed's first exercise: the app's own 404 body for any unknown path, naming the method and
 * the path, still problem+json like every other error. (405 with `Allow` comes from errand when the
 * path exists for other methods.)
 */
export function customNotFound(installed: Errand): void {
  installed.registry.on(404, (_error, { request, problem }) => {
    const url = new URL(request.url);
    // Only unknown routes: a 404 raised on purpose (unknown job, unknown order) keeps its own detail.
    if (problem.code !== 'ERRAND_NOT_FOUND') return undefined;
    return { title: 'Not Found', detail: `No route for ${request.method} ${url.pathname}`, hint: 'See README.md for the routes this service has.' };
  });
}
