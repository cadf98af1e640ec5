import { describe, expect, it } from 'vitest';
import { integerArrayLiteral, textArrayLiteral } from './array-literal.js';

describe('Postgres array literals', () => {
  it('quotes every text element, escapes backslashes and double quotes, and writes NULL bare', () => {
    expect(textArrayLiteral(['a', '', 'NULL', null, undefined])).toBe('{"a","","NULL",NULL,NULL}');
    expect(textArrayLiteral(['{"k":"v\\\\n"}', 'a,b}{', 'é 🙂'])).toBe('{"{\\"k\\":\\"v\\\\\\\\n\\"}","a,b}{","é 🙂"}');
    expect(textArrayLiteral([])).toBe('{}');
  });

  it('joins integers', () => {
    expect(integerArrayLiteral([0, -1, 1_796_584_076_164])).toBe('{0,-1,1796584076164}');
  });
});
