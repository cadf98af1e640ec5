import { progress } from './interleave.js';
import { startServer, type RunningServer, type SystemChoice } from './server-process.js';

/**
 * Starts the chosen systems one after the other (each pinned to the server core) and collects
 * notices for the ones that are skipped or fail to start, so one broken peer never stops the run.
 */
export async function startAll(
  choices: Record<string, SystemChoice>, selected: readonly string[], notices: string[],
): Promise<RunningServer[]> {
  const servers: RunningServer[] = [];
  for (const [name, choice] of Object.entries(choices)) {
    if (selected.length > 0 && !selected.some((s) => name === s || [' ', '/', ':'].some((sep) => name.startsWith(s + sep)))) continue;
    if ('skipped' in choice) {
      if (!notices.includes(choice.skipped)) {
        notices.push(choice.skipped);
        progress(choice.skipped);
      }
      continue;
    }
    if (choice.notice && !notices.includes(choice.notice)) notices.push(choice.notice);
    try {
      servers.push(await startServer(choice.spec));
      progress(`started ${name}`);
    } catch (error) {
      const message = `${name} skipped: ${error instanceof Error ? error.message : String(error)}`;
      notices.push(message);
      progress(message);
    }
  }
  return servers;
}

/** Stops every server, even when one of them fails to stop. */
export async function stopAll(servers: readonly RunningServer[]): Promise<void> {
  await Promise.allSettled(servers.map((s) => s.stop()));
}
