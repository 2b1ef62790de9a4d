/**
 * `esr-sim calibrate`: run the scenario on the live brokers, measure the timings the model takes as
 * inputs, and say whether the model agrees with the live runs before and after using them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isMap, isNode, isScalar, parseDocument, stringify } from 'yaml';
import type { Scenario, TimingSpec } from '../sim/scenario.js';
import { compareDistributions, renderComparison, type DistributionComparison } from './compare.js';
import { DEFAULT_MODEL_SEEDS, modelOutcomes, runReal, type RealComparison, type RealOptions } from './real.js';
import type { LiveRun } from './run.js';

/** The q-quantile (0..1) of the values, nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const tenth = (x: number) => Math.round(x * 10) / 10;

/** The timing block from what the live runs measured. */
export function timingOf(runs: readonly LiveRun[], source: string): TimingSpec {
  const all = <K extends 'handlerMs' | 'deliveryMs' | 'firstWaveMs' | 'redeliveryMs'>(key: K) => runs.flatMap((r) => r.timings[key]);
  const byOperation: Record<string, number[]> = {};
  for (const run of runs) for (const [op, ms] of Object.entries(run.timings.storeMs)) (byOperation[op] ??= []).push(...ms);
  // The model draws each call as base + uniform [0, jitter], fitted to the lower half: base = 10th
  // percentile, base + jitter/2 = median. The tail above is the event loop stalling every handler
  // at once, which delays them together rather than pulling them apart.
  const storeCalls = Object.values(byOperation).flat();
  const low = quantile(storeCalls, 0.1);
  const delivery = all('deliveryMs');
  const redelivery = all('redeliveryMs');
  const wave = all('firstWaveMs');
  return {
    source,
    runs: runs.length,
    storeLatencyMs: tenth(low),
    storeJitterMs: Math.round(2 * (quantile(storeCalls, 0.5) - low)),
    operationLatencyMs: Object.fromEntries(Object.entries(byOperation).map(([op, ms]) => [op, tenth(quantile(ms, 0.1))])),
    handlerMs: tenth(quantile(all('handlerMs'), 0.5)),
    deliveryLatencyMs: tenth(quantile(delivery, 0.5)),
    // Later deliveries wait for a busy consumer, which the model does itself: only the first wave's spread is the broker's.
    deliverySpreadMs: Math.round(quantile(wave, 0.9)),
    ...(redelivery.length > 0 && { redeliveryLatencyMs: tenth(quantile(redelivery, 0.5)) }),
    inFlight: Math.max(...runs.map((r) => r.timings.maxInFlight)),
  };
}

export interface Calibration {
  scenario: string;
  timing: TimingSpec;
  /** What the scenario has that live runs cannot do, left out of both sides (`faults`, `DLQ replays`). */
  leftOut: string[];
  /** processes × concurrency × prefetch the live consumers were given. */
  configuredInFlight: number;
  /** The live runs against the model as written, then against the model with the timing block. */
  before: DistributionComparison;
  after: DistributionComparison;
  real: RealComparison;
}

export async function calibrate(scenario: Scenario, options: RealOptions & { source: string }): Promise<Calibration> {
  // The live runs use the scenario as written; an earlier timing block only changes the model.
  // Faults and DLQ replays are the model's own: timings are measured without them, on both sides.
  const written: Scenario = { ...scenario, timing: undefined, faults: undefined, replays: undefined };
  const leftOut = [scenario.faults && Object.keys(scenario.faults).length > 0 ? 'faults' : null, scenario.replays?.length ? 'DLQ replays' : null].filter((x) => x !== null);
  const real = await runReal(written, options);
  const timing = timingOf(real.runs, options.source);
  const live = real.runs.map((r) => r.outcome);
  const after = compareDistributions(await modelOutcomes({ ...written, timing }, options.modelSeeds ?? DEFAULT_MODEL_SEEDS), live);
  return { scenario: scenario.name, timing, leftOut, configuredInFlight: real.runs[0]!.timings.configuredInFlight, before: real.comparison, after, real };
}

export function renderCalibration(c: Calibration): string {
  const t = c.timing;
  const calls = c.real.runs.flatMap((r) => Object.values(r.timings.storeMs).flat());
  const lines = [
    `${c.scenario}: ${t.runs} live run(s) on ${c.real.broker} (store: ${c.real.store === 'mongodb' ? 'MongoDB' : 'the store model in real time'}), delays compressed ${c.real.compression}×`,
    `  store call: 10th percentile ${t.storeLatencyMs} ms, median ${tenth(quantile(calls, 0.5))} ms, 90th ${tenth(quantile(calls, 0.9))} ms; handler outside the store: median ${t.handlerMs} ms`,
    `  publish → first delivery: median ${t.deliveryLatencyMs} ms; a burst's first wave spread over ${t.deliverySpreadMs} ms (90th percentile after its first delivery)` +
      (t.redeliveryLatencyMs !== undefined ? `; redelivery beyond the configured delay: median ${t.redeliveryLatencyMs} ms` : ''),
    `  deliveries in flight at once: at most ${t.inFlight} (consumers × prefetch configured: ${c.configuredInFlight})`,
    ...(c.leftOut.length > 0 ? [`  left out of the live runs and of the model compared with them (the model's own): ${c.leftOut.join(', ')}`] : []),
    'Against the model as written:',
    ...renderComparison(c.before),
    'Against the model with the measured timing:',
    ...renderComparison(c.after),
    '',
  ];
  return lines.join('\n');
}

/** The timing block as YAML. */
export function timingYaml(timing: TimingSpec): string {
  return stringify({ timing }, { lineWidth: 0 });
}

/**
 * Writes (or replaces) the scenario file's top-level `timing:` block as text; every other line of
 * the file, comments and layout included, stays as it was.
 */
export async function writeTiming(file: string, timing: TimingSpec): Promise<void> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  const pair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'timing') : undefined;
  const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  const end = isNode(pair?.value) ? pair.value.range?.[2] : undefined;
  const block = timingYaml(timing);
  const updated =
    start !== undefined && end !== undefined
      ? `${text.slice(0, start)}${block}${text.slice(end).replace(/^\n+/, '')}`
      : `${text.replace(/\n*$/, '\n')}${block}`;
  await writeFile(file, updated);
}
