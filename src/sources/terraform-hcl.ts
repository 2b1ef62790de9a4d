/**
 * Terraform configuration (`.tf` files) through `@cdktf/hcl2json` (HashiCorp's HCL parser compiled to
 * WebAssembly): each resource's attributes as written, the line its block starts on, and the
 * `policy-check:skip` comments inside it. Used on its own (a folder of `.tf` files as a source) and
 * next to a plan, whose JSON has neither comments nor the literals inside `jsonencode(…)`.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile } from '../config/input-file.js';
import { SourceError } from './errors.js';
import type { SourceLocation, Suppression } from './queue-settings.js';
import { terraformSuppressions } from './suppressions.js';

type Json = Record<string, unknown>;

export interface TfResource {
  type: string;
  name: string;
  /** Attributes as hcl2json gives them: literals as JSON, expressions as `${…}` strings. */
  body: Json;
  location: SourceLocation;
  suppressions: Suppression[];
}

export interface TfModule {
  dir: string;
  resources: TfResource[];
  /** Module call name → its `source` (a local path is followed by callers). */
  moduleCalls: Map<string, string>;
}

export const MAKE_A_PLAN = 'terraform plan -out plan.out && terraform show -json plan.out > plan.json';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the text reads as Terraform configuration (a top-level block keyword). */
export function looksLikeHcl(text: string): boolean {
  return /^\s*(resource|module|variable|terraform|provider|data|locals|output)\s+("|\{)/m.test(text);
}

/** The last line of the block whose `{` is on `from` (1-based): braces counted outside strings and comments. */
function blockEnd(lines: readonly string[], from: number): number {
  let depth = 0;
  for (let index = from - 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return index + 1;
    }
  }
  return lines.length;
}

async function parseHcl(file: string, text: string): Promise<Json> {
  const { parse } = await import('@cdktf/hcl2json');
  try {
    return (await parse(file, text)) as Json;
  } catch (error) {
    // "parse config: [main.tf:3,14-15: Unclosed configuration block; …]"
    const message = String(error instanceof Error ? error.message : error);
    const at = /\[([^:\]]+):(\d+),(\d+)[^:]*: ([^;\]]+)/.exec(message);
    const where = at === null ? file : `${file}:${at[2]}:${at[3]}`;
    throw new SourceError(`${where}: invalid Terraform configuration (${at?.[4]?.trim() ?? 'parse error'}); or give a plan: ${MAKE_A_PLAN}`, { cause: error });
  }
}

/** One `.tf` file → its resources and module calls. */
export async function readTerraformFile(file: string, text: string): Promise<{ resources: TfResource[]; moduleCalls: Map<string, string> }> {
  const parsed = await parseHcl(file, text);
  const lines = text.split(/\r?\n/);
  const resources: TfResource[] = [];
  const blocks = isObject(parsed.resource) ? parsed.resource : {};
  for (const [type, byName] of Object.entries(blocks)) {
    if (!isObject(byName)) continue;
    for (const [name, bodies] of Object.entries(byName)) {
      const body = Array.isArray(bodies) && isObject(bodies[0]) ? bodies[0] : {};
      const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const header = new RegExp(`^\\s*resource\\s+"${escaped(type)}"\\s+"${escaped(name)}"`);
      const line = lines.findIndex((l) => header.test(l)) + 1 || 1;
      const end = blockEnd(lines, line);
      resources.push({ type, name, body, location: { file, line }, suppressions: terraformSuppressions(lines, line, end, file) });
    }
  }
  const moduleCalls = new Map<string, string>();
  for (const [name, calls] of Object.entries(isObject(parsed.module) ? parsed.module : {})) {
    const call = Array.isArray(calls) && isObject(calls[0]) ? calls[0] : {};
    if (typeof call.source === 'string') moduleCalls.set(name, call.source);
  }
  return { resources, moduleCalls };
}

/** Every `.tf` file of a folder (not its subfolders), or null when it has none. */
export async function readTerraformDir(dir: string): Promise<TfModule | null> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  const module: TfModule = { dir, resources: [], moduleCalls: new Map() };
  for (const name of names) {
    const file = join(dir, name);
    const read = await readTerraformFile(file, await readInputFile(file));
    module.resources.push(...read.resources);
    for (const [call, source] of read.moduleCalls) module.moduleCalls.set(call, source);
  }
  return module;
}

/** `${jsonencode({ … maxReceiveCount = 13 … })}` → 13, when written as a literal. */
export function literalIn(expression: unknown, key: string): number | string | undefined {
  if (typeof expression !== 'string') return undefined;
  const match = new RegExp(`\\b${key}\\s*[=:]\\s*("([^"$]*)"|(-?\\d+))`).exec(expression);
  if (match === null) return undefined;
  return match[3] === undefined ? match[2] : Number(match[3]);
}

/** The `aws_sqs_queue` resource an expression refers to (`aws_sqs_queue.dlq.arn` → `dlq`), if one. */
export function queueReferenceIn(expression: unknown, key?: string): string | undefined {
  if (typeof expression !== 'string') return undefined;
  const scope = key === undefined ? expression : (new RegExp(`\\b${key}\\s*[=:]\\s*([^\\n,}]+)`).exec(expression)?.[1] ?? '');
  return /\baws_sqs_queue\.([A-Za-z0-9_-]+)\b/.exec(scope)?.[1];
}
