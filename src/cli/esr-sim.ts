import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { exploreScenario, renderExplore, replaySchedule, explorable } from '../sim/explore.js';
import { proveBudget } from '../sim/prove.js';
import { recommendRetry, renderRecommendation } from '../sim/recommend.js';
import { realExitCode, realJson, renderReal, runReal } from '../live/real.js';
import { renderReportHtml } from '../sim/report-html.js';
import { runFailed } from '../sim/result.js';
import { runScenario } from '../sim/run.js';
import { loadScenario, scenarioDelayMs, withRetryBudget, type Scenario } from '../sim/scenario.js';
import { renderSweep, sweepScenario } from '../sim/sweep.js';
import { renderReplay } from '../sim/timeline-text.js';
import { VERSION } from '../version.js';
import { CliError, exitCodeFor } from './errors.js';
import { processIo, type Io } from './io.js';
import { registerDemo } from './sim/demo.js';
import { liveOptions, realOptionsOf, registerCalibrate, type LiveCliOptions } from './sim/live.js';
import { progressBar } from './sim/progress.js';

/** A probability in (0, 1]: `1e-4`, `0.001`. */
function rate(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^(\d+(\.\d*)?|\.\d+)(e-?\d+)?$/i.test(value) || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be a probability in (0, 1], got '${value}'`);
    return n;
  };
}

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got '${value}'`);
    return n;
  };
}

const jsonOption = () => new Option('--json', 'print the result as JSON');
const reportOption = () => new Option('--report <file>', 'write a self-contained HTML report with an SVG timeline');

const budgetOptions = (command: Command) =>
  command
    .option('--max-deliveries <n>', 'install this retry budget (total deliveries) on the scenario\'s retry mechanism', integer('--max-deliveries', 1, 1000))
    .option(
      '--delay-ms <ms>',
      "with --max-deliveries: the delay between deliveries (default: the scenario's own — SQS's visibility timeout, 30 s when unset; the wait queue's TTL)",
      integer('--delay-ms', 0, 43_200_000),
    );

interface ReplayOptions extends LiveCliOptions {
  seed?: number;
  timeline: boolean;
  expect?: boolean;
  json?: boolean;
  report?: string;
  maxDeliveries?: number;
  delayMs?: number;
  real?: boolean;
}

/**
 * Loads the scenario, with the retry budget from --max-deliveries/--delay-ms if given; without
 * --delay-ms the scenario keeps its own delay (never a visibility timeout of 0 by default).
 */
async function scenarioFrom(file: string, options: { maxDeliveries?: number; delayMs?: number }): Promise<Scenario> {
  const scenario = await loadScenario(file);
  if (options.maxDeliveries === undefined) {
    if (options.delayMs !== undefined) throw new CliError('--delay-ms needs --max-deliveries');
    return scenario;
  }
  return withRetryBudget(scenario, { maxDeliveries: options.maxDeliveries, delayMs: options.delayMs ?? scenarioDelayMs(scenario) });
}

/** Real time, read in the CLI layer only: src/sim is deterministic. */
const wallClock = () => performance.now();

