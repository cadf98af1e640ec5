import { resolve } from 'node:path';
import { ErrandError } from '../../errors/errand-error.js';

/** A queue's `path` read as SQLite reads it: a file name, `:memory:`, or a `file:` URI. */
export interface SqliteLocation {
  /** No other connection can open it (in memory, or SQLite's private temporary file): no liveness file. */
  private: boolean;
  /** The path made absolute in the same form (a URI stays a URI, with its parameters), for other threads. */
  absolute: string;
  /** Where the workers' liveness records live: `<file>-liveness` beside the queue file, in the same form. */
  liveness: string;
}

interface ParsedUri {
  /** `file:` and the `//` authority when given, as written. */
  scheme: string;
  /** The path, still percent-encoded. */
  path: string;
  /** `?…#…` as written, or ''. */
  rest: string;
}

// RFC 3986 as SQLite reads it: file:[//authority]path[?query][#fragment].
function parseUri(path: string): ParsedUri | undefined {
  const match = /^(file:(?:\/\/[^/?#]*)?)([^?#]*)(.*)$/s.exec(path);
  if (match === null) return undefined;
  return { scheme: match[1] ?? 'file:', path: match[2] ?? '', rest: match[3] ?? '' };
}

function queryOf(uri: ParsedUri): URLSearchParams {
  return new URLSearchParams(uri.rest.split('#')[0]?.slice(1) ?? '');
}

// A malformed escape (`%zz`) is kept as written, as SQLite keeps it.
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isPrivateUri(uri: ParsedUri): boolean {
  return decoded(uri.path) === ':memory:' || queryOf(uri).get('mode') === 'memory';
}

/**
 * Reads a queue's `path`. A `file:` URI (SQLite's URI filenames) keeps its parameters for the
 * liveness file too, `-liveness` going at the end of its path, before `?`: `file:data/jobs.db?mode=rwc`
 * has its records in `file:<cwd>/data/jobs.db-liveness?mode=rwc`. `mode=memory` and `file::memory:`
 * are private databases, as `:memory:` is.
 *
 * @example
 * sqliteLocation('data/jobs.db').liveness // '/srv/app/data/jobs.db-liveness'
 */
export function sqliteLocation(path: string, cwd = process.cwd()): SqliteLocation {
  if (path === ':memory:' || path === '') return { private: true, absolute: path, liveness: path };
  const uri = parseUri(path);
  if (uri === undefined) {
    const absolute = resolve(cwd, path);
    return { private: false, absolute, liveness: `${absolute}-liveness` };
  }
  if (isPrivateUri(uri)) return { private: true, absolute: path, liveness: path };
  // A relative URI path is relative to the working directory, as a plain one is.
  const absolutePath = uri.path.startsWith('/') ? uri.path : `${cwd.replace(/[%?#]/g, (char) => encodeURIComponent(char))}/${uri.path}`;
  return { private: false, absolute: `${uri.scheme}${absolutePath}${uri.rest}`, liveness: `${uri.scheme}${absolutePath}-liveness${uri.rest}` };
}

// URI parameters that change nothing a plain path does not: the default open mode, and a cache
// setting better-sqlite3 (built without shared cache) ignores anyway.
const harmless = new Map([
  ['mode', new Set(['rwc', 'rw'])],
  ['cache', new Set(['private', 'shared'])],
]);

/**
 * A `file:` URI as the plain file name better-sqlite3 needs: it reads URIs only when the process
 * starts with SQLITE_USE_URI=1, and otherwise creates a file named `file:…` in the working
 * directory. Private URIs become `:memory:`. A parameter a plain name cannot carry (`vfs`,
 * `immutable`, `mode=ro`, …) is a configuration error rather than silently dropped.
 */
export function plainSqlitePath(path: string): string {
  const uri = parseUri(path);
  if (uri === undefined) return path;
  if (isPrivateUri(uri)) return ':memory:';
  for (const [name, value] of queryOf(uri)) {
    if (harmless.get(name)?.has(value) !== true) {
      throw new ErrandError('ERRAND_BACKEND_CONFIG', `the better-sqlite3 driver cannot apply the SQLite URI parameter ${name}=${value} of ${path}: give a plain file name, or use the node:sqlite driver (driver: 'node:sqlite', or ERRAND_SQLITE_DRIVER=node:sqlite)`);
    }
  }
  return decoded(uri.path);
}
