import { readFileSync } from 'node:fs';

/**
 * The JSON Schemas ship in `schemas/` at the package root, the one source of truth for users'
 * editors and for ajv. Both `src/policy` (tsx) and `dist/policy` (built) sit two levels below it.
 */
const schemasDir = new URL('../../schemas/', import.meta.url);
const cache = new Map<string, object>();

function schema(name: string): object {
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemasDir), 'utf8')) as object;
    cache.set(name, loaded);
  }
  return loaded;
}

export const policySchema = (): object => schema('policy');
export const environmentSchema = (): object => schema('environment');
