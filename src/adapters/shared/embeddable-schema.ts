import { createHash } from 'node:crypto';

/*
 * A JSON Schema that keeps its meaning wherever an OpenAPI document embeds it. Converters put
 * named and recursive parts in `$defs` and point at them with `#/$defs/Name` or `#`, pointers
 * relative to the schema's root: inside a document they resolve against the document's root and
 * miss (`Can't resolve #/$defs/Address`). zod does it for every schema given `.meta({ id })`.
 */

const defsPrefix = '#/$defs/';
// Marks a subtree that refers to itself: it cannot be inlined.
const recursive = Symbol('recursive');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// RFC 6901: `~1` is `/`, `~0` is `~`.
function defName(ref: string): string {
  return ref.slice(defsPrefix.length).replaceAll('~1', '/').replaceAll('~0', '~');
}

function inlined(node: unknown, defs: Readonly<Record<string, unknown>>, open: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) {
    const items: unknown[] = [];
    for (const item of node) {
      const copy = inlined(item, defs, open);
      if (copy === recursive) return recursive;
      items.push(copy);
    }
    return items;
  }
  if (!isRecord(node)) return node;
  const { $ref, ...rest } = node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    const copy = inlined(value, defs, open);
    if (copy === recursive) return recursive;
    out[key] = copy;
  }
  if (typeof $ref !== 'string') return $ref === undefined ? out : { $ref, ...out };
  // A reference elsewhere (a URL, the document's own components) means the same anywhere.
  if (!$ref.startsWith('#')) return { $ref, ...out };
  const name = defName($ref);
  if (!$ref.startsWith(defsPrefix) || open.has(name) || !(name in defs)) return recursive;
  const target = inlined(defs[name], defs, new Set([...open, name]));
  if (!isRecord(target)) return recursive;
  // `$ref` beside other keywords applies both (2020-12): merged when they do not overlap.
  const overlaps = Object.keys(out).some((key) => key in target);
  return overlaps ? { ...out, allOf: [target] } : { ...target, ...out };
}

/**
 * `schema` with every `#/$defs/…` reference replaced by its definition, so it can sit anywhere in
 * an OpenAPI document. A schema that refers to itself (a tree, a linked list) cannot be inlined: it
 * keeps its `$defs` and gets an `$id` (a URN from its content), which makes its `#…` references
 * resolve against the schema itself, as JSON Schema 2020-12 and OpenAPI 3.1 say.
 */
export function embeddableSchema(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { $defs, ...root } = schema;
  const copy = inlined(root, isRecord($defs) ? $defs : {}, new Set());
  if (isRecord(copy)) return copy;
  const digest = createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
  return { $id: `urn:errand:schema:${digest}`, ...schema };
}

function pointerTo(name: string): string {
  return defsPrefix + name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function rewritten(node: unknown, targets: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(node)) return node.map((item) => rewritten(item, targets));
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const target = key === '$ref' && typeof value === 'string' ? targets.get(value) : undefined;
    out[key] = target === undefined ? rewritten(value, targets) : `#/components/schemas/${target}`;
  }
  return out;
}

/**
 * For a document at hand (@fastify/swagger's, which drops the `$id` {@link embeddableSchema} relies
 * on): the schema's `$defs` become entries of the document's `components.schemas` (added to
 * `schemas`) under their names, and its references point at them; a schema that refers to its own
 * root is itself such an entry, and a `$ref` to it is returned. A name the document already uses
 * gets a suffix from the schema's content.
 */
export function hoistedSchema(schema: Readonly<Record<string, unknown>>, schemas: Record<string, unknown>): Record<string, unknown> {
  const { $id: _id, $defs, ...root } = schema;
  const selfReferring = JSON.stringify(root).includes('"$ref":"#"');
  if ($defs === undefined && !selfReferring) return { ...schema };
  const digest = createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 8);
  let unnamed = 0;
  const nameFor = (base: string): string => {
    // Generated names (zod's `__schema0`) say nothing: the content's digest names them.
    const clean = base.startsWith('__') ? `Schema_${digest}${unnamed++ === 0 ? '' : `_${unnamed - 1}`}` : base.replace(/[^\w.-]/g, '_');
    return clean in schemas ? `${clean}_${digest}` : clean;
  };
  const targets = new Map<string, string>();
  if (selfReferring) targets.set('#', nameFor('__root'));
  const definitions = isRecord($defs) ? $defs : {};
  for (const name of Object.keys(definitions)) targets.set(pointerTo(name), nameFor(name));
  for (const [name, definition] of Object.entries(definitions)) schemas[targets.get(pointerTo(name)) ?? name] = rewritten(definition, targets);
  const body = rewritten(root, targets) as Record<string, unknown>;
  const rootName = targets.get('#');
  if (rootName === undefined) return body;
  schemas[rootName] = body;
  return { $ref: `#/components/schemas/${rootName}` };
}
