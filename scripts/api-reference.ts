/**
 * docs/api.md: every name each subpath exports, with its kind and the first sentence of its
 * documentation comment, made from the sources (scripts/public-surface.ts). Written by
 * `npm run exports:snapshot`; test/package/exports-snapshot.test.ts fails when it is stale or when
 * an exported value has no documentation comment.
 */
import { join } from 'node:path';
import type { PublicName } from './public-surface.js';
import { root } from './public-surface.js';

export const apiReferencePath = join(root, 'docs/api.md');

/** The first sentence of a documentation comment, on one line (at most 240 characters), with `|` escaped for a table cell. */
export function summaryOf(doc: string): string {
  const text = doc
    .replace(/\{@link\s+([^\s|}]+)[^}]*\}/g, '`$1`')
    .replace(/\s+/g, ' ')
    .trim();
  const end = /\.(?=\s|$)/.exec(text);
  let sentence = end === null ? text : text.slice(0, end.index + 1);
  if (sentence.length > 240) sentence = `${sentence.slice(0, sentence.lastIndexOf(' ', 239))} …`;
  return sentence.replace(/\|/g, '\\|');
}

/** The markdown of docs/api.md for `surface`. */
export function apiReference(surface: Record<string, PublicName[]>): string {
  const lines = [
    '# API reference',
    '',
    'Every name each package subpath exports, with the first sentence of its documentation comment',
    '(the whole comment is in your editor). Made from the sources by `npm run exports:snapshot`; a test',
    'fails when this page is stale. The guides explain how the pieces fit: [errors](errors.md),',
    '[adapters](adapters.md), [tasks](tasks.md), [jobs](jobs.md), [schedules](schedules.md),',
    '[dashboard](dashboard.md), [tracing](tracing.md), [reliability](reliability.md).',
    '',
  ];
  for (const [subpath, names] of Object.entries(surface)) {
    lines.push(`## \`errand${subpath.slice(1)}\``, '', '| name | kind | what it is |', '|---|---|---|');
    for (const { name, kind, doc } of names) lines.push(`| \`${name}\` | ${kind} | ${summaryOf(doc)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
