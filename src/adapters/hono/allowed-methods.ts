import { TrieRouter } from 'hono/router/trie-router';

interface RouteTable {
  size: number;
  router: TrieRouter<string>;
  /** Answers per path: a 404 flood re-asks for the same few paths. */
  answers: Map<string, readonly string[]>;
}

// Bounds the per-path answers (a scan of random paths must not grow memory): cleared when full.
const maxCachedPaths = 1024;

const tables = new WeakMap<object, RouteTable>();

function tableFor(routes: readonly { method: string; path: string }[]): TrieRouter<string> {
  const router = new TrieRouter<string>();
  // Every route under the pseudo-method ALL, its real method as the payload: one match answers
  // "which methods does this path accept?".
  for (const route of routes) if (route.method !== 'ALL') router.add('ALL', route.path, route.method.toUpperCase());
  return router;
}

/**
 * The methods `path` is routed for on `app`, in `Allow` order (`HEAD` added with `GET`), or `[]`
 * when no route has that path. Built from `app.routes` on the first miss, rebuilt when routes change;
 * answers are cached per path (up to 1,024 paths).
 *
 * @example
 * allowedMethods(app, '/items') // ['GET', 'HEAD', 'POST']
 */
export function allowedMethods(app: { readonly routes: readonly { method: string; path: string }[] }, path: string): string[] {
  return [...cachedAllowedMethods(app, path)];
}

/** {@link allowedMethods} without the copy: the cached answer, not to be modified. */
export function cachedAllowedMethods(app: { readonly routes: readonly { method: string; path: string }[] }, path: string): readonly string[] {
  const routes = app.routes;
  let table = tables.get(app);
  if (table?.size !== routes.length) {
    table = { size: routes.length, router: tableFor(routes), answers: new Map() };
    tables.set(app, table);
  }
  let answer = table.answers.get(path);
  if (answer === undefined) {
    const methods = new Set<string>();
    for (const [method] of table.router.match('GET', path)[0]) methods.add(method);
    if (methods.has('GET')) methods.add('HEAD');
    answer = [...methods].sort();
    if (table.answers.size >= maxCachedPaths) table.answers.clear();
    table.answers.set(path, answer);
  }
  return answer;
}
