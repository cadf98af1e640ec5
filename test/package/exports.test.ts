import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ExportEntry {
  types: string;
  import: string;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, ExportEntry | string>;
  bin: Record<string, string>;
};
const entries = Object.entries(manifest.exports).filter((entry): entry is [string, ExportEntry] => typeof entry[1] === 'object');

/** `./dist/src/x/index.js` is built from `src/x/index.ts`. */
function sourceOf(built: string): string {
  return built.replace(/^\.\/dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts');
}

describe('package.json exports', () => {
  it.each(entries)('%s is built from a source file that exists, types listed first', (_subpath, entry) => {
    expect(Object.keys(entry)[0]).toBe('types');
    expect(existsSync(sourceOf(entry.import))).toBe(true);
    expect(sourceOf(entry.types)).toBe(sourceOf(entry.import));
  });

  it('points the errand bin at the CLI entry', () => {
    expect(existsSync(sourceOf(manifest.bin.errand ?? ''))).toBe(true);
  });
});
