import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/config/validated-yaml.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';

const files = (await readdir('scenarios')).filter((f) => f.endsWith('.yaml')).sort();

describe('every shipped scenario ends as it says it will', () => {
  it('ships the scenarios the issue asks for', () => {
    for (const name of [
      '2021-burst',
      '2021-burst-pre-migration',
      '2021-burst-sqs-redrive',
      '2021-burst-sqs-no-redrive-spring',
      'rabbitmq-4-defaults',
      'consumer-crash-mid-burst',
      'mongodb-outage',
      'dlq-flood-replay',
    ]) {
      expect(files).toContain(`${name}.yaml`);
    }
  });

  it.each(files)('%s', async (file) => {
    const scenario = await loadScenario(join('scenarios', file));
    expect(`${scenario.name}.yaml`).toBe(file);
    const result = await runScenario(scenario, scenario.seed ?? 1);
    expect(result.expectation.mismatches).toEqual([]);
    // Whatever else happens, a stuck record always says why.
    for (const stuck of result.stuck) expect(stuck.reason).toMatch(/\S/);
  });

  it('the 2021 burst ends with records stuck because commands vanished; the pre-migration policy resolves it', async () => {
    const lost = await runScenario(await loadScenario('scenarios/2021-burst.yaml'), 2021);
    expect(lost.stuck.length).toBeGreaterThan(0);
    expect(lost.stuck.every((s) => s.reason.includes('dropped by the broker, no dead-letter exchange'))).toBe(true);
    expect(lost.violations.some((v) => v.kind === 'command-vanished')).toBe(true);
    const kept = await runScenario(await loadScenario('scenarios/2021-burst-pre-migration.yaml'), 2021);
    expect(kept.stuck).toEqual([]);
    expect(kept.violations).toEqual([]);
    expect(kept.files.filter((f) => f.includes('_20210731_'))).toHaveLength(13);
  });
});

describe('scenario files are validated with file:line errors', () => {
  const dir = mkdtemp(join(tmpdir(), 'esr-sim-scenario-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('names the file, line and what was expected', async () => {
    const good = await readFile('scenarios/explore-3-offices.yaml', 'utf8');
    const file = join(await dir, 'bad.yaml');
    await writeFile(file, good.replace('  counter: optimistic', '  counter: optimistc'));
    const line = good.split('\n').findIndex((l) => l.includes('counter: optimistic')) + 1;
    const error = await loadScenario(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(`${file}:${line}:`);
    expect((error as InputError).message).toMatch(/must be one of .*optimistic/);

    await writeFile(file, good.replace('  perOffice: 2', '  perOffice: 2\n  perOfice: 3'));
    const unknown = (await loadScenario(file).catch((e: unknown) => e)) as InputError;
    expect(unknown.message).toMatch(/unknown key 'perOfice'/);
    expect(unknown.line).toBe(good.split('\n').findIndex((l) => l.includes('perOffice: 2')) + 2);
  });
});
