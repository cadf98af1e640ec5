import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

/*
 * Where a script's bytes are allocated, collected ones included (V8's sampling heap profiler):
 * `node --import tsx bench/tasks/heap-sample.ts <script> [args…]`, e.g.
 * `node --import tsx bench/tasks/heap-sample.ts bench/tasks/task-pending.ts errand 100000 2000`.
 * Prints the allocating functions by bytes (self), then the total per unit of work when the script
 * sets `globalThis.heapSampleUnits`.
 */

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(script), ...args];
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await import(pathToFileURL(resolve(script)).href);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
const self = new Map<string, number>();
let total = 0;
const walk = (node: Node): void => {
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head);
const units = (globalThis as { heapSampleUnits?: number }).heapSampleUnits ?? 1;
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(bytes / units).toFixed(0).padStart(7)} B  ${key}`);
console.log(`${(total / units).toFixed(0).padStart(7)} B  total per unit (${units} units)`);
