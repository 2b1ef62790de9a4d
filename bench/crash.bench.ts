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

/**
 * kill -9 of real `esr-export run` processes mid-burst, per store × broker, plus the S3 outbox, the
 * server closing the connections and a FerretDB restart (test/crash/harness.ts): duplicated records,
 * reused sequence numbers, lost commands, temp files left, store/file disagreements and copies after
 * the operators' remedies — all must be 0. ESR_CRASH_TRIALS sets the trials per cell (default 50);
 * MONGODB_URI (e.g. the FerretDB the tests start) enables the MongoDB cells; ESR_CRASH_CELLS (comma
 * list of cell names) runs only those.
 */
const TRIALS = Number(process.env.ESR_CRASH_TRIALS ?? 50);
const KILLS_PER_TRIAL = 3;
const ONLY = process.env.ESR_CRASH_CELLS?.split(',').filter(Boolean);

interface Cell {
  name: string;
  needsMongo?: boolean;
  /** Options of one trial; `setup` gives what the cell's trials share (a dedicated FerretDB) and its cleanup. */
  setup?: () => Promise<{ options: Partial<TrialOptions>; close(): void }>;
  options: Omit<TrialOptions, 'seed' | 'kills'>;
}

function cells(mongodbUri: string | undefined): Cell[] {
  const plain: Cell[] = [];
  for (const store of ['sqlite', 'mongodb'] as CrashStore[]) {
    for (const broker of ['rabbitmq', 'sqs'] as CrashBroker[]) {
      plain.push({ name: `${store}×${broker}`, needsMongo: store === 'mongodb', options: { store, broker, mongodbUri } });
    }
  }
  return [
    ...plain,
    { name: 'sqlite×rabbitmq×s3', options: { store: 'sqlite', broker: 'rabbitmq', outbox: 's3', perOffice: 200 } },
    { name: 'sqlite×rabbitmq+connection-close', options: { store: 'sqlite', broker: 'rabbitmq', perOffice: 200, disturb: closeConnectionsMidBurst(3) } },
    {
      name: 'mongodb×rabbitmq+ferretdb-restart',
      needsMongo: true,
      options: { store: 'mongodb', broker: 'rabbitmq' },
      setup: async () => {
        const ferret = await dedicatedFerretDb();
        return { options: { mongodbUri: ferret.uri, disturb: ferret.restartMidBurst(1) }, close: () => ferret.stop() };
      },
    },
  ];
}

export async function run(): Promise<Record<string, unknown>> {
  const mongodbUri = process.env.MONGODB_URI;
  const results: Record<string, unknown> = {};
  for (const cell of cells(mongodbUri)) {
    if (ONLY && !ONLY.includes(cell.name)) continue;
    if (cell.needsMongo && !mongodbUri) {
      results[cell.name] = 'not run: MONGODB_URI is not set';
      continue;
    }
    const shared = await cell.setup?.();
    const trials: TrialResult[] = [];
    // A trial that could not be carried out (seed or schedule failed, a server did not start) is
    // reported with its seed, never dropped from the counts silently.
    const aborted: { seed: number; error: string }[] = [];
    const started = process.hrtime.bigint();
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const seed = 10_000 + trial;
        try {
          trials.push(await runCrashTrial({ ...cell.options, ...shared?.options, seed, kills: KILLS_PER_TRIAL }));
        } catch (error) {
          aborted.push({ seed, error: (error instanceof Error ? error.message : String(error)).split('\n')[0]! });
        }
        process.stderr.write(`bench crash ${cell.name}: ${trial + 1}/${TRIALS}\r`);
      }
    } finally {
      shared?.close();
    }
    const failing = trials.filter((r) => r.problems.length > 0).map((r) => ({ seed: r.seed, problems: r.problems.slice(0, 3) }));
    results[cell.name] = { ...tally(trials), seconds: Number(process.hrtime.bigint() - started) / 1e9, failingTrials: failing, abortedTrials: aborted };
  }
  return { trialsPerCell: TRIALS, killsPerTrial: KILLS_PER_TRIAL, cells: results };
}
