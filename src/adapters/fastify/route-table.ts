/** The router options of a Fastify app that change which paths a route pattern matches. */
export interface RouteTableOptions {
  /** @default true */
  caseSensitive?: boolean;
  /** @default false */
  ignoreTrailingSlash?: boolean;
  /** @default false */
  ignoreDuplicateSlashes?: boolean;
}

const special = /[.*+?^${}()|[\]\\/]/g;

/** The index of the `)` closing the `(` at `open`, skipping escaped characters (as find-my-way does). */
function closingParen(url: string, open: number): number {
  let depth = 0;
  for (let i = open; i < url.length; i++) {
    if (url[i] === '\\') i++;
    else if (url[i] === '(') depth++;
    else if (url[i] === ')' && --depth === 0) return i;
  }
  throw new TypeError(`the route "${url}" has an unclosed regular expression`);
}

function regexSource(url: string): string {
  let source = '';
  let i = 0;
  while (i < url.length) {
    const char = url[i];
    if (char === ':' && url[i + 1] === ':') {
      source += ':';
      i += 2;
    } else if (char === ':') {
      // A parameter's name ends at '/', '-', '.' or its regular expression '(…)'.
      let end = i + 1;
      while (end < url.length && !'/-.('.includes(url[end])) end++;
      if (url[end] === '(') {
        const close = closingParen(url, end);
        // find-my-way drops a leading '^' and a trailing '$' of a parameter's expression.
        source += `(?:${url.slice(end + 1, close).replace(/^\^/, '').replace(/(?<!\\)\$$/, '')})`;
        i = close + 1;
      } else {
        source += '[^/]+?';
        i = end;
      }
    } else if (char === '*') {
      source += '.*';
      i++;
    } else {
      source += char.replace(special, '\\$&');
      i++;
    }
  }
  return source;
}

/**
 * A Fastify (find-my-way) route pattern as a regular expression over request paths: static parts,
 * `:param`, `:param(regex)`, several parameters in one segment (`/:lat-:lng`), `*` and `::` (a
 * literal colon). A trailing optional parameter (`/:id?`) matches with and without its segment.
 *
 * @default caseSensitive true
 * @example
 * routePattern('/files/:name.:ext').test('/files/a.png') // true
 */
export function routePattern(url: string, caseSensitive = true): RegExp {
  const optional = /\/:[^/]+\?$/.exec(url);
  const variants = optional === null ? [url] : [url.slice(0, -1), url.slice(0, optional.index) || '/'];
  return new RegExp(`^(?:${variants.map(regexSource).join('|')})$`, caseSensitive ? '' : 'i');
}

// Bounds the per-path answers (a scan of random paths must not grow memory): cleared when full.
const maxCachedPaths = 1024;

/**
 * The routes of a Fastify app as Fastify's `onRoute` hook reports them, to answer "which methods
 * does this path accept?" when no route matched (Fastify itself answers 404 for a known path asked
 * with another method). Answers are cached per path, and forgotten when a route is added.
 */
export class RouteTable {
  readonly #options: Required<RouteTableOptions>;
  readonly #routes: { method: string; pattern: RegExp }[] = [];
  readonly #answers = new Map<string, readonly string[]>();

  constructor(options: RouteTableOptions = {}) {
    this.#options = { caseSensitive: options.caseSensitive ?? true, ignoreTrailingSlash: options.ignoreTrailingSlash ?? false, ignoreDuplicateSlashes: options.ignoreDuplicateSlashes ?? false };
  }

  /** Records a route (its full URL, prefix included) for one or several methods. */
  add(method: string | readonly string[], url: string): void {
    const pattern = routePattern(this.#normalise(url), this.#options.caseSensitive);
    for (const name of typeof method === 'string' ? [method] : method) this.#routes.push({ method: name.toUpperCase(), pattern });
    this.#answers.clear();
  }

  /**
   * The methods routed for `path`, in `Allow` order (`HEAD` added with `GET`), or `[]` when no route
   * has that path. The answer is cached and must not be modified.
   */
  allowed(path: string): readonly string[] {
    let answer = this.#answers.get(path);
    if (answer !== undefined) return answer;
    const candidates = [this.#normalise(path)];
    try {
      const decoded = decodeURI(candidates[0]);
      if (decoded !== candidates[0]) candidates.push(decoded);
    } catch {
      // Not valid percent-encoding: only the raw path can match.
    }
    const methods = new Set<string>();
    for (const route of this.#routes) if (candidates.some((candidate) => route.pattern.test(candidate))) methods.add(route.method);
    if (methods.has('GET')) methods.add('HEAD');
    answer = [...methods].sort();
    if (this.#answers.size >= maxCachedPaths) this.#answers.clear();
    this.#answers.set(path, answer);
    return answer;
  }

  #normalise(path: string): string {
    let result = this.#options.ignoreDuplicateSlashes ? path.replace(/\/{2,}/g, '/') : path;
    if (this.#options.ignoreTrailingSlash && result.length > 1 && result.endsWith('/')) result = result.slice(0, -1);
    return result;
  }
}
