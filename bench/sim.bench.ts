import { exploreScenario } from '../src/sim/explore.js';
import { loadScenario } from '../src/sim/scenario.js';
import { sweepScenario } from '../src/sim/sweep.js';

const SWEEP_SEEDS = 10_000;
const SWEEP_TARGET_MS = 30_000;

/** The simulator's performance targets: a 10,000-seed sweep of the 2021 burst, and explore of 3 offices. */
export async function run(): Promise<Record<string, unknown>> {
  const burst = await loadScenario('scenarios/2021-burst.yaml');
  const sweep = await sweepScenario(burst, { seeds: SWEEP_SEEDS, workers: 2, wallClock: () => performance.now() });
  const perf = sweep.performance!;
  const explore = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'), { wallClock: () => performance.now() });
  return {
    sweep2021: {
      seeds: SWEEP_SEEDS,
      wallMs: perf.wallMs,
      seedsPerSecond: perf.seedsPerSecond,
      virtualToWall: perf.virtualToWall,
      workers: perf.workers,
      targetMs: SWEEP_TARGET_MS,
      withinTarget: perf.wallMs < SWEEP_TARGET_MS,
      pStuck: Number(sweep.stuck.estimate.toFixed(4)),
    },
    explore3Offices: {
      verdict: explore.verdict,
      interleavings: explore.interleavings,
      states: explore.states,
      wallMs: explore.wallMs,
    },
  };
}
