import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
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
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@standard-schema/spec']);
  });
});

/** The sources a module loads when imported (static imports and re-exports that are not type-only). */
const loadedSpecifiers = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?'([^']+)'/gm;

/** The packages (not node: built-ins) that loading `file` loads, following errand's own relative imports. */
function packagesLoadedBy(file: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [file];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const [, specifier = ''] of readFileSync(next, 'utf8').matchAll(loadedSpecifiers)) {
      if (specifier.startsWith('.')) pending.push(join(dirname(next), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier));
      }
    }
  }
  return packages;
}

describe('what each subpath loads', () => {
  it.each(entries)('%s loads only its dependencies and the optional peers scripts/subpath-peers.ts names', (subpath, entry) => {
    // An app importing errand/express has express (its host); the rest must be listed peers.
    const host = subpath === './express' || subpath === './fastify' ? [subpath.slice(2)] : [];
    const allowed = new Set([...Object.keys(manifest.dependencies), ...(subpathPeers[subpath] ?? []), ...host]);
    const loaded = [...packagesLoadedBy(entry['errand-source'])].filter((name) => !allowed.has(name));
    expect(loaded, `${subpath} (${relative('.', entry['errand-source'])})`).toEqual([]);
  });

  it('loads errand/metrics, errand/fastify and errand/express without hono (mount and metrics.middleware import it on first use)', () => {
    for (const file of ['src/metrics/index.ts', 'src/adapters/fastify/index.ts', 'src/adapters/express/index.ts']) expect(packagesLoadedBy(file), file).not.toContain('hono');
  });
});
