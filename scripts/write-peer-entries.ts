/**
 * After `tsc`, writes `<name>.entry.js` beside each built subpath that has optional peers
 * (scripts/subpath-peers.ts): it checks the peers, then imports the subpath and re-exports its
 * values. package.json's `import` condition points at it; `types` still points at the subpath's
 * own declarations. The export names come from the built module itself, so they cannot drift.
 *
 * Run by `npm run build`: `tsx scripts/write-peer-entries.ts`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { subpathPeers } from './subpath-peers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = (await import(pathToFileURL(join(root, 'package.json')).href, { with: { type: 'json' } })) as {
  default: { exports: Record<string, { types: string }> };
};

for (const [subpath, peers] of Object.entries(subpathPeers)) {
  const exported = manifest.default.exports[subpath];
  if (exported === undefined) throw new Error(`scripts/subpath-peers.ts names ${subpath}, which package.json does not export`);
  const built = join(root, exported.types.replace(/\.d\.ts$/, '.js'));
  const names = Object.keys((await import(pathToFileURL(built).href)) as object).sort();
  const entry = built.replace(/\.js$/, '.entry.js');
  const requirePeers = relative(dirname(entry), join(root, 'dist/src/require-peers.js'));
  const lines = [
    `// Written by scripts/write-peer-entries.ts: checks the optional peers of errand${subpath.slice(1)} before loading it.`,
    `import { requirePeers } from './${requirePeers}';`,
    `requirePeers(${JSON.stringify(`errand${subpath.slice(1)}`)}, ${JSON.stringify(peers)}, import.meta.resolve);`,
    `const subpath = await import('./${relative(dirname(entry), built)}');`,
    `export const { ${names.join(', ')} } = subpath;`,
    '',
  ];
  writeFileSync(entry, lines.join('\n'));
}
