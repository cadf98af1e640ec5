/**
 * The parts of Express 5's router (the `router` package, v2) read to answer "which methods does
 * this path accept?". @types/express describes an older layer shape, so these are narrowed from
 * `unknown` at run time rather than trusted.
 */
interface LayerLike {
  route?: { methods: Record<string, unknown> };
  handle: unknown;
  match(path: string): false | { path: string };
  /** The sub-app behind an `app.use(path, subApp)` layer, recorded by {@link recordMountedApps}. */
  [mountedApp]?: { readonly router: unknown };
}

interface RouterLike {
  stack: LayerLike[];
}

// Express wraps a mounted sub-app in a closure (`mounted_app`) and keeps no other reference to it.
const mountedApp = Symbol('errand.mountedApp');

function isRouter(value: unknown): value is RouterLike {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && Array.isArray((value as Partial<RouterLike>).stack);
}

function isLayer(value: unknown): value is LayerLike {
  return typeof value === 'object' && value !== null && typeof (value as Partial<LayerLike>).match === 'function';
}

// Mounted routers nest; a cycle (a router mounted in itself) must not loop forever.
const maxDepth = 32;

/** Adds the methods of the routes matching `path` to `into`; `true` when one of them takes every method (`.all()`). */
function collect(router: RouterLike, path: string, into: Set<string>, depth: number): boolean {
  for (const layer of router.stack) {
    if (!isLayer(layer)) continue;
    let match: false | { path: string };
    try {
      match = layer.match(path);
    } catch {
      // A parameter that cannot be decoded: Express itself answers that request with a 400.
      continue;
    }
    if (match === false) continue;
    const route = layer.route;
    if (route !== undefined) {
      for (const [method, enabled] of Object.entries(route.methods)) {
        if (enabled !== true) continue;
        if (method === '_all') return true;
        into.add(method.toUpperCase());
      }
    } else if (depth < maxDepth) {
      const nested = isRouter(layer.handle) ? layer.handle : layer[mountedApp]?.router;
      if (!isRouter(nested)) continue;
      // As the router does: strip the mount path, keep a leading slash.
      const rest = path.slice(match.path.length);
      if (collect(nested, rest.startsWith('/') ? rest : `/${rest}`, into, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * The methods `path` is routed for on an Express 5 app (`app.router`, routers mounted with
 * `app.use(path, router)` included), in `Allow` order with `HEAD` added for `GET`; `[]` when no
 * route matches the path, or when one matching route takes every method (`app.all()`), since the
 * path then exists for this method too. Routes of sub-apps mounted with `app.use(path, subApp)`
 * count when {@link recordMountedApps} watched the mounting app.
 *
 * @example
 * allowedMethods(app, '/items') // ['GET', 'HEAD', 'POST']
 */
export function allowedMethods(app: { readonly router: unknown }, path: string): string[] {
  const router = app.router;
  if (!isRouter(router)) return [];
  const methods = new Set<string>();
  if (collect(router, path, methods, 0)) return [];
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

interface UsingApp {
  readonly router: unknown;
  use: (...args: unknown[]) => unknown;
}

function isExpressApp(value: unknown): value is { readonly router: unknown } {
  const candidate = value as { handle?: unknown; set?: unknown } | null;
  return typeof value === 'function' && typeof candidate?.handle === 'function' && typeof candidate.set === 'function';
}

/**
 * Makes the sub-apps `app.use(path, subApp)` mounts from now on visible to {@link allowedMethods}:
 * Express wraps each in a closure, so the layer it adds is tagged with the app it runs. (`errand(app)`
 * calls it; sub-apps mounted before that stay invisible, as errand must come first anyway.)
 */
export function recordMountedApps(app: UsingApp): void {
  const use = app.use;
  app.use = function errandUse(this: UsingApp, ...args: unknown[]): unknown {
    const stack = isRouter(this.router) ? this.router.stack : undefined;
    const before = stack?.length ?? 0;
    const result = use.apply(this, args);
    if (stack !== undefined) {
      // Express adds one layer per function, in order, whatever the path argument was.
      const fns = args.flat(Infinity).filter((arg) => typeof arg === 'function');
      const added = stack.slice(before);
      if (added.length === fns.length) {
        for (const [i, fn] of fns.entries()) if (isExpressApp(fn)) added[i][mountedApp] = fn;
      }
    }
    return result;
  };
}
