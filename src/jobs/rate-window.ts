/**
 * When a start counted `count`-th in fixed window `window` (of `windowMs`) may try again, or null when
 * it is within `limit`. Starts over the limit are spread over the following windows, `limit` per
 * window in the order they were counted, rather than all sent to the next one: a backlog of many
 * times the limit is then claimed about `limit` at a time instead of all at once every window.
 */
export function rateRetryAt(count: number, limit: number, window: number, windowMs: number): number | null {
  if (count <= limit) return null;
  return (window + 1 + Math.floor((count - limit - 1) / limit)) * windowMs;
}
