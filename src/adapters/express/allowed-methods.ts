/**
 * The parts of Express 5's router (the `router` package, v2) read to answer "which methods does
 * this path accept?". @types/express describes an older layer shape, so these are narrowed from
 * `unknown` at run time rather than trusted.
 */
interface LayerLike {
  route?: { methods: Record<string, unknown> };
  handle: unknown;
  match(path: string): false | { path: string };
}

interface RouterLike {
  stack: LayerLike[];
}

function isRouter(value: unknown): value is RouterLike {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && Array.isArray((value as Partial<RouterLike>).stack);
}

function isLayer(value: unknown): value is LayerLike {
  return typeof value === 'object' && value !== null && typeof (value as Partial<LayerLike>).match === 'function';
}

// Mounted routers nest; a cycle (a router mounted in itself) must not loop forever.
const maxDepth = 32;

/** Adds the methods of the routes matching `path` to `into` (once each); `true` when one of them takes every method (`.all()`). */
function collect(router: RouterLike, path: string, into: string[], depth: number): boolean {
  for (const layer of router.stack) {
    if (!isLayer(layer)) continue;
    const route = layer.route;
    // Only routes and mounted routers say anything about methods: a plain middleware is not matched.
    const nested = route === undefined ? layer.handle : undefined;
    if (route === undefined && (depth >= maxDepth || !isRouter(nested))) continue;
    let match: false | { path: string };
    try {
      match = layer.match(path);
    } catch {
      // A parameter that cannot be decoded: Express itself answers that request with a 400.
      continue;
    }
    if (match === false) continue;
    if (route !== undefined) {
      for (const method in route.methods) {
        if (route.methods[method] !== true) continue;
        if (method === '_all') return true;
        const name = method.toUpperCase();
        if (!into.includes(name)) into.push(name);
      }
    } else if (isRouter(nested)) {
      // A router mounted with `app.use(path, router)`. A sub-app (`app.use(path, subApp)`) is wrapped
      // by Express in a closure that keeps no reference to it: its routes stay unseen.
      // As the router does: strip the mount path, keep a leading slash.
      const rest = path.slice(match.path.length);
      if (collect(nested, rest.startsWith('/') ? rest : `/${rest}`, into, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * The methods `path` is routed for on an Express 5 app, read from its public router
 * (`app.router.stack`, routers mounted with `app.use(path, router)` included), in `Allow` order with
 * `HEAD` added for `GET`; `[]` when no route matches the path, or when one matching route takes
 * every method (`app.all()`), since the path then exists for this method too. Routes of a sub-app
 * mounted with `app.use(path, subApp)` are not seen (Express keeps no reference to it): mount an
 * `express.Router()` instead for its paths to answer 405.
 *
 * @example
 * allowedMethods(app, '/items') // ['GET', 'HEAD', 'POST']
 */
export function allowedMethods(app: { readonly router: unknown }, path: string): string[] {
  const router = app.router;
  if (!isRouter(router)) return [];
  // A list, not a Set: a miss on an unrouted path (most 404s) then allocates next to nothing.
  const methods: string[] = [];
  if (collect(router, path, methods, 0)) return [];
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  return methods.sort();
}
