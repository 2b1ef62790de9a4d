/**
 * The bigger live-vs-model comparison the tests keep small: the shipped live scenarios' Saturday
 * burst, 10 live runs each (RabbitMQ, the local SQS endpoint) against 1,000 model seeds, with every
 * measure's means, difference and bound, and the wall time of the whole comparison.
 * `LIVE_BENCH_RUNS` / `LIVE_BENCH_SEEDS` change the sizes.
 */
import { runReal } from '../src/live/real.js';
import { loadScenario, type Scenario } from '../src/sim/scenario.js';
import { round } from './stats.js';

const RUNS = Number(process.env.LIVE_BENCH_RUNS ?? 10);
const SEEDS = Number(process.env.LIVE_BENCH_SEEDS ?? 1_000);
const SCENARIOS = ['2021-burst', '2021-burst-pre-migration', '2021-burst-sqs-no-redrive-spring', '2021-burst-sqs-redrive'];

const saturday = (s: Scenario): Scenario => ({ ...s, faults: undefined, commands: s.commands.slice(0, 1) });

export async function run(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { liveRuns: RUNS, modelSeeds: SEEDS };
  for (const name of SCENARIOS) {
    const scenario = saturday(await loadScenario(`scenarios/${name}.yaml`));
    const started = Date.now();
    const result = await runReal(scenario, { runs: RUNS, modelSeeds: SEEDS });
    results[name] = {
      agree: result.comparison.agree,
      wallMs: Date.now() - started,
      measures: Object.fromEntries(
        result.comparison.metrics.map((m) => [m.metric, { model: round(m.model.mean, 3), live: round(m.live.mean, 3), difference: round(Math.abs(m.difference), 3), bound: round(m.bound, 3) }]),
      ),
    };
  }
  return results;
}