/** `esr-sim`: the deterministic simulator's modes. Returns the exit code (0 ok, 1 finding, 2 could not run). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const interactive = io === processIo && process.stderr.isTTY === true;
  const program = new Command('esr-sim')
    .description('Deterministic simulator of the ESR export burst: replay, sweep, explore, recommend')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const replay = program
    .command('replay')
    .description('one run: a readable timeline and an outcome table per office')
    .argument('<scenario>', 'scenario file (scenarios/*.yaml)')
    .option('--seed <n>', 'seed (default: the scenario\'s)', integer('--seed', 0, 2 ** 31 - 1))
    .option('--no-timeline', 'print only the outcome table, stuck records and violations')
    .option('--expect', 'exit 0 when the run matches the scenario\'s expected outcome, 1 when not')
    .option('--real', 'run the scenario on the live broker (RabbitMQ, or SQS through the local endpoint) and compare with the model')
    .addOption(jsonOption())
    .addOption(reportOption());
  budgetOptions(liveOptions(replay, 'with --real: ')).action(
    async (file: string, options: ReplayOptions) => {
      const scenario = await scenarioFrom(file, options);
      if (options.real) {
        const compared = await runReal(scenario, realOptionsOf(options));
        io.out(options.json ? JSON.stringify(realJson(compared), null, 2) + '\n' : renderReal(compared));
        exitCode = realExitCode(compared);
        return;
      }
      const result = await runScenario(scenario, options.seed ?? scenario.seed ?? 1);
      if (options.report) await writeFile(options.report, renderReportHtml(scenario, result));
      io.out(options.json ? JSON.stringify(result, null, 2) + '\n' : renderReplay(result, { timeline: options.timeline }));
      exitCode = options.expect ? (result.expectation.met ? 0 : 1) : runFailed(result) ? 1 : 0;
    },
  );

  const sweep = program
    .command('sweep')
    .description('many seeds on both cores: the probability of stuck records and the attempts distribution')
    .argument('<scenario>', 'scenario file')
    .requiredOption('--seeds <n>', 'number of seeds', integer('--seeds', 1, 10_000_000))
    .option('--first-seed <n>', 'first seed (default 1)', integer('--first-seed', 0, 2 ** 31 - 1))
    .option('--workers <n>', 'worker threads (default: 2 for big sweeps)', integer('--workers', 0, 64))
    .addOption(jsonOption())
    .addOption(new Option('--report <file>', 'write the HTML report of the first failing seed (or the first seed), with the sweep statistics'));
  budgetOptions(sweep).action(
    async (
      file: string,
      options: { seeds: number; firstSeed?: number; workers?: number; json?: boolean; report?: string; maxDeliveries?: number; delayMs?: number },
    ) => {
      const scenario = await scenarioFrom(file, options);
      const bar = progressBar(io, interactive && !options.json);
      const result = await sweepScenario(scenario, {
        seeds: options.seeds,
        firstSeed: options.firstSeed,
        workers: options.workers,
        onProgress: (done, total) => bar.update('sweep', done, total),
        wallClock,
      }).finally(() => bar.clear());
      const text = renderSweep(result);
      if (options.report) {
        const shown = await runScenario(scenario, result.failingSeeds[0]?.seed ?? result.seeds.first);
        await writeFile(options.report, renderReportHtml(scenario, shown, { title: 'Sweep', text }));
      }
      io.out(options.json ? JSON.stringify(result, null, 2) + '\n' : text);
      exitCode = result.failingSeeds.length > 0 ? 1 : 0;
    },
  );

  program
    .command('explore')
    .description('every distinct interleaving of the contended steps (keep it small: 3–4 offices)')
    .argument('<scenario>', 'scenario file')
    .option('--max-runs <n>', 'stop after this many interleavings (default 100000)', integer('--max-runs', 1))
    .addOption(jsonOption())
    .addOption(reportOption())
    .action(async (file: string, options: { maxRuns?: number; json?: boolean; report?: string }) => {
      const scenario = await loadScenario(file);
      const result = await exploreScenario(scenario, { maxRuns: options.maxRuns, wallClock });
      const text = renderExplore(result, file);
      if (options.report) {
        // The counterexample, or (proved, undecided) the first interleaving explored, with the verdict.
        const shown = result.counterexample ?? (await replaySchedule(explorable(scenario), result.seed, []));
        await writeFile(options.report, renderReportHtml(scenario, shown, { title: 'Explore', text }));
      }
      io.out(options.json ? JSON.stringify({ ...result, counterexample: result.counterexample ? { ...result.counterexample, events: undefined } : null }, null, 2) + '\n' : text);
      exitCode = result.verdict === 'proved' ? 0 : result.verdict === 'counterexample' ? 1 : 2;
    });

  program
    .command('recommend')
    .description('the minimal retry budget and delay with zero stuck records, as a policy snippet')
    .argument('<scenario>', 'scenario file')
    .option('--seeds <n>', 'seeds per candidate (default 200, from the search range)', integer('--seeds', 1, 999_999))
    .option('--max-deliveries <n>', 'largest budget tried (default 64)', integer('--max-deliveries', 1, 1000))
    .option('--confirm-seeds <n>', 'then sweep the answer over this many further seeds, raising it until none fails (default 5000; 0 skips)', integer('--confirm-seeds', 0, 1_000_000))
    .addOption(jsonOption())
    .action(async (file: string, options: { seeds?: number; maxDeliveries?: number; confirmSeeds?: number; json?: boolean }) => {
      const scenario = await loadScenario(file);
      const bar = progressBar(io, interactive && !options.json);
      const result = await recommendRetry(scenario, {
        seeds: options.seeds,
        maxDeliveries: options.maxDeliveries,
        confirmSeeds: options.confirmSeeds,
        onProgress: (phase, done, total) => bar.update(phase, done, total),
      }).finally(() => bar.clear());
      io.out(options.json ? JSON.stringify(result, null, 2) + '\n' : renderRecommendation(result));
      exitCode = result.recommended ? 0 : 1;
    });

  program
    .command('prove')
    .description('a retry budget over fresh seeds (the prove range): the failure rate\'s 95 % bound against a target')
    .argument('<scenario>', 'scenario file')
    .requiredOption('--max-deliveries <n>', 'the retry budget to prove (total deliveries)', integer('--max-deliveries', 1, 1000))
    .option('--delay-ms <ms>', "the delay between deliveries (default: the scenario's own)", integer('--delay-ms', 0, 43_200_000))
    .option('--seeds <n>', "fresh seeds (default: the scenario's prove.seeds, else 30000)", integer('--seeds', 1, 100_000_000))
    .option('--target-rate <p>', "largest acceptable P(failure) (default: the scenario's prove.targetFailureRate, else 1e-4)", rate('--target-rate'))
    .addOption(jsonOption())
    .action(async (file: string, options: { maxDeliveries: number; delayMs?: number; seeds?: number; targetRate?: number; json?: boolean }) => {
      const scenario = await scenarioFrom(file, options);
      const bar = progressBar(io, interactive && !options.json);
      const result = await proveBudget(scenario, {
        seeds: options.seeds,
        targetFailureRate: options.targetRate,
        onProgress: (done, total) => bar.update('prove', done, total),
      }).finally(() => bar.clear());
      io.out(options.json ? JSON.stringify(result, null, 2) + '\n' : `${result.summary}\n`);
      exitCode = result.resolved ? 0 : 1;
    });

  registerDemo(program, io, (code) => (exitCode = code));
  registerCalibrate(program, io, (code) => (exitCode = code), () => new Date());

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io.err);
  }
}
