import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allSuites } from './suites.js';

function section(markdown: string): string {
  const start = markdown.indexOf('\n## Differences from FastAPI\n');
  expect(start).toBeGreaterThan(-1);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

describe('the behaviours errand answers differently on purpose', () => {
  it('are each explained under "Differences from FastAPI" in docs/errors.md, and every explanation is used', () => {
    const differences = section(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'));
    const headings = [...differences.matchAll(/^### (.+)$/gm)].map((match) => match[1]);
    const used = new Set(allSuites.flatMap((suite) => suite.behaviours.flatMap((behaviour) => (behaviour.difference ? [behaviour.difference] : []))));
    for (const difference of used) expect(headings, `docs/errors.md has no "### ${difference}"`).toContain(difference);
    for (const heading of headings) expect(used, `"### ${heading}" is asserted by no ported behaviour`).toContain(heading);
  });
});
