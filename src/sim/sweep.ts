import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { replayCommand, runScenario, withoutStackTraces } from './run.js';
import { scenarioWarnings, type Scenario } from './scenario-model.js';
import type { ViolationKind } from './result.js';
import { describeBound, failureBound, type FailureBound } from './bound.js';
import { distribution, summariseRun, wilson, type Distribution, type Proportion, type SeedSummary } from './sweep-summary.js';

/** Failing seeds the text report lists; the rest are counted ("and N more") and all are in --json. */
export const MAX_FAILING_SHOWN = 20;

export interface SweepOptions {
  seeds: number;
  /** First seed (default 1): seeds are firstSeed … firstSeed + seeds − 1. */
  firstSeed?: number;
  /** Worker threads (default: 2 cores' worth for big sweeps, none for small ones). */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stop handing out seeds once more runs than this have failed (the verdict is settled); the result counts the seeds run. */
  maxFailures?: number;
  /** A wall clock in ms (the CLI's `performance.now`): with it the result reports seeds per second. src/sim reads no real time. */
  wallClock?: () => number;
}

export interface SweepResult {
  scenario: string;
  seeds: { first: number; count: number };
  /** Any stuck record or invariant violation. */
  failing: Proportion;
  /** The exact one-sided 95 % upper bound of P(run fails). */
  bound: FailureBound;
  stuck: Proportion;
  violations: Partial<Record<ViolationKind, number>>;
  /** Deliveries per command, over every run. */
  deliveriesPerCommand: Distribution;
  /** Handler attempts per command (more than deliveries with a Spring listener retry). */
  attemptsPerCommand: Distribution;
  /** Commands dead-lettered per run. */
  deadLetteredPerRun: Distribution;
  /** Stuck records per run. */
  stuckPerRun: Distribution;
  failingSeeds: { seed: number; stuck: number; violations: ViolationKind[]; firstViolation: SeedSummary['firstViolation']; replay: string }[];
  warnings: string[];
  /** Null without a wall clock. */
  performance: { wallMs: number; seedsPerSecond: number; virtualToWall: number; workers: number } | null;
}

const CHUNK = 50;
/** Below this, starting threads costs more than it saves. */
const MIN_SEEDS_FOR_WORKERS = 400;

export async function sweepScenario(scenario: Scenario, options: SweepOptions): Promise<SweepResult> {
  const first = options.firstSeed ?? 1;
  const seeds = Array.from({ length: options.seeds }, (_, i) => first + i);
  const workers = options.workers ?? (seeds.length >= MIN_SEEDS_FOR_WORKERS ? Math.min(2, availableParallelism()) : 0);
  const started = options.wallClock?.();
  const enough = failureLimit(options.maxFailures);
  const summaries = workers > 0 ? await inWorkers(scenario, seeds, workers, enough, options.onProgress) : await inProcess(scenario, seeds, enough, options.onProgress);
  const wallMs = started === undefined ? null : options.wallClock!() - started;
  return summarise(scenario, first, summaries, { wallMs, workers });
}

/** Counts failures as summaries come in: true once more than `maxFailures` have failed. */
type Enough = (added: readonly SeedSummary[]) => boolean;

function failureLimit(maxFailures: number | undefined): Enough {
  let failures = 0;
  return (added) => {
    for (const summary of added) if (summary.failed) failures++;
    return maxFailures !== undefined && failures > maxFailures;
  };
}

function inProcess(scenario: Scenario, seeds: number[], enough: Enough, onProgress?: SweepOptions['onProgress']): Promise<SeedSummary[]> {
  return withoutStackTraces(async () => {
    const summaries: SeedSummary[] = [];
    for (const seed of seeds) {
      const summary = summariseRun(await runScenario(scenario, seed, { timeline: false }));
      summaries.push(summary);
      if (summaries.length % CHUNK === 0) onProgress?.(summaries.length, seeds.length);
      if (enough([summary])) break;
    }
    onProgress?.(summaries.length, seeds.length);
    return summaries;
  });
}

/**
 * Built, the worker is plain JS. Under tsx or vitest it is TypeScript: a tiny bootstrap registers
 * tsx's loader inside the thread first (Node 20 does not apply `--import` hooks to a .ts worker entry).
 */
function workerUrl(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./sweep-worker.js', import.meta.url);
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./sweep-worker.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

function inWorkers(scenario: Scenario, seeds: number[], count: number, enough: Enough, onProgress?: SweepOptions['onProgress']): Promise<SeedSummary[]> {
  const url = workerUrl();
  const pending = [...seeds];
  const summaries: SeedSummary[] = [];
  return new Promise((resolve, reject) => {
    let running = count;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(url, { workerData: { scenario } });
      worker.on('message', (done: SeedSummary[]) => {
        summaries.push(...done);
        if (done.length > 0) onProgress?.(summaries.length, seeds.length);
        const chunk = enough(done) ? [] : pending.splice(0, CHUNK);
        worker.postMessage(chunk.length > 0 ? chunk : null);
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        if (--running === 0) resolve(summaries.sort((a, b) => a.seed - b.seed));
      });
    }
  });
}

