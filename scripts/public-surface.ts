/**
 * Reads the public surface with the TypeScript compiler: for each package subpath (package.json's
 * `exports`, through their `errand-source` files), every exported name, whether it is a value, and
 * its documentation comment. Used by scripts/exports-snapshot.ts and scripts/api-reference.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** One exported name of a subpath. */
export interface PublicName {
  name: string;
  /** A value (function, class, constant) rather than a type only. */
  value: boolean;
  /** `function`, `class`, `const`, `interface`, `type` or `enum`. */
  kind: string;
  /** The documentation comment's text, '' when there is none. */
  doc: string;
}

function kindOf(symbol: ts.Symbol): string {
  const { flags } = symbol;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  if (flags & ts.SymbolFlags.Variable) return 'const';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  return 'type';
}

/** `{ "./errors": [{ name, value, kind, doc }, …], … }`, names sorted as the snapshot sorts them. */
export function readPublicSurface(): Record<string, PublicName[]> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { 'errand-source'?: string } | string> };
  const entries = Object.entries(manifest.exports).flatMap(([subpath, entry]) =>
    typeof entry === 'object' && entry['errand-source'] !== undefined ? [[subpath, join(root, entry['errand-source'])] as const] : [],
  );
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
  );
  const checker = program.getTypeChecker();
  const surface: Record<string, PublicName[]> = {};
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read the exports of ${file}`);
    surface[subpath] = checker
      .getExportsOfModule(module)
      .map((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
        return { name: symbol.name, value: (target.flags & ts.SymbolFlags.Value) !== 0, kind: kindOf(target), doc };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return surface;
}
