import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors/error-codes.js';

describe('docs/errors.md', () => {
  const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(errorCodes))('documents %s with its status in the code table', (code, info) => {
    expect(docs).toMatch(new RegExp(`^\\| \`${code}\` \\| ${info.status} \\|`, 'm'));
  });
});
