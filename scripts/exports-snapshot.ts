/**
 * The public surface: every name each package subpath exports (values, and types marked `type`),
 * read from the sources with the TypeScript compiler. test/package/exports-snapshot.test.ts fails
 * when it differs from the checked-in test/package/exports-snapshot.json, so nothing becomes public
 * (or stops being public) by accident.
 *
 * After an intended change: `npm run exports:snapshot` rewrites the JSON; commit it with the change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const snapshotPath = join(root, 'test/package/exports-snapshot.json');

/** `{ "./errors": ["ErrandError", "type ErrorCode", …], … }`, names sorted. */
export function readExports(): Record<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { 'errand-source'?: string } | string> };
  const entries = Object.entries(manifest.exports).flatMap(([subpath, entry]) =>
    typeof entry === 'object' && entry['errand-source'] !== undefined ? [[subpath, join(root, entry['errand-source'])] as const] : [],
  );
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
  );
  const checker = program.getTypeChecker();
  const surface: Record<string, string[]> = {};
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read the exports of ${file}`);
    surface[subpath] = checker
      .getExportsOfModule(module)
      .map((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return target.flags & ts.SymbolFlags.Value ? symbol.name : `type ${symbol.name}`;
      })
      .sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
  }
  return surface;
}

if (process.argv.includes('--write')) {
  writeFileSync(snapshotPath, `${JSON.stringify(readExports(), null, 2)}\n`);
  console.log(`wrote ${snapshotPath}`);
}
