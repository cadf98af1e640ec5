import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ErrandError } from '../errors/errand-error.js';
import { safeEqual } from './safe-equal.js';

/** Credentials the dashboard accepts outside dev mode on localhost. */
export interface DashboardAuthOptions {
  /**
   * A bearer token (`Authorization: Bearer <token>`). For browsers it is also accepted as the
   * password of basic auth with any user name.
   * @default undefined
   */
  token?: string;
  /**
   * Basic auth credentials (the browser asks for them).
   * @default undefined
   */
  basic?: { username: string; password: string };
}

/** How a request was let in: it decides whether actions also need a CSRF token. */
export type DashboardAccess = 'bearer' | 'basic' | 'local';

/** Options of {@link createAccessControl}. */
export interface AccessControlOptions {
  /** `dev` lets loopback requests in without credentials. */
  mode: 'dev' | 'production';
  auth: DashboardAuthOptions;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether the socket peer is a loopback address; false when there is no Node socket to ask. */
function isLoopbackPeer(c: Context): boolean {
  let address: string | undefined;
  try {
    // The socket, never a header: X-Forwarded-For is whatever the client says it is.
    address = getConnInfo(c).remote.address;
  } catch {
    return false;
  }
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether the Host header names this machine; guards the open dev mode against DNS rebinding. */
function isLoopbackHost(c: Context): boolean {
  const host = c.req.header('host');
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return loopbackHosts.has(name.toLowerCase());
}

function checkCredentials(header: string | undefined, auth: DashboardAuthOptions): DashboardAccess | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') {
    return auth.token !== undefined && value.length > 0 && safeEqual(value, auth.token) ? 'bearer' : undefined;
  }
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (auth.basic !== undefined) {
    // Evaluate both halves every time so the response time says nothing about which one was wrong.
    const userOk = safeEqual(username, auth.basic.username);
    const passwordOk = safeEqual(password, auth.basic.password);
    if (userOk && passwordOk) return 'basic';
  }
  if (auth.token !== undefined && password.length > 0 && safeEqual(password, auth.token)) return 'basic';
  return undefined;
}

/** The 401 raised when credentials are missing or wrong, with the challenges browsers understand. */
function unauthorized(c: Context, auth: DashboardAuthOptions): ErrandError {
  const configured = auth.token !== undefined || auth.basic !== undefined;
  // One Basic challenge: browsers then ask for credentials (a bearer token works as the password).
  // A second challenge in the same header is parsed inconsistently by browsers, so none is added.
  const challenge = 'Basic realm="errand dashboard", charset="UTF-8"';
  // Set on the context too: an error renderer that builds its response with c.json keeps it.
  c.header('WWW-Authenticate', challenge);
  const message = configured
    ? 'The dashboard needs credentials: send Authorization: Bearer <token>, or basic auth.'
    : 'The dashboard is open without credentials only in dev mode from localhost; configure auth.token or auth.basic to reach it from here.';
  return new ErrandError('ERRAND_UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': challenge } });
}

/**
 * Middleware that lets a request into the dashboard: with a valid bearer token or basic auth, or
 * without credentials in dev mode when both the socket peer and the Host header are loopback.
 * Anything else is rejected with `ERRAND_UNAUTHORIZED` (401, `WWW-Authenticate`). How the request
 * got in is stored as the `errandDashboardAccess` variable.
 *
 * @example
 * app.use('*', createAccessControl({ mode: 'production', auth: { token: process.env.DASHBOARD_TOKEN } }))
 */
export function createAccessControl(options: AccessControlOptions): MiddlewareHandler<{ Variables: { errandDashboardAccess: DashboardAccess } }> {
  return async function dashboardAccessControl(c, next) {
    const access = checkCredentials(c.req.header('authorization'), options.auth)
      ?? (options.mode === 'dev' && isLoopbackPeer(c) && isLoopbackHost(c) ? 'local' : undefined);
    if (access === undefined) throw unauthorized(c, options.auth);
    c.set('errandDashboardAccess', access);
    await next();
  };
}
