import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { sweepScenario } from '../../src/sim/sweep.js';
import { renderReplay } from '../../src/sim/timeline-text.js';

describe('determinism: same scenario + seed ⇒ byte-identical timeline', () => {
  it('replays the 2021 burst identically, and another seed differently', async () => {
    const scenario = await loadScenario('scenarios/2021-burst.yaml');
    const first = await runScenario(scenario, 42);
    const second = await runScenario(scenario, 42);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(renderReplay(second)).toBe(renderReplay(first));
    const other = await runScenario(scenario, 43);
    expect(JSON.stringify(other.events)).not.toBe(JSON.stringify(first.events));
  });

  it('is identical with faults on (crash, lost consumer, duplicates, outage)', async () => {
    for (const file of ['scenarios/consumer-crash-mid-burst.yaml', 'scenarios/2021-burst-sqs-redrive.yaml', 'scenarios/mongodb-outage.yaml']) {
      const scenario = await loadScenario(file);
      const a = await runScenario(scenario, 7);
      const b = await runScenario(scenario, 7);
      expect(JSON.stringify(b), file).toBe(JSON.stringify(a));
    }
  });

  it('gives the same per-seed results in worker threads as in this thread', async () => {
    const scenario = await loadScenario('scenarios/2021-burst.yaml');
    const inThreads = await sweepScenario(scenario, { seeds: 40, workers: 2 });
    const inProcess = await sweepScenario(scenario, { seeds: 40, workers: 0 });
    expect(inThreads.failingSeeds).toEqual(inProcess.failingSeeds);
    expect(inThreads.deliveriesPerCommand).toEqual(inProcess.deliveriesPerCommand);
    expect(inThreads.stuckPerRun).toEqual(inProcess.stuckPerRun);
  });
});
