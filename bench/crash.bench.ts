import {
  closeConnectionsMidBurst,
  dedicatedFerretDb,
  runCrashTrial,
  tally,
  type CrashBroker,
  type CrashStore,
  type TrialOptions,
  type TrialResult,
} from '../test/crash/harness.js';
import { median, round } from './stats.js';

/**
 * kill -9 of real `esr-export run` processes mid-burst, per store × broker, plus the S3 outbox, the
 * server closing the connections and a FerretDB restart (test/crash/harness.ts): duplicated records,
 * reused sequence numbers, lost commands, temp files left, store/file disagreements and copies after
 * the operators' remedies — all must be 0.
 *
 * ESR_CRASH_TRIALS: trials per store × broker cell (default 50); ESR_CRASH_SPECIAL_TRIALS: trials of
 * each disturbance cell (default 10); ESR_CRASH_PARALLEL: cells run at once (default 2, one per
 * core; a cell's own trials run one after another, so a FerretDB restart hits only its trial);
 * MONGODB_URI (e.g. the FerretDB the tests start) enables the MongoDB cells; ESR_CRASH_CELLS (comma
 * list of cell names) runs only those.
 */
const TRIALS = Number(process.env.ESR_CRASH_TRIALS ?? 50);
const SPECIAL_TRIALS = Number(process.env.ESR_CRASH_SPECIAL_TRIALS ?? 10);
const PARALLEL = Math.max(1, Number(process.env.ESR_CRASH_PARALLEL ?? 2));
const KILLS_PER_TRIAL = 3;
/** A burst long enough (≈20,000 records) to outlast the management API's ~1 s lag in listing the consumers' connections. */
const CONNECTION_CLOSE_PER_OFFICE = 1_500;
const ONLY = process.env.ESR_CRASH_CELLS?.split(',').filter(Boolean);

interface Cell {
  name: string;
  trials: number;
  needsMongo?: boolean;
  /** Options of one trial; `setup` gives what the cell's trials share (a dedicated FerretDB) and its cleanup. */
  setup?: () => Promise<{ options: Partial<TrialOptions>; close(): void }>;
  options: Omit<TrialOptions, 'seed' | 'kills'>;
}

function cells(mongodbUri: string | undefined): Cell[] {
  const plain: Cell[] = [];
  for (const store of ['mongodb', 'sqlite'] as CrashStore[]) {
    for (const broker of ['rabbitmq', 'sqs'] as CrashBroker[]) {
      plain.push({ name: `${store}×${broker}`, trials: TRIALS, needsMongo: store === 'mongodb', options: { store, broker, mongodbUri } });
    }
  }
  return [
    ...plain,
    { name: 'sqlite×rabbitmq×s3', trials: SPECIAL_TRIALS, options: { store: 'sqlite', broker: 'rabbitmq', outbox: 's3', perOffice: 200 } },
    { name: 'sqlite×rabbitmq+connection-close', trials: SPECIAL_TRIALS, options: { store: 'sqlite', broker: 'rabbitmq', perOffice: CONNECTION_CLOSE_PER_OFFICE, disturb: closeConnectionsMidBurst(3) } },
    {
      name: 'mongodb×rabbitmq+ferretdb-restart',
      trials: SPECIAL_TRIALS,
      needsMongo: true,
      options: { store: 'mongodb', broker: 'rabbitmq' },
      setup: async () => {
        const ferret = await dedicatedFerretDb();
        return { options: { mongodbUri: ferret.uri, disturb: ferret.restartMidBurst(1) }, close: () => ferret.stop() };
      },
    },
  ];
}

async function runCell(cell: Cell): Promise<Record<string, unknown>> {
  const shared = await cell.setup?.();
  const trials: TrialResult[] = [];
  // A trial that could not be carried out (seed or schedule failed, a server did not start) is
  // reported with its seed, never dropped from the counts silently.
  const aborted: { seed: number; error: string }[] = [];
  const started = process.hrtime.bigint();
  try {
    for (let trial = 0; trial < cell.trials; trial++) {
      const seed = 10_000 + trial;
      try {
        trials.push(await runCrashTrial({ ...cell.options, ...shared?.options, seed, kills: KILLS_PER_TRIAL }));
      } catch (error) {
        aborted.push({ seed, error: (error instanceof Error ? error.message : String(error)).split('\n')[0]! });
      }
      process.stderr.write(`bench crash ${cell.name}: ${trial + 1}/${cell.trials}\n`);
    }
  } finally {
    shared?.close();
  }
  const failing = trials.filter((r) => r.problems.length > 0).map((r) => ({ seed: r.seed, problems: r.problems.slice(0, 3) }));
  const seconds = trials.map((r) => r.seconds);
  return {
    ...tally(trials),
    seconds: round(Number(process.hrtime.bigint() - started) / 1e9),
    secondsPerTrial: trials.length > 0 ? { median: round(median(seconds)), max: round(Math.max(...seconds)) } : null,
    failingTrials: failing,
    abortedTrials: aborted,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const mongodbUri = process.env.MONGODB_URI;
  const results: Record<string, unknown> = {};
  const queue: Cell[] = [];
  for (const cell of cells(mongodbUri)) {
    if (ONLY && !ONLY.includes(cell.name)) continue;
    if (cell.needsMongo && !mongodbUri) results[cell.name] = 'not run: MONGODB_URI is not set';
    else {
      results[cell.name] = 'not finished'; // keeps the cells in their order
      queue.push(cell);
    }
  }
  // The slowest cells (MongoDB) are listed first, so the two lanes finish close together.
  const lanes = Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
    for (let cell = queue.shift(); cell; cell = queue.shift()) results[cell.name] = await runCell(cell);
  });
  const started = process.hrtime.bigint();
  await Promise.all(lanes);
  return {
    trialsPerCell: TRIALS,
    trialsPerDisturbanceCell: SPECIAL_TRIALS,
    killsPerTrial: KILLS_PER_TRIAL,
    cellsAtOnce: PARALLEL,
    seconds: round(Number(process.hrtime.bigint() - started) / 1e9),
    cells: results,
  };
}
