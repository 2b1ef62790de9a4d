import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { sweepScenario } from '../../src/sim/sweep.js';
import { burstScenario } from './support.js';

const deadLettered = (commands: { fate: string }[]) => commands.filter((c) => c.fate === 'dead-lettered').length;

describe('the closed form: K simultaneous commands, N deliveries → max(0, K − N) dead-lettered', () => {
  const cases: [number, number][] = [
    [3, 1],
    [3, 2],
    [3, 3],
    [5, 2],
    [5, 7],
    [8, 4],
    [13, 1],
    [13, 5],
    [13, 13],
  ];
  for (const broker of ['rabbitmq', 'sqs'] as const) {
    it.each(cases)(`${broker}: K=%i, N=%i`, async (K, N) => {
      const scenario = burstScenario({ offices: K, maxDeliveries: N, broker });
      for (const seed of [1, 2, 3]) {
        const result = await runScenario(scenario, seed, { timeline: false });
        expect(deadLettered(result.commands)).toBe(Math.max(0, K - N));
        // Exactly one command wins each round: the r-th winner needed r deliveries.
        const acked = result.commands.filter((c) => c.fate === 'acked').map((c) => c.deliveries).sort((a, b) => a - b);
        expect(acked).toEqual(Array.from({ length: Math.min(K, N) }, (_, i) => i + 1));
        expect(result.stuck.length).toBe(Math.max(0, K - N));
      }
    });
  }

  it('a multi-document transaction conflicts the same way (read → delay → conditional write); $inc never does', async () => {
    const K = 6;
    const N = 2;
    const transaction = await runScenario({ ...burstScenario({ offices: K, maxDeliveries: N }), handler: { counter: 'transaction' } }, 1);
    expect(deadLettered(transaction.commands)).toBe(K - N);
    expect(transaction.events.find((e) => e.kind === 'conflict')?.detail).toMatch(/WriteConflict \(112\)/);
    const atomic = await runScenario({ ...burstScenario({ offices: K, maxDeliveries: 1 }), handler: { counter: 'atomic' } }, 1);
    expect(atomic.events.filter((e) => e.kind === 'conflict')).toEqual([]);
    expect(atomic.stuck).toEqual([]);
    expect(atomic.violations).toEqual([]);
  });

  it('jitter lets more than one command win a round, and the sweep reports exactly what the runs do', async () => {
    const K = 8;
    const N = 3;
    const jittery = burstScenario({ offices: K, maxDeliveries: N, jitterMs: 6 });
    const seeds = 60;
    const perRun: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) perRun.push(deadLettered((await runScenario(jittery, seed, { timeline: false })).commands));
    const sweep = await sweepScenario(jittery, { seeds, workers: 0 });
    const histogram: Record<string, number> = {};
    for (const n of perRun) histogram[n] = (histogram[n] ?? 0) + 1;
    expect(sweep.deadLetteredPerRun.histogram).toEqual(histogram);
    // Never worse than the closed form, and better on average: simultaneous reads become rarer.
    expect(Math.max(...perRun)).toBeLessThanOrEqual(K - N);
    expect(sweep.deadLetteredPerRun.mean).toBeLessThan(K - N);
    expect(sweep.stuck.count).toBe(perRun.filter((n) => n > 0).length);
  });
});
