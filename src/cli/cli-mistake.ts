import { isErrandError } from '../errors/errand-error.js';

// Packages a queue URL needs that errand only has as optional peers.
const peerInstall: Record<string, string> = { bullmq: 'npm install bullmq ioredis', ioredis: 'npm install bullmq ioredis', pg: 'npm install pg' };

function codeOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * One line saying what to do about an ordinary mistake on the command line (a tasks file that does
 * not exist or is TypeScript without a loader, a queue whose driver is not installed, no queue where
 * one was expected), or undefined for anything else: those are bugs, and keep their stack.
 *
 * @example
 * cliMistake(await import('./dist/nope.js').catch((e) => e)) // 'cannot find ./dist/nope.js: …'
 */
export function cliMistake(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = codeOf(error);
  if (code === 'ERR_MODULE_NOT_FOUND') {
    const missingPackage = /Cannot find package '([^']+)'/.exec(error.message)?.[1];
    if (missingPackage !== undefined) {
      const install = peerInstall[missingPackage] ?? `npm install ${missingPackage}`;
      return `the package "${missingPackage}" is not installed, and this queue needs it: run \`${install}\` in your app.`;
    }
    const file = /Cannot find module '([^']+)'/.exec(error.message)?.[1] ?? 'the module';
    return `cannot find ${file}: check the path given to --tasks (relative to the current directory; for a built app, the .js file in dist/).`;
  }
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    const file = /for (\S+)$/.exec(error.message)?.[1] ?? 'the tasks file';
    return `cannot load ${file}: this Node does not run TypeScript by itself. Build it and pass the .js file, or run errand with a loader: \`node --import tsx node_modules/.bin/errand …\`.`;
  }
  // Node 22.18+ strips types by itself, but refuses syntax that needs compiling (enum, namespace, parameter properties).
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return `cannot load the tasks file: ${error.message.split('\n')[0] ?? ''}. Node strips types but does not compile TypeScript: build it and pass the .js file, or run errand with a loader: \`node --import tsx node_modules/.bin/errand …\`.`;
  }
  if (isErrandError(error, 'ERRAND_BACKEND_UNAVAILABLE') || isErrandError(error, 'ERRAND_BACKEND_CONFIG')) {
    return `${error.message}. Pass --queue <url> or set ERRAND_QUEUE (the default is the SQLite file ./data/errand.db, relative to the current directory).`;
  }
  return undefined;
}
