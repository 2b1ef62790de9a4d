import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/esr-sim.js';
import { compareDistributions } from '../../src/live/compare.js';
import { modelOutcomes, RealRunUnsupported, realExitCode, runReal, type RealComparison } from '../../src/live/real.js';
import { loadScenario, withRetryBudget, type Scenario } from '../../src/sim/scenario.js';

/** The Saturday burst alone: one or a few winners, the rest lost, whatever the live timing. */
const saturday = (s: Scenario): Scenario => ({ ...s, commands: s.commands.slice(0, 1), horizon: '2021-08-01T00:00:00Z' });

let dir: string;
let lost: RealComparison;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esr-real-rabbitmq-'));
  lost = await runReal(saturday(await loadScenario('scenarios/2021-burst.yaml')), { runs: 2, modelSeeds: 200 });
}, 60_000);
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('--real on the live RabbitMQ (127.0.0.1:5672)', () => {
  it('reproduces the 2021 loss, and the live distribution lies within the model\'s bounds', () => {
    expect(lost.broker).toBe('rabbitmq');
    for (const run of lost.live) {
      expect(run.totals.conflicts).toBeGreaterThan(0);
      expect(run.totals.lost).toBeGreaterThan(0);
      expect(run.totals.stuck).toBeGreaterThan(0);
      // Every command's fate was read off the broker: acked, or on no queue at all (no DLX: dropped).
      expect(run.fates.acked + run.fates.dropped).toBe(13);
      expect(run.fates['on-broker']).toBe(0);
    }
    expect(lost.comparison.differences).toEqual([]);
    expect(lost.comparison.agree).toBe(true);
    expect(realExitCode(lost)).toBe(1); // records are stuck: the exit contract's 1
  });

  it('the comparison fails, figures side by side, against a model that exports everything', async () => {
    const fixed = saturday(await loadScenario('scenarios/2021-burst-pre-migration.yaml'));
    const wrong = compareDistributions(await modelOutcomes(fixed, 100), lost.runs.map((r) => r.outcome));
    expect(wrong.agree).toBe(false);
    expect(wrong.differences.join('\n')).toMatch(/^files written per office: model 1\.000, live 0\.\d{3}, \|difference\| 0\.\d{3} > bound 0\.\d{3}$/m);
  });

  it('replay --real exits 1 when the live run leaves records stuck', async () => {
    const doc = parseDocument(await readFile('scenarios/2021-burst.yaml', 'utf8'));
    doc.set('commands', doc.createNode([{ at: '2021-07-31T14:00:00Z', offices: 'all' }]));
    doc.set('horizon', '2021-08-01T00:00:00Z');
    const file = join(dir, 'saturday.yaml');
    await writeFile(file, String(doc));
    let out = '';
    const code = await main(['replay', file, '--real', '--runs', '1', '--model-seeds', '50'], { out: (t) => void (out += t), err: (t) => void (out += t) });
    expect(out).toMatch(/files written +\d\.\d{3} ± \d\.\d{3} +\d\.\d{3} ± \d\.\d{3} +\d\.\d{3} +\d\.\d{3} +within/);
    expect(out).toMatch(/\d+ record\(s\) stuck in the live runs\./);
    expect(code).toBe(1);
  }, 60_000);

  it('the pre-migration retry policy (TTL wait queue) resolves the burst on the live broker too (exit 0)', async () => {
    let out = '';
    const code = await main(['replay', 'scenarios/2021-burst-pre-migration.yaml', '--real', '--runs', '1', '--model-seeds', '50', '--json'], {
      out: (t) => void (out += t),
      err: () => undefined,
    });
    const result = JSON.parse(out);
    expect(result.live[0].totals).toMatchObject({ stuck: 0, lost: 0, onBroker: 0 });
    expect(result.live[0].totals.conflicts).toBeGreaterThan(0);
    expect(result.comparison.agree).toBe(true);
    expect(code).toBe(0);
  }, 90_000);

  it('a budget too small dead-letters commands: observed in the live DLQ, within the model\'s bounds', async () => {
    const tight = withRetryBudget(saturday(await loadScenario('scenarios/2021-burst.yaml')), { maxDeliveries: 2, delayMs: 1000 });
    const result = await runReal({ ...tight, consumer: { ...tight.consumer, framework: 'engine' } }, { runs: 2, modelSeeds: 200 });
    for (const run of result.live) {
      expect(run.fates['dead-lettered']).toBeGreaterThan(0);
      expect(run.fates['dead-lettered']).toBe(run.totals.deadLettered);
      expect(run.fates.acked + run.fates['dead-lettered']).toBe(13);
    }
    expect(result.comparison.differences).toEqual([]);
  }, 60_000);

  it('refuses what the live adapters cannot be configured to do (exit 2)', async () => {
    await expect(runReal(await loadScenario('scenarios/mongodb-outage.yaml'))).rejects.toBeInstanceOf(RealRunUnsupported);
    let err = '';
    const code = await main(['replay', 'scenarios/rabbitmq-4-defaults.yaml', '--real'], { out: () => undefined, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --real cannot run rabbitmq-4-defaults: /);
  });
});
