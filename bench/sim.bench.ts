/**
 * The simulator's performance: `sweep` of the 13-office 2021 scenario, 10,000 seeds (target ≥ 3,000 seeds/s on two
 * cores, so `--prove` over 30,000 fresh seeds fits in 10 s), against the previous version — a
 * `git archive` of BASELINE_COMMIT run in the same process, alternating with the current code so both
 * see the same machine load; the shipped proof itself, timed: `--prove`'s 30,000 fresh seeds of the
 * Saturday burst at the ESR policy's minimums; and `explore` of 3 offices. Medians of several runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exploreScenario } from '../src/sim/explore.js';
import { DEFAULT_PROVE_SEEDS, DEFAULT_TARGET_FAILURE_RATE, proveScenario } from '../src/sim/prove.js';
import { loadScenario } from '../src/sim/scenario.js';
import { sweepScenario } from '../src/sim/sweep.js';
import { median, round } from './stats.js';

/**
 * The previous version: the commit before the third session's sweep work (prepared scenarios, id-only
 * file reads, shared data set). The sessions before measured themselves against ee2b50c (1.57× then).
 */
export const BASELINE_COMMIT = '76efd45';
/** Enough seeds that starting the two workers (and, under tsx, compiling their TypeScript) does not dominate. */
const SEEDS = 10_000;
const REPEATS = 3;
const TARGET_SEEDS_PER_SECOND = 3_000;

type Sweep = (scenario: unknown, options: { seeds: number; workers: number }) => Promise<unknown>;
type Load = (file: string) => Promise<unknown>;

/** The baseline's src/, schemas/ and scenarios/ in a temporary folder, sharing this checkout's node_modules. */
function archiveBaseline(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'esr-sim-baseline-'));
  const archive = execFileSync('git', ['archive', '--format=tar', BASELINE_COMMIT, 'src', 'schemas', 'scenarios'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Wall seconds and CPU seconds (all threads) of one sweep. */
async function timed(sweep: () => Promise<unknown>): Promise<{ wallS: number; cpuS: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sweep();
  const used = process.cpuUsage(cpu);
  return { wallS: (performance.now() - start) / 1000, cpuS: (used.user + used.system) / 1e6 };
}

export async function run(): Promise<Record<string, unknown>> {
  const baseline = archiveBaseline();
  try {
    // Both versions run the baseline's copy of the scenario: the same work, whatever the scenario has become since.
    const file = join(baseline.dir, 'scenarios/2021-burst.yaml');
    const current = await loadScenario(file);
    const old = {
      load: ((await import(join(baseline.dir, 'src/sim/scenario.ts'))) as { loadScenario: Load }).loadScenario,
      sweep: ((await import(join(baseline.dir, 'src/sim/sweep.ts'))) as { sweepScenario: Sweep }).sweepScenario,
    };
    const oldScenario = await old.load(file);
    const runs = { current: [] as { wallS: number; cpuS: number }[], baseline: [] as { wallS: number; cpuS: number }[] };
    for (let i = 0; i < REPEATS; i++) {
      runs.baseline.push(await timed(() => old.sweep(oldScenario, { seeds: SEEDS, workers: 2 })));
      runs.current.push(await timed(() => sweepScenario(current, { seeds: SEEDS, workers: 2 })));
    }
    const rate = (list: { wallS: number }[]) => round(median(list.map((r) => SEEDS / r.wallS)), 0);
    const cpuMsPerSeed = (list: { cpuS: number }[]) => round(median(list.map((r) => (r.cpuS * 1000) / SEEDS)), 3);
    const seedsPerSecond = rate(runs.current);
    // The shipped scenario as it is now (it may carry a calibrated timing block), current code only.
    const shipped = await loadScenario('scenarios/2021-burst.yaml');
    const shippedRun = await timed(() => sweepScenario(shipped, { seeds: SEEDS, workers: 2 }));
    // What CI runs: policy-check --prove of policies/esr-export-commands.yaml (13 deliveries, 1 s apart).
    const proveStart = performance.now();
    const proof = await proveScenario('scenarios/2021-saturday-burst.yaml', { maxDeliveries: 13, delayMs: 1000 }, { seeds: DEFAULT_PROVE_SEEDS, targetFailureRate: DEFAULT_TARGET_FAILURE_RATE });
    const proveWallS = (performance.now() - proveStart) / 1000;
    const explore = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'), { wallClock: () => performance.now() });
    return {
      sweep2021: {
        seeds: SEEDS,
        repeats: REPEATS,
        workers: 2,
        seedsPerSecond,
        baselineSeedsPerSecond: rate(runs.baseline),
        ratioToBaseline: round(seedsPerSecond / rate(runs.baseline), 2),
        cpuMsPerSeed: cpuMsPerSeed(runs.current),
        baselineCpuMsPerSeed: cpuMsPerSeed(runs.baseline),
        baseline: BASELINE_COMMIT,
        targetSeedsPerSecond: TARGET_SEEDS_PER_SECOND,
        withinTarget: seedsPerSecond >= TARGET_SEEDS_PER_SECOND,
        prove30000SecondsAtThisRate: round(30_000 / seedsPerSecond, 1),
        shippedScenarioSeedsPerSecond: round(SEEDS / shippedRun.wallS, 0),
        shippedScenarioCpuMsPerSeed: round((shippedRun.cpuS * 1000) / SEEDS, 3),
      },
      proveSaturday: {
        seeds: DEFAULT_PROVE_SEEDS,
        resolved: proof.resolved,
        wallS: round(proveWallS, 1),
        seedsPerSecond: round(DEFAULT_PROVE_SEEDS / proveWallS, 0),
        targetWallS: 10,
        withinTarget: proveWallS <= 10,
      },
      explore3Offices: { verdict: explore.verdict, interleavings: explore.interleavings, states: explore.states, wallMs: explore.wallMs },
    };
  } finally {
    baseline.cleanup();
  }
}
