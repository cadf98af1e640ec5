import type { ErrandLogger } from '../logging/errand-logger.js';
import { createJsonLogger, type JsonLogLevel } from '../logging/json-logger.js';

/** A logger that keeps its lines in memory (parsed), for tests; `debug` and up unless `level` says otherwise. */
export function memoryLogger(level: JsonLogLevel = 'debug'): { logger: ErrandLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}
