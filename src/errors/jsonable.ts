import { ErrandError } from './errand-error.js';

/** A value `JSON.stringify` encodes exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// Deeper than any sane response body; stops a pathological structure before the call stack does.
const maxDepth = 512;

function bytesToBase64(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

function encodeError(error: Error, encode: (value: unknown, key: string) => JsonValue | undefined): JsonValue {
  const out: Record<string, JsonValue> = { name: error.name, message: error.message };
  for (const key of Object.keys(error)) {
    if (key === 'stack') continue;
    const value = encode((error as unknown as Record<string, unknown>)[key], key);
    if (value !== undefined) setOwn(out, key, value);
  }
  if (error.cause !== undefined) out.cause = encode(error.cause, 'cause') ?? null;
  if (error instanceof AggregateError) out.errors = encode(error.errors, 'errors') ?? [];
  return out;
}

/**
 * `out[key] = value` as an own property even when `key` is `__proto__`: a plain assignment would set
 * the object's prototype instead (a body `{"__proto__": {"isAdmin": true}}` echoed through
 * `jsonResponse` made an object inheriting `isAdmin`, and lost the member from the JSON).
 */
function setOwn(out: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function isMapKey(key: unknown): key is string | number | bigint | boolean {
  const kind = typeof key;
  return kind === 'string' || kind === 'number' || kind === 'bigint' || kind === 'boolean';
}

/**
 * Turns any value into plain JSON data, the one encoder used for success and error bodies alike:
 * `Date` → ISO string (invalid → null), `BigInt` → decimal string (no precision loss), `Map` →
 * object (or `[key, value]` pairs when a key is not a primitive), `Set` → array, `URL` → href,
 * `Buffer`, `Uint8Array`, `ArrayBuffer`, `DataView` → base64 string, other typed arrays → number
 * arrays, `toJSON()` is honoured, `Error` → `{ name, message, …own props, cause }` (never its
 * stack), class instances → their own enumerable properties. `undefined`, functions and symbols
 * are dropped from objects and become `null` in arrays, as in `JSON.stringify`; non-finite
 * numbers become `null`.
 *
 * @throws ErrandError `ERRAND_ENCODING_FAILED` on a cycle (shared, acyclic references are fine).
 * @example
 * jsonable({ at: new Date(0), id: 10n, tags: new Set(['a']) })
 * // { at: '1970-01-01T00:00:00.000Z', id: '10', tags: ['a'] }
 */
export function jsonable(value: unknown): JsonValue {
  const ancestors: object[] = [];
  const path: string[] = [];

  function fail(reason: string, key: string): never {
    throw new ErrandError('ERRAND_ENCODING_FAILED', `cannot encode the response body as JSON: ${reason} at /${[...path.slice(1), key].join('/')}`);
  }

  function encode(input: unknown, key: string): JsonValue | undefined {
    switch (typeof input) {
      case 'string':
      case 'boolean':
        return input;
      case 'number':
        return Number.isFinite(input) ? input : null;
      case 'bigint':
        return input.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (input === null) return null;
    const object = input as object;
    if (ancestors.includes(object)) fail('a cycle', key);
    if (ancestors.length >= maxDepth) fail(`nesting deeper than ${maxDepth}`, key);
    ancestors.push(object);
    path.push(key);
    try {
      return encodeObject(object);
    } finally {
      ancestors.pop();
      path.pop();
    }
  }

  function encodeObject(object: object): JsonValue | undefined {
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (object instanceof URL) return object.href;
    if (object instanceof Uint8Array || object instanceof DataView) return bytesToBase64(object);
    if (object instanceof ArrayBuffer) return Buffer.from(object).toString('base64');
    if (ArrayBuffer.isView(object)) return Array.from(object as unknown as ArrayLike<number | bigint>, (item, index) => encode(item, String(index)) ?? null);
    if (Array.isArray(object)) return object.map((item: unknown, index) => encode(item, String(index)) ?? null);
    if (object instanceof Set) return Array.from(object, (item: unknown, index) => encode(item, String(index)) ?? null);
    if (object instanceof Map) return encodeMap(object);
    if (object instanceof Error) return encodeError(object, encode);
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return encode(toJSON.call(object) as unknown, 'toJSON');
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(object)) {
      const value = encode((object as Record<string, unknown>)[key], key);
      if (value !== undefined) setOwn(out, key, value);
    }
    return out;
  }

  function encodeMap(map: Map<unknown, unknown>): JsonValue {
    const keys = [...map.keys()];
    if (keys.every(isMapKey)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, value] of map) {
        const encoded = encode(value, String(key));
        if (encoded !== undefined) setOwn(out, String(key), encoded);
      }
      return out;
    }
    return Array.from(map, ([key, value], index) => [encode(key, String(index)) ?? null, encode(value, String(index)) ?? null]);
  }

  return encode(value, '') ?? null;
}

/**
 * `JSON.stringify(jsonable(value))`: the string errand sends for any JSON body.
 *
 * @throws ErrandError `ERRAND_ENCODING_FAILED` on a cycle.
 * @example
 * encodeJson({ n: 1n }) // '{"n":"1"}'
 */
export function encodeJson(value: unknown): string {
  // Plain data (what problem bodies and most API responses are) encodes the same either way:
  // straight to the native encoder, without building a copy of the tree.
  if (typeof value === 'object' && value !== null && isPlainJson(value, 0)) return JSON.stringify(value);
  return JSON.stringify(jsonable(value));
}

// Past this depth the slow path decides (and reports a cycle precisely).
const plainDepth = 32;

/**
 * Whether `JSON.stringify(value)` gives exactly what `jsonable` would: primitives other than
 * bigint, and arrays and objects with no prototype or `Object.prototype` made of those. Anything
 * else (Date, Map, Set, Error, typed arrays, class instances, `toJSON`) takes the slow path.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'bigint';
  if (depth >= plainDepth) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!isPlainJson(item, depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}
