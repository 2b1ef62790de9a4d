import { runCrashTrial, tally, type CrashBroker, type CrashStore, type TrialResult } from '../test/crash/harness.js';

/**
 * kill -9 of real `esr-export run` processes mid-burst, per store × broker (test/crash/harness.ts):
 * duplicated records, reused sequence numbers, lost commands, temp files left, store/file disagreements
 * and copies after the operators' remedies — all must be 0. ESR_CRASH_TRIALS sets the trials per cell
 * (default 50); MONGODB_URI (e.g. the FerretDB the tests start) enables the MongoDB cells.
 */
const TRIALS = Number(process.env.ESR_CRASH_TRIALS ?? 50);
const KILLS_PER_TRIAL = 3;

export async function run(): Promise<Record<string, unknown>> {
  const stores: CrashStore[] = process.env.MONGODB_URI ? ['sqlite', 'mongodb'] : ['sqlite'];
  const brokers: CrashBroker[] = ['rabbitmq', 'sqs'];
  const cells: Record<string, unknown> = {};
  for (const store of stores) {
    for (const broker of brokers) {
      const results: TrialResult[] = [];
      const started = process.hrtime.bigint();
      for (let trial = 0; trial < TRIALS; trial++) {
        results.push(await runCrashTrial({ store, broker, seed: 10_000 + trial, kills: KILLS_PER_TRIAL, mongodbUri: process.env.MONGODB_URI }));
        process.stderr.write(`bench crash ${store}×${broker}: ${trial + 1}/${TRIALS}\r`);
      }
      const failing = results.filter((r) => r.problems.length > 0).map((r) => ({ seed: r.seed, problems: r.problems.slice(0, 3) }));
      cells[`${store}×${broker}`] = {
        ...tally(results),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        failingTrials: failing,
      };
    }
  }
  if (!process.env.MONGODB_URI) cells['mongodb'] = 'not run: MONGODB_URI is not set';
  return { trialsPerCell: TRIALS, killsPerTrial: KILLS_PER_TRIAL, cells };
}
