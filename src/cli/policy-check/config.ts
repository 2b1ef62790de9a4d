/**
 * `policy-check.yaml` / `.policy-check.yaml`: what would otherwise be flags, validated by
 * schemas/policy-check-config.schema.json (errors name file:line:col). Flags win over the file;
 * paths in the file are relative to the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readInputFile } from '../../config/input-file.js';

export const CONFIG_FILES = ['policy-check.yaml', '.policy-check.yaml'] as const;

const schema: object = JSON.parse(readFileSync(new URL('../../../schemas/policy-check-config.schema.json', import.meta.url), 'utf8')) as object;

export interface ConfigFile {
  env?: string;
  policies?: string;
  source?: string[];
  baseline?: string;
  format?: string[];
  output?: string;
  softFail?: boolean;
  check?: string[];
  skipCheck?: string[];
  quiet?: boolean;
  prove?: boolean;
}

/** The keys holding paths, resolved against the file's folder. */
const PATH_KEYS = ['policies', 'output'] as const;

/** The config file in `cwd`, if any (the first of CONFIG_FILES that exists). */
export function findConfigFile(cwd: string): string | undefined {
  return CONFIG_FILES.map((name) => join(cwd, name)).find((file) => existsSync(file));
}

function relativeTo(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** Reads and validates a config file; throws InputError naming file:line:col. */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  // Loaded when a config file is read: YAML and JSON Schema are most of a cold start (`--help`).
  const { parseValidatedYaml } = await import('../../config/validated-yaml.js');
  const config = parseValidatedYaml<ConfigFile>(await readInputFile(file), file, schema);
  const base = dirname(resolve(file));
  const resolved: ConfigFile = { ...config };
  for (const key of PATH_KEYS) if (config[key] !== undefined) resolved[key] = relativeTo(base, config[key]);
  if (config.source) resolved.source = config.source.map((path) => relativeTo(base, path));
  if (config.format) {
    resolved.format = config.format.map((spec) => {
      const at = spec.indexOf('=');
      return at === -1 ? spec : `${spec.slice(0, at)}=${relativeTo(base, spec.slice(at + 1))}`;
    });
  }
  return resolved;
}
