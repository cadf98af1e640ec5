import { randomFillSync } from 'node:crypto';

// Random bytes are drawn 4 KiB at a time (as randomUUID does) rather than one syscall per id.
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;
const byteHex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex(index: number): string {
  return byteHex[pool[index] ?? 0] ?? '00';
}

/**
 * A new job id: a UUIDv7 (RFC 9562), the creation time in milliseconds followed by 74 random bits.
 * Ids made about the same time sort together, so inserting one touches the rightmost leaf of the
 * id index instead of a random page (random v4 ids scatter writes and, on a large queue, miss the
 * page cache); the random part keeps ids unique across processes and machines without coordination.
 *
 * @example
 * jobId() // '019a8f3e-5b1c-7d2e-8f3a-1b2c3d4e5f60'
 */
export function jobId(now: number = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += 10;
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  const randA = ((pool[at] ?? 0) & 0x0f).toString(16) + hex(at + 1);
  const variant = byteHex[((pool[at + 2] ?? 0) & 0x3f) | 0x80] ?? '80';
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randA}-${variant}${hex(at + 3)}-${hex(at + 4)}${hex(at + 5)}${hex(at + 6)}${hex(at + 7)}${hex(at + 8)}${hex(at + 9)}`;
}
