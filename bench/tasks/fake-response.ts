import { EventEmitter } from 'node:events';

/**
 * What the task runner reads of a Node response, with no socket: the bench scripts of this folder
 * (task-cpu.ts, task-pending.ts) make one per request and `finish()` it as Node would, 'finish'
 * then 'close'.
 */
export class FakeResponse extends EventEmitter {
  statusCode = 200;
  writableFinished = false;
  destroyed = false;
  finish(): void {
    this.writableFinished = true;
    this.emit('finish');
    this.destroyed = true;
    this.emit('close');
  }
}
