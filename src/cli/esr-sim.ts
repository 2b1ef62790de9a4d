import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { exploreScenario, renderExplore } from '../sim/explore.js';
import { recommendRetry, renderRecommendation } from '../sim/recommend.js';
import { DEFAULT_COMPRESSION, renderReal, runReal } from '../live/real.js';
import { renderReportHtml } from '../sim/report-html.js';
import { runFailed } from '../sim/result.js';
import { runScenario } from '../sim/run.js';
import { loadScenario, withRetryBudget, type Scenario } from '../sim/scenario.js';
import { renderSweep, sweepScenario } from '../sim/sweep.js';
import { renderReplay } from '../sim/timeline-text.js';
import { VERSION } from '../version.js';
import { exitCodeFor } from './errors.js';
import { processIo, type Io } from './io.js';
import { registerDemo } from './sim/demo.js';

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
    .option('--delay-ms <ms>', 'with --max-deliveries: the delay between deliveries (default 0)', integer('--delay-ms', 0, 43_200_000));

interface ReplayOptions {
  seed?: number;
  timeline: boolean;
  expect?: boolean;
  json?: boolean;
  report?: string;
  maxDeliveries?: number;
  delayMs?: number;
  real?: boolean;
  compression?: number;
  amqpUrl?: string;
  mongodbUri?: string;
}

/** Loads the scenario, with the retry budget from --max-deliveries/--delay-ms if given. */
async function scenarioFrom(file: string, options: { maxDeliveries?: number; delayMs?: number }): Promise<Scenario> {
  const scenario = await loadScenario(file);
  if (options.maxDeliveries === undefined) return scenario;
  return withRetryBudget(scenario, { maxDeliveries: options.maxDeliveries, delayMs: options.delayMs ?? 0 });
}

/** A progress bar on stderr, only when it is a terminal. */
function progressBar(io: Io, enabled: boolean): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

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
    .option('--compression <n>', `with --real: divide delays by this (default ${DEFAULT_COMPRESSION})`, integer('--compression', 1, 100_000))
    .option('--amqp-url <url>', 'with --real: the RabbitMQ to use (default amqp://guest:guest@127.0.0.1:5672)')
    .option('--mongodb-uri <uri>', 'with --real: run the store on this MongoDB (default: $MONGODB_URI when set, else the store model)')
    .addOption(jsonOption())
    .addOption(reportOption());
  budgetOptions(replay).action(
    async (file: string, options: ReplayOptions) => {
      const scenario = await scenarioFrom(file, options);
      if (options.real) {
        const mongodbUri = options.mongodbUri ?? process.env['MONGODB_URI'];
        const compared = await runReal(scenario, { seed: options.seed, compression: options.compression, amqpUrl: options.amqpUrl, mongodbUri });
        io.out(options.json ? JSON.stringify(compared, null, 2) + '\n' : renderReal(compared));
        exitCode = compared.agree ? 0 : 1;
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
      const result = await sweepScenario(scenario, {
        seeds: options.seeds,
        firstSeed: options.firstSeed,
        workers: options.workers,
        onProgress: progressBar(io, interactive && !options.json),
      });
      const text = renderSweep(result);
      if (options.report) {
        const shown = await runScenario(scenario, result.failingSeeds[0]?.seed ?? result.seeds.first);
        await writeFile(options.report, renderReportHtml(scenario, shown, { title: 'Sweep', text: renderSweep(result, { maxFailing: 20 }) }));
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
      const result = await exploreScenario(scenario, { maxRuns: options.maxRuns });
      if (options.report && result.counterexample) await writeFile(options.report, renderReportHtml(scenario, result.counterexample));
      io.out(options.json ? JSON.stringify({ ...result, counterexample: result.counterexample ? { ...result.counterexample, events: undefined } : null }, null, 2) + '\n' : renderExplore(result));
      exitCode = result.verdict === 'proved' ? 0 : result.verdict === 'counterexample' ? 1 : 2;
    });

  program
    .command('recommend')
    .description('the minimal retry budget and delay with zero stuck records, as a policy snippet')
    .argument('<scenario>', 'scenario file')
    .option('--seeds <n>', 'seeds per candidate (default 200)', integer('--seeds', 1, 1_000_000))
    .option('--max-deliveries <n>', 'largest budget tried (default 64)', integer('--max-deliveries', 1, 1000))
    .option('--confirm-seeds <n>', 'then sweep the answer over this many further seeds, raising it until none fails (default 5000; 0 skips)', integer('--confirm-seeds', 0, 1_000_000))
    .addOption(jsonOption())
    .action(async (file: string, options: { seeds?: number; maxDeliveries?: number; confirmSeeds?: number; json?: boolean }) => {
      const scenario = await loadScenario(file);
      const result = await recommendRetry(scenario, { seeds: options.seeds, maxDeliveries: options.maxDeliveries, confirmSeeds: options.confirmSeeds });
      io.out(options.json ? JSON.stringify(result, null, 2) + '\n' : renderRecommendation(result));
      exitCode = result.recommended ? 0 : 1;
    });

  registerDemo(program, io, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io.err);
  }
}
