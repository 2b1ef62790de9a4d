import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/config/validated-yaml.js';
import { loadEnvironment, loadPolicies, parseEnvironment, parsePolicy } from '../../src/policy/load.js';

const FILE = 'policies/p.yaml';
const valid = `name: p
appliesTo: [export-commands]
checks:
  retryBudget: { minDeliveries: 13, maxDeliveries: 100, severity: error }
  retryDelay: { minSeconds: 1, severity: warning }
waivers:
  - { queue: export-commands, check: retryDelay, reason: "wait queue arrives in sprint 12", expires: 2027-03-31 }
`;

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('policies: validated against schemas/policy.schema.json, every error at file:line:col', () => {
  it('parses a valid policy with the lines of its checks and waivers', () => {
    const policy = parsePolicy(valid, FILE);
    expect(policy.checkLines).toEqual({ retryBudget: 4, retryDelay: 5 });
    expect(policy.waiverLines).toEqual([7]);
    expect(policy.appliesToLines).toEqual([2]);
    expect(policy.waivers?.[0]?.expires).toBe('2027-03-31');
  });

  it.each([
    ['malformed YAML', 'name: p\nchecks: [unclosed\n', /^policies\/p\.yaml:\d+:\d+: invalid YAML/],
    ['an unknown key is an error, not ignored', valid.replace('minSeconds: 1', 'minSeconds: 1, jitter: true'), /^policies\/p\.yaml:5:\d+: unknown key 'jitter' in checks\.retryDelay/],
    ['a misspelt check', valid.replace('retryDelay:', 'retryDelays:'), /^policies\/p\.yaml:5:\d+: unknown key 'retryDelays'/],
    ['a wrong type', valid.replace('minDeliveries: 13', 'minDeliveries: many'), /^policies\/p\.yaml:4:\d+: checks\.retryBudget\.minDeliveries must be integer/],
    ['a missing severity', valid.replace(', severity: warning', ''), /^policies\/p\.yaml:5:\d+: checks\.retryDelay is missing required key 'severity'/],
    ['a bad severity', valid.replace('severity: warning', 'severity: fatal'), /^policies\/p\.yaml:5:\d+: checks\.retryDelay\.severity must be one of "error", "warning", "note"/],
    ['min above max', valid.replace('minDeliveries: 13', 'minDeliveries: 200'), /^policies\/p\.yaml:4: checks\.retryBudget: minDeliveries \(200\) must not exceed maxDeliveries/],
    ['a waiver without a reason', valid.replace('reason: "wait queue arrives in sprint 12", ', ''), /^policies\/p\.yaml:7:\d+: waivers\.0 is missing required key 'reason'/],
    ['a waiver with an impossible date', valid.replace('2027-03-31', '2027-02-30'), /^policies\/p\.yaml:7:\d+: waivers\.0\.expires must match format "date"/],
    ['a waiver for a queue the policy does not cover', valid.replace('queue: export-commands', 'queue: other'), /^policies\/p\.yaml:7: waivers\[0\]: queue 'other' is not in appliesTo/],
    ['a waiver for a check the policy does not have', valid.replace('check: retryDelay', 'check: deadLetter'), /^policies\/p\.yaml:7: waivers\[0\]: check 'deadLetter'/],
    ['an empty document', '', /^policies\/p\.yaml:1:1: the document must be object/],
  ])('%s', (_name, text, message) => {
    const error = inputError(() => parsePolicy(text, FILE));
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
  });
});

describe('environments', () => {
  const env = `name: aws
rabbitmq:
  managementUrl: https://example.mq.eu-west-2.amazonaws.com
  vhost: /
  credentials: { usernameEnv: ESR_AMQ_USERNAME, passwordEnv: ESR_AMQ_PASSWORD }
queues:
  export-commands: { name: esr.queue.appfilegenerationcommand }
`;
  it('parses bindings with their lines', () => {
    expect(parseEnvironment(env, 'policies/environments/aws.yaml').queueLines).toEqual({ 'export-commands': 7 });
  });

  it.each([
    ['a password written in the file', env.replace('vhost: /', 'vhost: /\n  password: guest'), /unknown key 'password' in rabbitmq/],
    ['credentials by a name that is not an env var', env.replace('ESR_AMQ_PASSWORD', 'hunter2'), /rabbitmq\.credentials\.passwordEnv must match pattern/],
    ['both brokers', `${env}sqs: { region: eu-west-2 }\n`, /^policies\/environments\/aws\.yaml:8: an environment has one broker/],
    ['a name that differs from the file', env.replace('name: aws', 'name: prod'), /name 'prod' must match the file name 'aws'/],
    // duplicate keys are found in one pass per map, not by comparing every pair: the line and column of the repeat
    [
      'a logical name bound twice among 1,000',
      `${env}${Array.from({ length: 1000 }, (_, i) => `  q${i}: { name: q${i} }\n`).join('')}  q500: { name: again }\n`,
      /^policies\/environments\/aws\.yaml:1008:3: invalid YAML: Map keys must be unique$/,
    ],
    ['a key repeated inside a flow map', env.replace('{ name: esr.queue.appfilegenerationcommand }', '{ name: a, url: b, name: c }'), /^policies\/environments\/aws\.yaml:7:39: invalid YAML: Map keys must be unique$/],
  ])('%s', (_name, text, message) => {
    expect(inputError(() => parseEnvironment(text, 'policies/environments/aws.yaml')).message).toMatch(message);
  });
});

