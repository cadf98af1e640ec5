/**
 * Whether `value` holds a character Postgres cannot store in a `text` column (U+0000). No id, key
 * or task name in the table can hold one, so a lookup by such a value has its answer without a
 * query; sent to Postgres it fails with 22021 (`invalid byte sequence`), which errand reports as
 * ERRAND_BACKEND_UNAVAILABLE: `GET /jobs/%00` was a 503 where every other backend answers 404.
 *
 * @example
 * if (unstorableText(id)) return undefined
 */
export function unstorableText(value: string): boolean {
  return value.includes('\u0000');
}
