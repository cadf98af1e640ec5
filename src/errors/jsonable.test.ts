import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isErrandError } from './errand-error.js';
import { encodeJson, jsonable } from './jsonable.js';

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

describe('jsonable', () => {
  it('encodes the types JSON.stringify gets wrong', () => {
    expect(
      jsonable({
        date: new Date(0),
        bad: new Date(Number.NaN),
        big: 2n ** 70n,
        map: new Map<unknown, unknown>([['a', 1], [2, new Set([3])]]),
        pairs: new Map([[{ k: 1 }, 'v']]),
        set: new Set(['x']),
        url: new URL('https://example.com/a?b=1'),
        buffer: Buffer.from('hi'),
        bytes: new Uint8Array([1, 2, 3]),
        floats: new Float32Array([0.5]),
        bigs: new BigInt64Array([5n]),
        nan: Number.NaN,
        point: new Point(3, 4),
        custom: { toJSON: () => ({ custom: true }) },
        dropped: undefined,
        fn: () => 1,
        list: [undefined, () => 1],
      }),
    ).toEqual({
      date: '1970-01-01T00:00:00.000Z',
      bad: null,
      big: '1180591620717411303424',
      map: { a: 1, '2': [3] },
      pairs: [[{ k: 1 }, 'v']],
      set: ['x'],
      url: 'https://example.com/a?b=1',
      buffer: 'aGk=',
      bytes: 'AQID',
      floats: [0.5],
      bigs: ['5'],
      nan: null,
      point: { x: 3, y: 4 },
      custom: { custom: true },
      list: [null, null],
    });
  });

  it('keeps a "__proto__" member as data, never as the prototype of its output', () => {
    const body = JSON.parse('{"a":1,"__proto__":{"isAdmin":true},"nested":{"__proto__":{"x":2}}}') as unknown;
    const out = jsonable(body) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.keys(out)).toEqual(['a', '__proto__', 'nested']);
    expect(JSON.stringify(out)).toBe('{"a":1,"__proto__":{"isAdmin":true},"nested":{"__proto__":{"x":2}}}');
    const fromMap = jsonable(new Map<string, unknown>([['__proto__', { y: 1 }]])) as Record<string, unknown>;
    expect(JSON.stringify(fromMap)).toBe('{"__proto__":{"y":1}}');
    expect((fromMap as { y?: unknown }).y).toBeUndefined();
  });

  it('encodes errors with their cause and aggregated errors, never their stack', () => {
    const error = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'E_INNER' }) });
    expect(jsonable(error)).toEqual({ name: 'Error', message: 'outer', cause: { name: 'Error', message: 'inner', code: 'E_INNER' } });
    expect(jsonable(new AggregateError([new TypeError('a')], 'many'))).toEqual({ name: 'AggregateError', message: 'many', errors: [{ name: 'TypeError', message: 'a' }] });
  });

  it('allows shared references but throws ERRAND_ENCODING_FAILED on a cycle', () => {
    const shared = { n: 1 };
    expect(encodeJson({ a: shared, b: shared })).toBe('{"a":{"n":1},"b":{"n":1}}');
    const cyclic: Record<string, unknown> = { child: {} };
    (cyclic.child as Record<string, unknown>).parent = cyclic;
    let thrown: unknown;
    try {
      jsonable(cyclic);
    } catch (error) {
      thrown = error;
    }
    expect(isErrandError(thrown, 'ERRAND_ENCODING_FAILED')).toBe(true);
    expect((thrown as Error).message).toContain('/child/parent');
  });

  it('encodes plain data natively and everything else through jsonable, with the same result', () => {
    const samples: unknown[] = [
      undefined,
      { a: 1, b: [1, 'x', null, undefined], c: { d: true, e: Number.NaN, f: -0 } },
      { when: new Date(0), big: 10n, tags: new Set(['a']) },
      Object.assign(Object.create(null) as Record<string, unknown>, { k: 'v' }),
      { nested: { map: new Map([['a', 1]]) } },
      { deep: Array.from({ length: 40 }).reduce<unknown>((inner) => ({ inner }), 'bottom') },
    ];
    for (const sample of samples) expect(encodeJson(sample)).toBe(JSON.stringify(jsonable(sample)));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeJson(cyclic)).toThrow(/a cycle/);
  });

  it('gives the same string as JSON.stringify(jsonable(value)) for any value', () => {
    const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, maxDepth: 4 });
    fc.assert(fc.property(anything, (value) => encodeJson(value) === JSON.stringify(jsonable(value))), { numRuns: 2_000 });
  });

  it('encodes a bigint anywhere in plain data, as its own example promises', () => {
    expect(encodeJson({ n: 1n })).toBe('{"n":"1"}');
    expect(encodeJson([1, [2n]])).toBe('[1,["2"]]');
    expect(encodeJson({ a: { b: [{ c: -3n }] } })).toBe('{"a":{"b":[{"c":"-3"}]}}');
    expect(encodeJson({ ok: true, text: 'x', none: null })).toBe('{"ok":true,"text":"x","none":null}');
  });

  it('honours toJSON on a plain object and on an array item, and encodes raw bytes as base64', () => {
    expect(encodeJson({ money: { toJSON: () => '12.50 EUR' } })).toBe('{"money":"12.50 EUR"}');
    expect(encodeJson([{ toJSON: () => 7n }])).toBe('["7"]');
    const bytes = new Uint8Array([104, 105, 33]);
    expect(jsonable({ buffer: bytes.buffer, view: new DataView(bytes.buffer, 1, 2) })).toEqual({ buffer: 'aGkh', view: 'aSE=' });
  });

  it('encodes map keys that are primitives as object keys, and anything else as pairs', () => {
    expect(jsonable(new Map<unknown, unknown>([[true, 'yes'], [5n, 'big'], [1, undefined]]))).toEqual({ true: 'yes', '5': 'big' });
    expect(jsonable(new Map<unknown, unknown>([[null, 1], ['b', undefined]]))).toEqual([[null, 1], ['b', null]]);
  });

  it('keeps an error\'s own properties, drops a copied stack, and encodes an empty aggregate', () => {
    const error = Object.assign(new RangeError('out'), { stack: 'secret frames', status: 400, skip: undefined });
    expect(jsonable(error)).toEqual({ name: 'RangeError', message: 'out', status: 400 });
    expect(jsonable(new AggregateError([], 'none'))).toEqual({ name: 'AggregateError', message: 'none', errors: [] });
    expect(jsonable(new Error('x', { cause: undefined }))).toEqual({ name: 'Error', message: 'x' });
    expect(jsonable(new Error('x', { cause: () => 1 }))).toEqual({ name: 'Error', message: 'x', cause: null });
  });

  it('encodes a value shared by two branches twice, on the slow path too', () => {
    const shared = { at: new Date(0) };
    expect(jsonable({ a: shared, b: [shared], c: new Map([['k', shared]]) })).toStrictEqual({
      a: { at: '1970-01-01T00:00:00.000Z' },
      b: [{ at: '1970-01-01T00:00:00.000Z' }],
      c: { k: { at: '1970-01-01T00:00:00.000Z' } },
    });
  });

  it('drops undefined, functions and symbols from objects, maps and errors rather than keeping empty keys', () => {
    const value = jsonable({ kept: 1, gone: undefined, fn: () => 1, sym: Symbol('s'), map: new Map<string, unknown>([['x', undefined], ['y', 2]]), error: Object.assign(new Error('e'), { extra: undefined }) });
    expect(value).toStrictEqual({ kept: 1, map: { y: 2 }, error: { name: 'Error', message: 'e' } });
  });

  it('never encodes an error\'s stack, even one a library made enumerable', () => {
    const error = new Error('revived');
    Object.defineProperty(error, 'stack', { value: 'Error: revived\n    at secret (/srv/app.js:1:1)', enumerable: true });
    expect(Object.keys(error)).toContain('stack');
    expect(jsonable({ error })).toStrictEqual({ error: { name: 'Error', message: 'revived' } });
  });

  it('names where a cycle is: through a cause, an aggregate, a toJSON result or an array', () => {
    const failure = (value: unknown): string => {
      try {
        encodeJson(value);
      } catch (error) {
        expect(isErrandError(error, 'ERRAND_ENCODING_FAILED')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected ERRAND_ENCODING_FAILED');
    };
    const loop: Record<string, unknown> = {};
    const outer = new Error('outer', { cause: { loop } });
    loop.back = outer;
    expect(failure({ body: outer })).toBe('cannot encode the response body as JSON: a cycle at /body/cause/loop/back');
    const many = new AggregateError([], 'many');
    many.errors.push(many);
    expect(failure(many)).toBe('cannot encode the response body as JSON: a cycle at /errors/0');
    const node: Record<string, unknown> = {};
    node.self = { toJSON: () => node };
    expect(failure(node)).toBe('cannot encode the response body as JSON: a cycle at /self/toJSON');
    // Plain data takes the native fast path first: a cycle there still ends in the same error.
    const list: unknown[] = [1];
    list.push(list);
    expect(failure({ list })).toBe('cannot encode the response body as JSON: a cycle at /list/1');
  });

  it('refuses nesting deeper than 512 levels with ERRAND_ENCODING_FAILED, and accepts 500', () => {
    const nest = (levels: number) => Array.from({ length: levels }).reduce<unknown>((inner) => [inner], 'bottom');
    expect(() => jsonable(nest(500))).not.toThrow();
    expect(() => jsonable(nest(600))).toThrow(/nesting deeper than 512 at \/0\/0/);
    expect(jsonable(123)).toBe(123);
    expect(jsonable(Number.POSITIVE_INFINITY)).toBeNull();
    expect(jsonable(undefined)).toBeNull();
    expect(jsonable(Symbol('s'))).toBeNull();
  });
});
