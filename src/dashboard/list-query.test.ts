import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import { parseListQuery } from './list-query.js';
import { escapeHtml } from './page-html.js';
import { safeEqual } from './safe-equal.js';

describe('parseListQuery', () => {
  it('applies defaults and keeps valid filters', () => {
    expect(parseListQuery({})).toEqual({ limit: 50, offset: 0 });
    expect(parseListQuery({ state: 'dead', task: ' mail ', limit: '10', offset: '20' })).toEqual({ state: 'dead', task: 'mail', limit: 10, offset: 20 });
    expect(parseListQuery({ state: '', task: '' })).toEqual({ limit: 50, offset: 0 });
  });

  it('rejects every bad field at once with a 422 naming each', () => {
    try {
      parseListQuery({ state: 'lost', limit: '0', offset: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(isErrandError(error, 'ERRAND_VALIDATION_FAILED')).toBe(true);
      expect((error as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual(['/limit', '/offset', '/state']);
    }
    expect(() => parseListQuery({ limit: '201' })).toThrow(/limit/);
    expect(() => parseListQuery({ limit: '2.5' })).toThrow(/limit/);
  });
});

describe('escapeHtml and safeEqual', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('matches only identical secrets, whatever their lengths', () => {
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secret', 'secreT')).toBe(false);
    expect(safeEqual('', 'secret')).toBe(false);
    expect(safeEqual('secret-and-more', 'secret')).toBe(false);
  });
});
