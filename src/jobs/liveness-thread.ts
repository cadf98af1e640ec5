/**
 * The body of a worker's liveness thread (see worker-liveness.ts). It runs on its own event loop and
 * its own connection to the backend, so it keeps beating while the worker's main thread is blocked
 * (a synchronous handler, a long GC pause): only a process that is really gone stops beating.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LivenessWriter, LivenessWriterModule } from './backend.js';

interface LivenessThreadData {
  moduleUrl: string;
  config: unknown;
  workerId: string;
  intervalMs: number;
  ttlMs: number;
}

const data = workerData as LivenessThreadData;
const port = parentPort;
let writer: LivenessWriter | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let stopping = false;

async function beat(): Promise<void> {
  if (writer === undefined || stopping) return;
  try {
    await writer.beat(data.workerId, data.ttlMs);
    port?.postMessage({ type: 'beat', at: Date.now() });
  } catch (error) {
    port?.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
  if (!stopping) timer = setTimeout(() => void beat(), data.intervalMs);
}

async function stop(): Promise<void> {
  stopping = true;
  clearTimeout(timer);
  try {
    // A clean stop removes the record: nothing of this worker is left to take back.
    await writer?.forget(data.workerId);
    await writer?.close();
  } catch {
    // The record then lapses by itself.
  }
  port?.postMessage({ type: 'stopped' });
  port?.close();
}

port?.on('message', (message: unknown) => {
  if (message === 'stop') void stop();
});

try {
  const module = (await import(data.moduleUrl)) as LivenessWriterModule;
  writer = await module.createLivenessWriter(data.config);
  await beat();
} catch (error) {
  port?.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  port?.postMessage({ type: 'stopped' });
  port?.close();
}
