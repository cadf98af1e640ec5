import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ErrandError } from '../errors/errand-error.js';
import type { DashboardAccess } from './access-control.js';
import { safeEqual } from './safe-equal.js';

/** Name of the cookie that carries the double-submit CSRF token. */
export const csrfCookieName = 'errand_dashboard_csrf';
/** Header in which the page sends the CSRF token back with every action. */
export const csrfHeaderName = 'x-errand-csrf';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Returns the CSRF token for this browser, setting the cookie when it has none yet. The page embeds
 * the same value and sends it in {@link csrfHeaderName}: a cross-site page can make the browser send
 * the cookie but cannot read it, so it cannot send a matching header (double-submit cookie).
 * The token is random rather than signed so that every process of a multi-process service accepts it.
 *
 * @example
 * const token = issueCsrfToken(c, '/dashboard')
 */
export function issueCsrfToken(c: Context, cookiePath: string): string {
  const existing = getCookie(c, csrfCookieName);
  if (existing !== undefined && tokenPattern.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(c, csrfCookieName, token, { path: cookiePath, httpOnly: true, sameSite: 'Strict', secure: new URL(c.req.url).protocol === 'https:' });
  return token;
}

/** Whether the request's Origin is this app (or a trusted one). Absent Origin is not a verdict. */
function originAllowed(c: Context, trustedOrigins: readonly string[]): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  if (trustedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/** Options of {@link createCsrfProtection}. */
export interface CsrfProtectionOptions {
  /** Extra origins allowed to post actions (e.g. the public origin behind a proxy that rewrites Host). */
  trustedOrigins: readonly string[];
}

/**
 * Middleware that rejects state-changing requests (`POST`, `DELETE`, …) that may come from another
 * site, with `ERRAND_CSRF` (403): a cross-site `Sec-Fetch-Site`, a foreign `Origin`, or a missing or
 * wrong double-submit token. Requests authenticated with a bearer token skip only the token check:
 * a cross-site page cannot attach an `Authorization` header, so that credential is never ambient.
 *
 * @example
 * api.use('*', createCsrfProtection({ trustedOrigins: [] }))
 */
export function createCsrfProtection(options: CsrfProtectionOptions): MiddlewareHandler<{ Variables: { errandDashboardAccess: DashboardAccess } }> {
  return async function dashboardCsrfProtection(c, next) {
    if (safeMethods.has(c.req.method)) return next();
    if (c.req.header('sec-fetch-site') === 'cross-site' || !originAllowed(c, options.trustedOrigins)) {
      throw new ErrandError('ERRAND_CSRF', 'Dashboard actions must come from the dashboard page itself; this request came from another site.');
    }
    if (c.get('errandDashboardAccess') !== 'bearer') {
      const cookie = getCookie(c, csrfCookieName);
      const header = c.req.header(csrfHeaderName);
      if (cookie === undefined || header === undefined || !tokenPattern.test(cookie) || !safeEqual(header, cookie)) {
        throw new ErrandError('ERRAND_CSRF', `Dashboard actions need the CSRF token of the page in the ${csrfHeaderName} header; reload the dashboard and try again.`);
      }
    }
    await next();
  };
}
