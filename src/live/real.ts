/**
 * `--real`: the scenario on the live broker (RabbitMQ, or SQS through the local endpoint) with the
 * engine's handler, delays compressed, N times; the model over M seeds; the two compared as
 * distributions (`compare.ts`).
 */
import { systemClock } from '../engine/clock.js';
import { runScenario } from '../sim/run.js';
import type { Scenario } from '../sim/scenario.js';
import { seedsFor } from '../sim/seeds.js';
import type { Store } from '../store/store.js';
import { compareDistributions, modelOutcome, renderComparison, totalsOf, type DistributionComparison, type Metric, type RunOutcome } from './compare.js';
import { runLive, type LiveRun, type ObservedFate } from './run.js';
import { DEFAULT_COMPRESSION, realSettingsOf } from './settings.js';

export { DEFAULT_COMPRESSION, RealRunUnsupported, realSettingsOf } from './settings.js';

export const DEFAULT_LIVE_RUNS = 3;
export const DEFAULT_MODEL_SEEDS = 200;

export interface RealOptions {
  /** The first live run's seed (the store model's jitter); the model runs on its own seeds. */
  seed?: number;
  /** Live runs (N). */
  runs?: number;
  /** Model seeds (M). */
  modelSeeds?: number;
  compression?: number;
  amqpUrl?: string;
  mongodbUri?: string;
  /** Called with the live store of the first run once it has settled, before it is dropped. */
  inspect?: (store: Store) => Promise<void>;
}

export interface RealComparison {
  scenario: string;
  broker: 'rabbitmq' | 'sqs';
  /** `mongodb` when a server was given, else the store model in real time. */
  store: 'mongodb' | 'model';
  compression: number;
  /** Totals of each live run, and how its commands ended (read off the broker). */
  live: { totals: Record<Metric, number>; fates: Record<ObservedFate, number>; otherViolations: number }[];
  comparison: DistributionComparison;
  /** Records stuck in any live run: the exit contract's 1. */
  liveStuck: number;
  wallMs: number;
  /** The live runs themselves (with the measured timings), for `calibrate`; not printed. */
  runs: LiveRun[];
}

export async function runReal(scenario: Scenario, options: RealOptions = {}): Promise<RealComparison> {
  const started = systemClock.now();
  const compression = options.compression ?? DEFAULT_COMPRESSION;
  const settings = realSettingsOf(scenario, compression);
  const seed = options.seed ?? scenario.seed ?? 1;
  const runs: LiveRun[] = [];
  for (let i = 0; i < (options.runs ?? DEFAULT_LIVE_RUNS); i++) {
    runs.push(
      await runLive(scenario, settings, {
        seed: seed + i,
        amqpUrl: options.amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672',
        mongodbUri: options.mongodbUri,
        inspect: i === 0 ? options.inspect : undefined,
      }),
    );
  }
  const model = await modelOutcomes(scenario, options.modelSeeds ?? DEFAULT_MODEL_SEEDS);
  const comparison = compareDistributions(model, runs.map((r) => r.outcome));
  return {
    scenario: scenario.name,
    broker: scenario.broker.kind,
    store: runs[0]?.store ?? 'model',
    compression,
    live: runs.map((r) => ({ totals: totalsOf(r.outcome), fates: r.fates, otherViolations: r.outcome.otherViolations })),
    comparison,
    liveStuck: runs.reduce((sum, r) => sum + totalsOf(r.outcome).stuck, 0),
    wallMs: Math.round(systemClock.now() - started),
    runs,
  };
}

/** The model over `count` seeds of the search range. */
export async function modelOutcomes(scenario: Scenario, count: number): Promise<RunOutcome[]> {
  const { first } = seedsFor('search', count);
  const outcomes: RunOutcome[] = [];
  for (let seed = first; seed < first + count; seed++) outcomes.push(modelOutcome(await runScenario(scenario, seed, { timeline: false })));
  return outcomes;
}

/** 0 when the live runs match the model and nothing is stuck; 1 when records are stuck or the comparison fails. */
export function realExitCode(result: RealComparison): number {
  return result.liveStuck > 0 || !result.comparison.agree ? 1 : 0;
}

export function renderReal(result: RealComparison): string {
  const fates = (f: Record<ObservedFate, number>) =>
    (Object.entries(f) as [ObservedFate, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  return [
    `${result.scenario} on the live ${result.broker} broker (store: ${result.store === 'mongodb' ? 'MongoDB' : 'the store model'}), delays compressed ${result.compression}×, ${result.live.length} live run(s), ${result.wallMs} ms`,
    ...result.live.map((r, i) => `  live run ${i + 1}: ${r.totals.files} files, ${r.totals.stuck} stuck, ${r.totals.conflicts} conflicts; commands: ${fates(r.fates)}`),
    ...renderComparison(result.comparison),
    result.liveStuck > 0 ? `${result.liveStuck} record(s) stuck in the live runs.` : 'No record stuck in the live runs.',
    '',
  ].join('\n');
}

/** What `--json` prints: everything but the raw timings. */
export function realJson(result: RealComparison): object {
  return { ...result, runs: undefined };
}
