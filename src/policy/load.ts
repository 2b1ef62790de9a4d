import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readInputFile } from '../config/input-file.js';
import { InputError } from '../config/validated-yaml.js';
import { parseYamlWithLines } from './parse-yaml.js';
import { environmentSchema, policySchema } from './schema.js';
import { checkInfo } from '../evaluate/checks/registry.js';
import { CHECK_NAMES, type CheckName, type Environment, type EnvironmentDocument, type Policy, type PolicyDocument, type QueueSelector } from './types.js';

const YAML_FILE = /\.ya?ml$/;

/** A regular file under the size cap (a FIFO or a 150 MB file is refused, never read). */
const readText = (file: string): Promise<string> => readInputFile(file);

/** Parses and validates one policy, then the rules a JSON Schema cannot say. */
export function parsePolicy(text: string, file: string): Policy {
  const { data: document, lines } = parseYamlWithLines<PolicyDocument>(text, file, policySchema());
  const checkLines: Policy['checkLines'] = {};
  for (const check of CHECK_NAMES) {
    const line = lines.lineOf(['checks', check]);
    if (line !== undefined) checkLines[check] = line;
  }
  const budget = document.checks.retryBudget;
  if (budget && budget.minDeliveries > budget.maxDeliveries) {
    throw new InputError(file, checkLines.retryBudget ?? null, null, `checks.retryBudget: minDeliveries (${budget.minDeliveries}) must not exceed maxDeliveries (${budget.maxDeliveries})`);
  }
  const entries = Array.isArray(document.appliesTo) ? document.appliesTo : [document.appliesTo];
  const lineOfEntry = (index: number): number => (Array.isArray(document.appliesTo) ? lines.lineOf(['appliesTo', index]) : lines.lineOf(['appliesTo'])) ?? 1;
  const logical: { name: string; line: number }[] = [];
  const selectors: Policy['selectors'] = [];
  entries.forEach((entry, index) => {
    if (typeof entry === 'string') logical.push({ name: entry, line: lineOfEntry(index) });
    else selectors.push({ selector: checkedSelector(entry, file, lineOfEntry(index)), line: lineOfEntry(index) });
  });
  const appliesTo = logical.map((entry) => entry.name);
  const waivers = document.waivers ?? [];
  const waiverLines = waivers.map((_, index) => lines.lineOf(['waivers', index]) ?? 1);
  waivers.forEach((waiver, index) => {
    const where = `waivers[${index}]`;
    // a selector matches real queues: a waiver may name one of them, known only once the sources are read
    if (selectors.length === 0 && !appliesTo.includes(waiver.queue)) {
      throw new InputError(file, waiverLines[index] ?? null, null, `${where}: queue '${waiver.queue}' is not in appliesTo (${appliesTo.join(', ')})`);
    }
    if (!waivedChecks(waiver.check).some((name) => document.checks[name])) {
      throw new InputError(file, waiverLines[index] ?? null, null, `${where}: check '${waiver.check}' is not one of this policy's checks`);
    }
  });
  const provenByLine = lines.lineOf(['provenBy']);
  return {
    ...document,
    appliesTo,
    selectors,
    file,
    checkLines,
    appliesToLines: logical.map((entry) => entry.line),
    waiverLines,
    ...(provenByLine === undefined ? {} : { provenByLine }),
  };
}

/** The policy check keys a waiver's `check` stands for: itself, or the key that yields that id. */
function waivedChecks(check: string): CheckName[] {
  const info = checkInfo(check);
  if (info !== undefined) return info.policyCheck === undefined ? [] : [info.policyCheck];
  return (CHECK_NAMES as readonly string[]).includes(check) ? [check as CheckName] : [];
}

/** A selector's pattern must compile (the schema cannot say so). */
function checkedSelector(selector: QueueSelector, file: string, line: number): QueueSelector {
  if (selector.pattern !== undefined) {
    try {
      new RegExp(selector.pattern);
    } catch (error) {
      throw new InputError(file, line, null, `appliesTo: pattern '${selector.pattern}' is not a valid regular expression (${(error as Error).message})`);
    }
  }
  return selector;
}

/** Every `*.yaml`/`*.yml` directly in `dir` (not `environments/`), sorted by file name; names must be unique. */
export async function loadPolicies(dir: string): Promise<Policy[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new InputError(dir, null, null, 'policies directory not found or unreadable', { cause: error });
  }
  const files = entries.filter((entry) => YAML_FILE.test(entry)).sort();
  if (files.length === 0) throw new InputError(dir, null, null, 'no policy files (*.yaml) in the policies directory');
  const policies: Policy[] = [];
  for (const entry of files) {
    const file = join(dir, entry);
    const policy = parsePolicy(await readText(file), file);
    const clash = policies.find((other) => other.name === policy.name);
    if (clash) throw new InputError(file, 1, 1, `policy name '${policy.name}' is already used by ${clash.file}`);
    policies.push(policy);
  }
  return policies;
}

export function parseEnvironment(text: string, file: string): Environment {
  const { data: document, lines } = parseYamlWithLines<EnvironmentDocument>(text, file, environmentSchema());
  if (document.rabbitmq && document.sqs) {
    throw new InputError(file, lines.lineOf(['sqs']) ?? null, null, 'an environment has one broker: give either rabbitmq or sqs, not both');
  }
  const expectedName = basename(file).replace(YAML_FILE, '');
  if (document.name !== expectedName) {
    throw new InputError(file, lines.lineOf(['name']) ?? null, null, `name '${document.name}' must match the file name '${expectedName}'`);
  }
  const queueLines: Record<string, number> = {};
  for (const logical of Object.keys(document.queues)) queueLines[logical] = lines.lineOf(['queues', logical]) ?? 1;
  const credentialsLine = lines.lineOf(['rabbitmq', 'credentials']) ?? lines.lineOf(['sqs', 'credentials']);
  return { ...document, file, queueLines, ...(credentialsLine === undefined ? {} : { credentialsLine }) };
}

/** `policies/environments/<name>.yaml`; an unknown name is bad input that lists the known ones. */
export async function loadEnvironment(policiesDir: string, name: string): Promise<Environment> {
  const dir = join(policiesDir, 'environments');
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((entry) => YAML_FILE.test(entry)).sort();
  const entry = entries.find((candidate) => candidate.replace(YAML_FILE, '') === name);
  if (!entry) {
    const known = entries.map((candidate) => candidate.replace(YAML_FILE, '')).join(', ') || 'none';
    throw new InputError(join(dir, `${name}.yaml`), null, null, `unknown environment '${name}' (known: ${known})`);
  }
  const file = join(dir, entry);
  return parseEnvironment(await readText(file), file);
}

/** Paths inside an environment file are relative to that file. */
export function resolveFromEnvironment(environment: Environment, path: string): string {
  return resolve(dirname(environment.file), path);
}
