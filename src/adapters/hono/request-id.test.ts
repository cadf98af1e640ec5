import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newRequestId, saneRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('makes sane ids that never repeat within a process', () => {
    const ids = Array.from({ length: 10_000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(saneRequestId(id)).toBe(id);
    expect(ids[0]).toMatch(/^[0-9a-z]{13}-\d+$/);
  });

  it('draws a different prefix in every process, so ids stay unique across a fleet', () => {
    const module = fileURLToPath(new URL('./request-id.ts', import.meta.url));
    const script = `import { newRequestId } from ${JSON.stringify(module)}; console.log(newRequestId());`;
    const prefixOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));
    const others = [0, 1].map(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
    const prefixes = new Set([newRequestId(), ...others].map(prefixOf));
    expect(prefixes.size).toBe(3);
    for (const id of others) expect(id).toMatch(/^[0-9a-z]{13}-1$/);
  });
});

describe('saneRequestId', () => {
  it('keeps short printable ids and refuses anything else', () => {
    expect(saneRequestId('abc-123.x:y_z')).toBe('abc-123.x:y_z');
    expect(saneRequestId('a'.repeat(128))).toBe('a'.repeat(128));
    expect(saneRequestId('a'.repeat(129))).toBeUndefined();
    expect(saneRequestId('<script>')).toBeUndefined();
    expect(saneRequestId('')).toBeUndefined();
    expect(saneRequestId(['a', 'b'])).toBeUndefined();
    expect(saneRequestId(undefined)).toBeUndefined();
  });
});
