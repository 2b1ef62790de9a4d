/**
 * Property tests (fast-check) for the two inputs anyone can hand the toolkit: YAML documents
 * (scenarios, environments, policies) and export-command bodies. Whatever is generated, a parser
 * returns or throws an `InputError` naming the file in one line; the handler returns an outcome and
 * never throws. Prints how many generated cases ran.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../../src/config/validated-yaml.js';
import { fixedClock } from '../../src/engine/clock.js';
import { handleCommand } from '../../src/engine/handle-command.js';
import { MemoryOutbox } from '../../src/engine/outboxes/memory.js';
import { parseEnvironment, parsePolicy } from '../../src/policy/load.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { MemoryStore } from '../../src/store/memory.js';

const RUNS = 300;
const counts = new Map<string, number>();
const counted = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

afterAll(() => {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`property suite: ${total} generated case(s) ran (${[...counts].map(([name, n]) => `${name} ${n}`).join(', ')})\n`);
});

const shipped = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const VALID = {
  scenario: shipped('scenarios/2021-saturday-burst.yaml'),
  environment: shipped('policies/environments/local.yaml'),
  policy: shipped('policies/esr-export-commands.yaml'),
};

/** A valid document with a slice replaced by random text (control characters, quotes, brackets, aliases included). */
function mangled(text: string) {
  const noise = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('[', '{', ']', '}', ':', '- ', '&a', '*a', '!!binary', '"', "'", '\t', '\u0000', '\u001b[2J', '\n  ', '<<: *a', '%YAML 1.1\n', '---\n', '...\n'));
  return fc.tuple(fc.nat(text.length), fc.nat(40), noise).map(([at, cut, insert]) => `${text.slice(0, at)}${insert}${text.slice(at + cut)}`);
}

/** YAML text: arbitrary JSON values serialised, valid documents mangled, and raw strings. */
function yamlTexts(valid: string) {
  return fc.oneof(fc.jsonValue().map((value) => stringify(value)), mangled(valid), fc.string({ unit: 'binary', maxLength: 200 }));
}

function expectReturnsOrInputError(parse: () => unknown, file: string): void {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message.startsWith(`${file}`)).toBe(true);
    expect(message).not.toContain('\n');
    expect((error as InputError).exitCode).toBe(2);
  }
}

describe('property suite: YAML documents', () => {
  it.each([
    ['scenario', 'hostile.yaml', (text: string) => parseScenario(text, 'hostile.yaml'), VALID.scenario],
    ['environment', 'local.yaml', (text: string) => parseEnvironment(text, 'local.yaml'), VALID.environment],
    ['policy', 'p.yaml', (text: string) => parsePolicy(text, 'p.yaml'), VALID.policy],
  ] as const)('%s: any text parses or is an InputError naming %s in one line', (kind, file, parse, valid) => {
    fc.assert(
      fc.property(yamlTexts(valid), (text) => {
        counted(`${kind} YAML`);
        expectReturnsOrInputError(() => parse(text), file);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('property suite: export-command bodies', () => {
  const deps = () => ({ store: new MemoryStore(), outbox: new MemoryOutbox(), clock: fixedClock(0), counterStrategy: 'atomic' as const });
  const field = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constantFrom('APP', 'DNC', 'SEV', 'EMD', '2021-07-31', '2021-02-30', '', '__proto__'));
  const nearlyValid = fc
    .record({ commandId: field, type: field, localOffice: field, runDate: field, correlationId: field, extra: field }, { requiredKeys: [] })
    .map((command) => JSON.stringify(command));
  const bodies = fc.oneof(fc.jsonValue().map((value) => JSON.stringify(value)), nearlyValid, fc.string({ unit: 'binary', maxLength: 300 }));

  it('any body gets an outcome, never an exception; what is refused is invalid with a one-line reason', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        counted('command body');
        const context = deps();
        const outcome = await handleCommand(context, body);
        // The store is empty: nothing can be exported; a valid command finds nothing to export.
        expect(['invalid', 'nothing-to-export']).toContain(outcome.kind);
        if (outcome.kind === 'invalid') expect(outcome.reason).not.toMatch(/[\n\r]/);
        expect(context.outbox.files.size).toBe(0);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
