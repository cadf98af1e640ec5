import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

// A Host header is echoed into the request URL: anything but a plain host[:port] is replaced.
const saneHost = /^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?$/;

function hostOf(incoming: IncomingMessage): string {
  const host = incoming.headers.host;
  return typeof host === 'string' && saneHost.test(host) ? host : 'localhost';
}

function headersOf(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // A name or value the Fetch API refuses (Node's parser is laxer): handlers never see it.
    }
  }
  return headers;
}

/**
 * The web `Request` errand's error handlers receive as `context.request`, built from a Node request:
 * its method, URL (`url`, e.g. Express's `originalUrl`) and headers, without the body (read or
 * refused by the time an error is answered). Built only when a request fails, so a successful
 * request pays nothing for it. Methods the Fetch API forbids (`CONNECT`, `TRACE`) become `GET`.
 *
 * @default url incoming.url
 * @example
 * const request = webRequest(req, req.originalUrl); // in an Express error path
 */
export function webRequest(incoming: IncomingMessage, url: string = incoming.url ?? '/'): Request {
  const scheme = (incoming.socket as Partial<TLSSocket> | undefined)?.encrypted === true ? 'https' : 'http';
  let href: string;
  try {
    href = new URL(url, `${scheme}://${hostOf(incoming)}`).href;
  } catch {
    href = `${scheme}://localhost/`;
  }
  const headers = headersOf(incoming);
  try {
    return new Request(href, { method: incoming.method, headers });
  } catch {
    return new Request(href, { headers });
  }
}

/**
 * The path of a request target (`/items?id=1` → `/items`): what errand sends as the problem's
 * `instance` and matches routes against.
 *
 * @example
 * pathOf('/items/7?full=1') // '/items/7'
 */
export function pathOf(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? url : url.slice(0, end);
}
