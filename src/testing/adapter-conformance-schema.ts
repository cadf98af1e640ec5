import type { StandardSchemaV1 } from '@standard-schema/spec';

/** The body `POST /items` takes in the adapter conformance app. */
export interface ConformanceItem {
  name: string;
  qty: number;
  tags: string[];
}

function check(value: unknown): StandardSchemaV1.Result<ConformanceItem> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { issues: [{ message: 'expected an object', path: [] }] };
  const { name, qty, tags } = value as Record<string, unknown>;
  const issues: StandardSchemaV1.Issue[] = [];
  if (typeof name !== 'string' || name === '') issues.push({ message: 'expected a non-empty string', path: ['name'] });
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 0) issues.push({ message: 'expected a whole number >= 0', path: ['qty'] });
  if (!Array.isArray(tags)) issues.push({ message: 'expected an array of strings', path: ['tags'] });
  else for (const [i, tag] of tags.entries()) if (typeof tag !== 'string') issues.push({ message: 'expected a string', path: ['tags', i] });
  return issues.length > 0 ? { issues } : { value: { name: name as string, qty: qty as number, tags: tags as string[] } };
}

/**
 * A Standard Schema written by hand (the conformance suite depends on no validator library): it
 * reports every failing field, as zod, valibot and arktype do.
 */
export const conformanceItemSchema: StandardSchemaV1<unknown, ConformanceItem> = {
  '~standard': { version: 1, vendor: 'errand-conformance', validate: check },
};