function summarise(scenario: Scenario, first: number, runs: SeedSummary[], perf: { wallMs: number | null; workers: number }): SweepResult {
  const violations: Partial<Record<ViolationKind, number>> = {};
  for (const run of runs) for (const kind of run.violations) violations[kind] = (violations[kind] ?? 0) + 1;
  const virtualMs = runs.reduce((sum, r) => sum + r.virtualMs, 0);
  const failures = runs.filter((r) => r.failed).length;
  return {
    scenario: scenario.name,
    seeds: { first, count: runs.length },
    failing: wilson(failures, runs.length),
    bound: failureBound(failures, runs.length),
    stuck: wilson(runs.filter((r) => r.stuck > 0).length, runs.length),
    violations,
    deliveriesPerCommand: distribution(eachOf(runs, (r) => r.deliveries)),
    attemptsPerCommand: distribution(eachOf(runs, (r) => r.attemptsPerCommand)),
    deadLetteredPerRun: distribution(runs.map((r) => r.deadLettered)),
    stuckPerRun: distribution(runs.map((r) => r.stuck)),
    failingSeeds: runs
      .filter((r) => r.failed)
      .map((r) => ({ seed: r.seed, stuck: r.stuck, violations: r.violations, firstViolation: r.firstViolation, replay: replayCommand(scenario, r.seed) })),
    warnings: scenarioWarnings(scenario),
    performance:
      perf.wallMs === null
        ? null
        : {
            wallMs: Math.round(perf.wallMs),
            seedsPerSecond: Math.round((runs.length / Math.max(perf.wallMs, 1e-3)) * 1000),
            virtualToWall: Math.round(virtualMs / Math.max(perf.wallMs, 1e-3)),
            workers: perf.workers,
          },
  };
}

/** Every value of every run's list, without building one array of them all. */
function* eachOf(runs: readonly SeedSummary[], list: (run: SeedSummary) => readonly number[]): Generator<number> {
  for (const run of runs) yield* list(run);
}

const percent = (p: number) => `${(p * 100).toFixed(2)}%`;

export function renderSweep(result: SweepResult, options: { maxFailing?: number } = {}): string {
  const perf = result.performance;
  const d = result.deliveriesPerCommand;
  const a = result.attemptsPerCommand;
  const lines = [
    `Sweep of ${result.scenario}: seeds ${result.seeds.first}..${result.seeds.first + result.seeds.count - 1} (${result.seeds.count} runs)`,
    ...result.warnings.map((w) => `  Warning: ${w}`),
    `  P(any stuck record)  ${percent(result.stuck.estimate)}  95% CI [${percent(result.stuck.low)}, ${percent(result.stuck.high)}]  (${result.stuck.count}/${result.stuck.of})`,
    `  P(run fails)         ${percent(result.failing.estimate)}  95% CI [${percent(result.failing.low)}, ${percent(result.failing.high)}]  (${result.failing.count}/${result.failing.of})`,
    `  bound                ${describeBound(result.bound)} (exact, one-sided)`,
    `  violations (runs)    ${Object.entries(result.violations).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}`,
    `  deliveries/command   mean ${d.mean.toFixed(2)}  p50 ${d.p50}  p95 ${d.p95}  max ${d.max}`,
    `    histogram          ${Object.entries(d.histogram).map(([k, n]) => `${k}×${n}`).join('  ')}`,
    `  attempts/command     mean ${a.mean.toFixed(2)}  p50 ${a.p50}  p95 ${a.p95}  max ${a.max}`,
    `    histogram          ${Object.entries(a.histogram).map(([k, n]) => `${k}×${n}`).join('  ')}`,
    `  dead-lettered/run    mean ${result.deadLetteredPerRun.mean.toFixed(2)}  max ${result.deadLetteredPerRun.max}`,
    `  stuck records/run    mean ${result.stuckPerRun.mean.toFixed(2)}  max ${result.stuckPerRun.max}`,
    ...(perf
      ? [`  ${perf.seedsPerSecond} seeds/s on ${Math.max(1, perf.workers)} thread(s), virtual/wall ${perf.virtualToWall}×, ${perf.wallMs} ms`]
      : []),
  ];
  const limit = options.maxFailing ?? MAX_FAILING_SHOWN;
  const failing = result.failingSeeds;
  if (failing.length > 0) {
    lines.push(`Failing seeds (${failing.length}${failing.length > limit ? `, first ${limit}` : ''}):`);
    for (const f of failing.slice(0, limit)) {
      const first = f.firstViolation ? ` (first: ${f.firstViolation.kind} at +${(f.firstViolation.t / 1000).toFixed(3)} s)` : '';
      lines.push(`  seed ${f.seed}: ${f.stuck} stuck${f.violations.length ? `, ${f.violations.join(', ')}${first}` : ''}  →  ${f.replay}`);
    }
    if (failing.length > limit) lines.push(`  and ${failing.length - limit} more (all of them in --json)`);
  }
  return lines.join('\n') + '\n';
}
