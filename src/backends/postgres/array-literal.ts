/**
 * Postgres array literals for the bulk statements' `unnest($n::text[])` parameters, built in one
 * pass. node-postgres serialises a JS array element by element (a `toString`, two regex replaces
 * and a concatenation each), which was half of the client's time per job in a bulk enqueue; these
 * produce the same text: elements double-quoted with `\` and `"` escaped, `NULL` unquoted.
 */

const needsEscape = /[\\"]/g;

/** `{"a","b\"c",NULL}` for a `text[]` parameter. */
export function textArrayLiteral(values: readonly (string | null | undefined)[]): string {
  let out = '{';
  for (let index = 0; index < values.length; index += 1) {
    if (index > 0) out += ',';
    const value = values[index];
    out += value === null || value === undefined ? 'NULL' : `"${value.replace(needsEscape, '\\$&')}"`;
  }
  return `${out}}`;
}

/** `{1,2,3}` for an `int[]` or `bigint[]` parameter (finite integers only, as jobs carry). */
export function integerArrayLiteral(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}
