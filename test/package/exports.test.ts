import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { subpathPeers } from '../../scripts/subpath-peers.js';

interface ExportEntry {
  'errand-source': string;
  types: string;
  import: string;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, ExportEntry | string>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const entries = Object.entries(manifest.exports).filter((entry): entry is [string, ExportEntry] => typeof entry[1] === 'object');

/** `./dist/src/x/index.js` is built from `src/x/index.ts`. */
function sourceOf(built: string): string {
  return built.replace(/^\.\/dist\//, '').replace(/\.entry\.js$|\.d\.ts$|\.js$/, '.ts');
}

describe('package.json exports', () => {
  it.each(entries)('%s: source condition first (for tests and tsx), then types, then the built module', (subpath, entry) => {
    expect(Object.keys(entry)).toEqual(['errand-source', 'types', 'import']);
    expect(existsSync(entry['errand-source'])).toBe(true);
    expect(sourceOf(entry.types)).toBe(entry['errand-source'].slice(2));
    expect(sourceOf(entry.import)).toBe(entry['errand-source'].slice(2));
    // A subpath with optional peers loads through the entry module that checks them first.
    expect(entry.import.endsWith('.entry.js')).toBe(subpath in subpathPeers);
  });

  it('points the errand bin at the CLI entry', () => {
    expect(existsSync(sourceOf(manifest.bin.errand ?? ''))).toBe(true);
  });

  it('names only optional peers with ranges as what subpaths need, and depends on nothing a framework brings', () => {
    const peers = new Set(Object.values(subpathPeers).flat());
    for (const peer of peers) {
      expect(manifest.peerDependencies[peer], peer).toMatch(/^\^/);
      expect(manifest.peerDependenciesMeta[peer]?.optional, peer).toBe(true);
    }
    for (const range of Object.values(manifest.peerDependencies)) expect(range).toMatch(/^\^\d/);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@standard-schema/spec', 'pino']);
  });
});