describe('loading directories', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('an unknown environment lists the known ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policies-'));
    dirs.push(dir);
    await mkdir(join(dir, 'environments'));
    await writeFile(join(dir, 'environments', 'local.yaml'), 'name: local\nfiles: [x.json]\nqueues: { q: { name: q } }\n');
    await expect(loadEnvironment(dir, 'prod')).rejects.toThrow(/unknown environment 'prod' \(known: local\)/);
    await expect(loadEnvironment(dir, 'local')).resolves.toMatchObject({ name: 'local' });
  });

  it('two policies may not share a name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policies-'));
    dirs.push(dir);
    await writeFile(join(dir, 'a.yaml'), valid);
    await writeFile(join(dir, 'b.yaml'), valid);
    await expect(loadPolicies(dir)).rejects.toThrow(/b\.yaml:1:1: policy name 'p' is already used/);
  });

  it('the shipped policies and environments are valid and bind every logical queue', async () => {
    const policies = await loadPolicies('policies');
    expect(policies.map((policy) => policy.name)).toEqual(['esr-apprecord-queue', 'esr-export-commands']);
    expect(policies.find((policy) => policy.name === 'esr-export-commands')?.checks.retryBudget?.minDeliveries).toBe(13);
    for (const name of ['local', 'aws', 'legacy', 'aws-sqs']) {
      const environment = await loadEnvironment('policies', name);
      for (const policy of policies) for (const logical of policy.appliesTo) expect(environment.queues[logical], `${name} binds ${logical}`).toBeDefined();
    }
  });
});

describe('the shipped JSON Schemas', () => {
  // the YAML loader compiles them without validating them against the meta-schema (cold start): that is done here
  it('are each valid against the JSON Schema meta-schema, in strict mode', async () => {
    const names = (await readdir('schemas')).filter((name) => name.endsWith('.schema.json'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
      addFormats.default(ajv);
      const schema = JSON.parse(await readFile(join('schemas', name), 'utf8')) as object;
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`).toBe(true);
      expect(() => ajv.compile(schema), name).not.toThrow();
    }
  });
});

describe('appliesTo selectors and visibilityTimeout.minSeconds', () => {
  const base = 'name: p\nchecks:\n  visibilityTimeout: { minSeconds: 60, severity: error }\n';
  it('a lone selector, a mixed list, and their lines', () => {
    const lone = parsePolicy(`${base}appliesTo: { pattern: '^esr\\.', role: work }\n`, 'policies/p.yaml');
    expect(lone).toMatchObject({ appliesTo: [], selectors: [{ selector: { pattern: '^esr\\.', role: 'work' }, line: 4 }] });
    const mixed = parsePolicy(`${base}appliesTo:\n  - export-commands\n  - { pattern: '^esr\\.', vhost: prod }\n`, 'policies/p.yaml');
    expect(mixed).toMatchObject({ appliesTo: ['export-commands'], appliesToLines: [5], selectors: [{ selector: { vhost: 'prod' }, line: 6 }] });
    expect(mixed.checks.visibilityTimeout).toEqual({ minSeconds: 60, severity: 'error' });
  });

  it.each([
    ['a pattern that does not compile', `${base}appliesTo: { pattern: '(' }\n`, /^policies\/p\.yaml:4: appliesTo: pattern '\(' is not a valid regular expression/],
    ['an unknown role', `${base}appliesTo: { role: primary }\n`, /^policies\/p\.yaml:4:\d+: /],
    ['visibilityTimeout with neither form', 'name: p\nappliesTo: [q]\nchecks:\n  visibilityTimeout: { severity: error }\n', /^policies\/p\.yaml:4:\d+: /],
  ])('%s is bad input at its line', (_name, text, message) => {
    expect(() => parsePolicy(text, 'policies/p.yaml')).toThrow(message);
  });
});
