import { ErrandError } from './errors/errand-error.js';

/**
 * Throws one line naming the packages to install when a subpath's optional peers are missing.
 * Each built subpath with peers has a small entry module (written by scripts/write-peer-entries.ts)
 * that calls this before it loads the subpath: an ES module's imports are all resolved before any
 * of its code runs, so the check must come first and the subpath be imported after it.
 *
 * @param resolve the entry module's `import.meta.resolve`, so peers resolve from where errand is installed
 * @example
 * requirePeers('errand/hono', ['hono', '@hono/node-server'], import.meta.resolve)
 * // ErrandError ERRAND_PEER_MISSING: errand/hono needs @hono/node-server, which is not installed: npm i @hono/node-server
 */
export function requirePeers(subpath: string, peers: readonly string[], resolve: (specifier: string) => string): void {
  const missing = peers.filter((peer) => {
    try {
      resolve(peer);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const them = missing.length === 1 ? 'which is' : 'which are';
  throw new ErrandError('ERRAND_PEER_MISSING', `${subpath} needs ${missing.join(' and ')}, ${them} not installed: npm i ${missing.join(' ')}`);
}
