import fc from 'fast-check';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/policy-check.js';
import { InputError } from '../../src/config/validated-yaml.js';
import { parseEnvironment, parsePolicy } from '../../src/policy/load.js';
import { capture, makeWorkspace } from './workspace.js';

const VALID_POLICY = `name: p
appliesTo: [export-commands]
checks:
  retryBudget: { minDeliveries: 13, maxDeliveries: 100, severity: error }
waivers:
  - { queue: export-commands, check: retryBudget, reason: "ten chars or more", expires: 2027-03-31 }
`;

/** Random YAML: arbitrary values serialised, policy-shaped objects with random leaves, and mangled text. */
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
const policyShaped = fc.record(
  {
    name: leaf,
    appliesTo: fc.oneof(fc.array(leaf), leaf),
    provenBy: leaf,
    checks: fc.dictionary(fc.constantFrom('retryBudget', 'retryDelay', 'deadLetter', 'visibilityTimeout', 'consumerRetry', 'other'), fc.dictionary(fc.constantFrom('minDeliveries', 'maxDeliveries', 'minSeconds', 'severity', 'required', 'x'), leaf)),
    waivers: fc.array(fc.dictionary(fc.constantFrom('queue', 'check', 'reason', 'expires', 'env', 'y'), leaf)),
  },
  { requiredKeys: [] },
);
const mangled = fc
  .tuple(fc.nat({ max: VALID_POLICY.length }), fc.nat({ max: 20 }), fc.string({ unit: fc.constantFrom(':', '-', ' ', '\n', '{', '[', '"', "'", '&', '*', '!', '#', '|', '>', '\t', 'a', '1') }))
  .map(([at, cut, insert]) => VALID_POLICY.slice(0, at) + insert + VALID_POLICY.slice(at + cut));
const randomYaml = fc.oneof(fc.anything().map((value) => String(stringify(value) ?? "")), policyShaped.map((value) => stringify(value)), mangled, fc.string());

function expectCleanOutcome(run: () => unknown, file: string): void {
  try {
    run();
  } catch (error) {
    // Bad input, never a crash: an InputError whose one-line message starts with file[:line[:col]].
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message.startsWith(file)).toBe(true);
    expect(message).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}(:\\d+(:\\d+)?)?: \\S`));
    expect(message).not.toContain('\n    at ');
  }
}

describe('random YAML never crashes the loader (property)', () => {
  it('policies: valid or an InputError naming the file and line', () => {
    fc.assert(fc.property(randomYaml, (text) => expectCleanOutcome(() => parsePolicy(text, 'policies/random.yaml'), 'policies/random.yaml')), { numRuns: 1500, seed: 2021 });
  });

  it('environments: valid or an InputError naming the file and line', () => {
    fc.assert(fc.property(randomYaml, (text) => expectCleanOutcome(() => parseEnvironment(text, 'policies/environments/random.yaml'), 'policies/environments/random.yaml')), { numRuns: 800, seed: 2021 });
  });
});

describe('random YAML through the whole command (property)', () => {
  let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
  beforeAll(async () => {
    workspace = await makeWorkspace();
  });
  afterAll(async () => workspace.cleanup());

  it('a random policy or environment file gives exit 0, 1 or 2 and never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(randomYaml, fc.boolean(), async (text, asEnvironment) => {
        const file = asEnvironment ? join(workspace.policies, 'environments', 'random.yaml') : join(workspace.policies, 'zz-random.yaml');
        await writeFile(file, text);
        try {
          const captured = capture();
          const code = await main(['--policies', workspace.policies, '--env', asEnvironment ? 'random' : 'before'], captured.io);
          expect([0, 1, 2]).toContain(code);
          expect(captured.stderr()).not.toMatch(/\n\s+at |unexpected error/);
          if (code === 2) expect(captured.stderr()).toMatch(/^policy-check: \S.*\n$/);
        } finally {
          await rm(file, { force: true });
        }
      }),
      { numRuns: 150, seed: 2021 },
    );
  });
});
