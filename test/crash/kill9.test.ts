/**
 * Crash safety proven with real processes: `esr-export run` consumers killed with SIGKILL mid-burst,
 * restarted, then every promise checked from the files, the store and the broker (test/crash/harness.ts).
 * One trial per store × broker here; `npm run bench -- crash` runs many more.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEsrFile, renderEsrFile } from '../../src/domain/esr-file.js';
import { fileNameOf, parseFileName } from '../../src/domain/file-name.js';
import {
  closeConnectionsMidBurst,
  dedicatedFerretDb,
  folderFiles,
  inspectOutbox,
  runCrashTrial,
  tally,
  type TrialResult,
} from './harness.js';
import { mongoServerForTests } from '../store/mongo-server.js';

/**
 * One trial per store × broker keeps the file within ~3 minutes; the disturbances ride on two of the
 * cells (the bench runs each on its own: 50 trials per store × broker, 10 per disturbance): on SQLite
 * × RabbitMQ the files go to S3 and the server closes the consumers' connections mid-burst, on MongoDB
 * × RabbitMQ the trial's own FerretDB is killed and restarted mid-burst.
 */
function expectClean(results: TrialResult[]) {
  const totals = tally(results);
  const first = results[0]!;
  console.log(`kill -9: ${JSON.stringify({ cell: `${first.store}×${first.broker}×${first.outbox}`, ...totals })}`);
  for (const result of results) expect(result.problems, `seed ${result.seed}`).toEqual([]);
  expect(totals).toMatchObject({ duplicatedRecords: 0, reusedSequences: 0, lostCommands: 0, stillOnBroker: 0, leftoverTempFiles: 0, storeMismatches: 0, remedyDuplicates: 0 });
  expect(totals.files).toBeGreaterThan(0);
}

const invariants = 'no record in two files, no sequence reused, no command lost, no temp file left';

describe('kill -9 of real esr-export run processes mid-burst', () => {
  it(`sqlite × rabbitmq, S3 outbox (s3rver through the SDK), the server closing every connection 3 times: ${invariants}`, { timeout: 300_000 }, async () => {
    const result = await runCrashTrial({ store: 'sqlite', broker: 'rabbitmq', outbox: 's3', seed: 1_000, kills: 3, perOffice: 1_000, disturb: closeConnectionsMidBurst(3) });
    expect(result.disturbances, 'connections closed by the server').toBeGreaterThan(0);
    expectClean([result]);
  });

  it(`sqlite × sqs: ${invariants}`, { timeout: 300_000 }, async () => {
    expectClean([await runCrashTrial({ store: 'sqlite', broker: 'sqs', seed: 1_001, kills: 3 })]);
  });

  it(`mongodb × rabbitmq, its FerretDB killed and restarted mid-burst: ${invariants}`, { timeout: 300_000 }, async () => {
    await mongoServerForTests('kill -9 with a FerretDB restart'); // the shared server is up, so FerretDB is installed
    const ferret = await dedicatedFerretDb();
    try {
      const result = await runCrashTrial({ store: 'mongodb', broker: 'rabbitmq', seed: 1_002, kills: 3, mongodbUri: ferret.uri, disturb: ferret.restartMidBurst(1) });
      expect(result.disturbances, 'FerretDB restarts').toBe(1);
      expectClean([result]);
    } finally {
      ferret.stop();
    }
  });

  it(`mongodb × sqs: ${invariants}`, { timeout: 300_000 }, async () => {
    const { uri } = await mongoServerForTests('kill -9 (sqs)');
    expectClean([await runCrashTrial({ store: 'mongodb', broker: 'sqs', seed: 1_003, kills: 3, mongodbUri: uri })]);
  });
});

describe('the crash checks can fail', () => {
  it('a record in two files, a reused sequence number and a temp file are each counted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esr-crash-check-'));
    try {
      execFileSync(process.execPath, [new URL('../../bin/esr-export.js', import.meta.url).pathname, 'demo', '--outbox', dir, '--per-office', '5']);
      const clean = await inspectOutbox(folderFiles(dir));
      expect(clean).toMatchObject({ duplicatedRecords: 0, reusedSequences: 0, tempFiles: 0, problems: [] });
      const [first, second] = (await readdir(dir)).filter((name) => name.endsWith('.DAT') && name.includes('_APP_'));
      const a = parseFileName(first!)!;
      // The same records again under a fresh sequence number (a second copy), and another office's
      // file under the first one's sequence number (a reused number), and a temp file left behind.
      const rewrite = async (name: string, sequence: number) => {
        const file = parseEsrFile(await readFile(join(dir, name), 'utf8'), name);
        const renamed = { ...file, sequence };
        await writeFile(join(dir, fileNameOf(renamed)), renderEsrFile(renamed));
      };
      await rewrite(first!, 99_999_999);
      await rewrite(second!, a.sequence);
      await writeFile(join(dir, `.${first}.1.ab.tmp`), '');
      const broken = await inspectOutbox(folderFiles(dir));
      expect(broken.duplicatedRecords).toBeGreaterThan(0);
      expect(broken.reusedSequences).toBe(1);
      expect(broken.tempFiles).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
