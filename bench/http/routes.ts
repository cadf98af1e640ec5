import type { LoadRequest } from '../lib/load.js';

/**
 * The four seed routes every system serves, and what a correct answer looks like. Each server is
 * checked against these before it is measured, so a broken server cannot post a fast wrong figure.
 */
export interface BenchRoute {
  /** Short key used in JSON and flags. */
  key: 'items' | 'error' | 'notfound' | 'register';
  /** Label in tables. */
  label: string;
  request: LoadRequest;
  /** The status a correct server answers. */
  status: number;
  /** A substring a correct body contains. */
  contains: string;
}

export const registerBody = JSON.stringify({ email: 'ada@example.com' });

export const routes: readonly BenchRoute[] = [
  { key: 'items', label: 'GET /items/{name}', request: { method: 'GET', path: '/items/widget' }, status: 200, contains: 'widget' },
  { key: 'error', label: 'custom exception → 418', request: { method: 'GET', path: '/items/error' }, status: 418, contains: 'error' },
  { key: 'notfound', label: 'custom 404', request: { method: 'GET', path: '/no/such/route' }, status: 404, contains: '404' },
  {
    key: 'register', label: 'POST /register + task',
    request: { method: 'POST', path: '/register', body: registerBody }, status: 200, contains: 'Registration successful',
  },
];

/** Fetches `route` once from `url` and throws when the answer is not the seed's. */
export async function checkRoute(url: string, route: BenchRoute): Promise<void> {
  const { method, path, body } = route.request;
  const res = await fetch(url + path, {
    method, body, headers: body === undefined ? undefined : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  if (res.status !== route.status || !text.includes(route.contains) || !(res.headers.get('content-type') ?? '').includes('json')) {
    throw new Error(`${method} ${path} answered ${res.status} ${res.headers.get('content-type')} ${text.slice(0, 200)}; expected ${route.status} JSON containing "${route.contains}"`);
  }
}
