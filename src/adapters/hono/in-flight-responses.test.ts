import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InFlightResponses } from './in-flight-responses.js';
import { RequestIdResponse } from './request-id-response.js';

function request(): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.method = 'GET';
  message.httpVersionMajor = 1;
  message.httpVersionMinor = 1;
  return message;
}

describe('InFlightResponses', () => {
  it('counts responses from construction to close, and calls whenIdle once the last one closed', () => {
    const inFlight = new InFlightResponses();
    const first = new inFlight.Response(request());
    const second = new inFlight.Response(request());
    expect(inFlight.count).toBe(2);
    let idle = 0;
    inFlight.whenIdle(() => idle++);
    first.emit('close');
    expect([inFlight.count, idle]).toEqual([1, 0]);
    inFlight.closing = true;
    second.emit('close');
    expect([inFlight.count, idle, inFlight.closedDuringShutdown]).toEqual([0, 1, 1]);
    inFlight.whenIdle(() => idle++);
    expect(idle).toBe(2);
  });

  it('keeps the headers of writeHead(status, undefined, headers), as Node does', () => {
    const inFlight = new InFlightResponses();
    const response = new inFlight.Response(request());
    // A header set first makes Node merge writeHead's into its table, where they can be read back.
    response.setHeader('x-first', '1');
    response.writeHead(200, undefined, { 'x-extra': '2' });
    expect(response.getHeader('x-extra')).toBe('2');
  });

  it("keeps servers apart, writes the request id, and hands Node's options on to ServerResponse", () => {
    const one = new InFlightResponses();
    const other = new InFlightResponses();
    // Node constructs responses with options after the request; they must reach ServerResponse.
    const ResponseClass = one.Response as unknown as new (req: IncomingMessage, options: { highWaterMark: number }) => RequestIdResponse;
    const response = new ResponseClass(request(), { highWaterMark: 1234 });
    expect(response.writableHighWaterMark).toBe(1234);
    expect(response).toBeInstanceOf(RequestIdResponse);
    expect([one.count, other.count]).toEqual([1, 0]);
  });
});
