import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** Every property name any schema declares, at any depth. */
function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) propertyNames(item, into);
  else if (schema && typeof schema === 'object') {
    const properties = (schema as { properties?: Record<string, unknown> }).properties;
    if (properties) for (const name of Object.keys(properties)) into.add(name);
    for (const value of Object.values(schema)) propertyNames(value, into);
  }
  return into;
}

describe('docs/policies.md documents the schemas', () => {
  it.each(['policy', 'environment', 'policy-check-config'])('mentions every property of schemas/%s.schema.json', async (name) => {
    const schema: unknown = JSON.parse(await readFile(`schemas/${name}.schema.json`, 'utf8'));
    const docs = await readFile('docs/policies.md', 'utf8');
    const missing = [...propertyNames(schema)].filter((property) => !docs.includes(`\`${property}\``));
    expect(missing).toEqual([]);
  });
});
