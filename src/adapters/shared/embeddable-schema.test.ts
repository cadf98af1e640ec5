import { describe, expect, it } from 'vitest';
import { embeddableSchema, hoistedSchema } from './embeddable-schema.js';

const address = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
// What zod gives for `z.object({ home: Address, work: Address.describe('…').optional() })` with `Address.meta({ id: 'Address' })`.
const user = {
  type: 'object',
  properties: { home: { $ref: '#/$defs/Address' }, work: { $ref: '#/$defs/Address', description: 'Where they work.' } },
  required: ['home'],
  $defs: { Address: address },
};
// A linked list: `next` refers to its own definition.
const list = {
  type: 'object',
  properties: { list: { $ref: '#/$defs/__schema0' } },
  $defs: { __schema0: { type: 'object', properties: { value: { type: 'number' }, next: { $ref: '#/$defs/__schema0' } } } },
};
// A tree whose root refers to itself.
const tree = { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } } };

describe('embeddableSchema', () => {
  it('inlines the named parts, so the schema means the same anywhere in a document', () => {
    expect(embeddableSchema(user)).toEqual({
      type: 'object',
      properties: { home: address, work: { ...address, description: 'Where they work.' } },
      required: ['home'],
    });
  });

  it('keeps a keyword beside a $ref that the definition also has, applying both', () => {
    const schema = { properties: { a: { $ref: '#/$defs/A', type: 'object' } }, $defs: { A: { type: 'object', required: ['x'] } } };
    expect(embeddableSchema(schema)).toEqual({ properties: { a: { type: 'object', allOf: [{ type: 'object', required: ['x'] }] } } });
  });

  it('leaves a schema without references and a reference outside the schema as they are', () => {
    expect(embeddableSchema(address)).toEqual(address);
    const external = { properties: { a: { $ref: 'https://example.com/a.json' }, b: { $ref: '#/components/schemas/B' } } };
    expect(embeddableSchema({ properties: { a: { $ref: 'https://example.com/a.json' } } })).toEqual({ properties: { a: { $ref: 'https://example.com/a.json' } } });
    // A document pointer is not the schema's own: it cannot be inlined, and an $id makes the schema its own resource.
    expect(embeddableSchema(external)).toEqual({ $id: expect.stringMatching(/^urn:errand:schema:[0-9a-f]{16}$/), ...external });
  });

  it('gives a schema that refers to itself an $id of its content, under which its references resolve', () => {
    const embedded = embeddableSchema(list);
    expect(embedded).toEqual({ $id: expect.stringMatching(/^urn:errand:schema:[0-9a-f]{16}$/), ...list });
    expect(embeddableSchema(structuredClone(list)).$id).toBe(embedded.$id);
    expect(embeddableSchema(tree).$id).not.toBe(embedded.$id);
  });
});

describe('hoistedSchema', () => {
  it('makes the named parts components of the document, under their names', () => {
    const schemas: Record<string, unknown> = {};
    expect(hoistedSchema(user, schemas)).toEqual({
      type: 'object',
      properties: { home: { $ref: '#/components/schemas/Address' }, work: { $ref: '#/components/schemas/Address', description: 'Where they work.' } },
      required: ['home'],
    });
    expect(schemas).toEqual({ Address: address });
  });

  it('moves the definitions of a recursive schema to components.schemas and points at them', () => {
    const schemas: Record<string, unknown> = {};
    const body = hoistedSchema(list, schemas);
    const name = Object.keys(schemas)[0] ?? '';
    expect(name).toMatch(/^Schema_[0-9a-f]{8}$/);
    expect(body).toEqual({ type: 'object', properties: { list: { $ref: `#/components/schemas/${name}` } } });
    expect(schemas[name]).toEqual({ type: 'object', properties: { value: { type: 'number' }, next: { $ref: `#/components/schemas/${name}` } } });
  });

  it('puts a schema that refers to its own root in components.schemas and returns a $ref to it', () => {
    const schemas: Record<string, unknown> = {};
    const body = hoistedSchema(tree, schemas);
    const name = Object.keys(schemas)[0] ?? '';
    expect(body).toEqual({ $ref: `#/components/schemas/${name}` });
    expect(schemas[name]).toEqual({ type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: `#/components/schemas/${name}` } } } });
  });

  it('keeps a given name unless the document already uses it, then adds the content digest', () => {
    const named = { properties: { root: { $ref: '#/$defs/Node' } }, $defs: { Node: { properties: { next: { $ref: '#/$defs/Node' } } } } };
    const schemas: Record<string, unknown> = { Other: {} };
    expect(hoistedSchema(named, schemas)).toEqual({ properties: { root: { $ref: '#/components/schemas/Node' } } });
    const taken = hoistedSchema(named, schemas);
    expect(Object.keys(schemas)).toEqual(['Other', 'Node', expect.stringMatching(/^Node_[0-9a-f]{8}$/)]);
    expect(taken).toEqual({ properties: { root: { $ref: `#/components/schemas/${Object.keys(schemas)[2]}` } } });
  });

  it('returns a schema without definitions as it is', () => {
    const schemas: Record<string, unknown> = {};
    expect(hoistedSchema(address, schemas)).toEqual(address);
    expect(schemas).toEqual({});
  });
});
