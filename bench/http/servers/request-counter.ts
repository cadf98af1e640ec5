import { subscribe } from 'node:diagnostics_channel';

/*
 * Preloaded into a server under bench/instructions.ts (`node --import request-counter.js server.js`):
 * counts the HTTP requests the process actually handled, through Node's public diagnostics channel
 * (`http.server.request.start`, published for every request of every `http.Server`, whatever the
 * framework), and answers the count over the IPC channel when asked. The harness reads it at the
 * edges of the measured window and divides by what the server handled, not by what it meant to
 * send: a window once held 1,803 requests for 1,000 sent (another run's client on the same port).
 * Every server is measured with it, so its few instructions per request weigh on both sides of a ratio.
 */

let handled = 0;

subscribe('http.server.request.start', () => {
  handled++;
});

process.on('message', (message: unknown) => {
  if (message === 'requests handled') process.send?.({ handled });
});
