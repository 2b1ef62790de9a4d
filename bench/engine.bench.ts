/**
 * Issue target: export 100,000 records across 13 offices with the in-memory store, end to end
 * including file writing, at >= 200,000 records/s. Compared with a plain fs.writeFile of the
 * same bytes: the physical limit of this machine's disk.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFFICE_CODES } from '../src/domain/offices.js';
import { generateRecords } from '../src/domain/synthetic.js';
import { fixedClock } from '../src/engine/clock.js';
import { handleCommand } from '../src/engine/handle-command.js';
import { FolderOutbox } from '../src/engine/outboxes/folder.js';
import { MemoryStore } from '../src/store/memory.js';
import { performance } from 'node:perf_hooks';
import { median, medianMs, round } from './stats.js';

const RECORDS = 100_000;
const RUN_DATE = '2021-07-31';

export async function run(): Promise<Record<string, unknown>> {
  const records = generateRecords({
    seed: 1,
    appPerOffice: Math.ceil(RECORDS / OFFICE_CODES.length),
    startFrom: '2021-08-02',
    startTo: '2021-10-29',
  }).slice(0, RECORDS);

    let directory = '';
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const store = new MemoryStore();
    await store.insertRecords(records);
    if (directory) await rm(directory, { recursive: true, force: true });
    directory = await mkdtemp(join(tmpdir(), 'esr-bench-'));
    const deps = { store, outbox: new FolderOutbox(directory), clock: fixedClock(0), counterStrategy: 'atomic' as const };
    const start = performance.now();
    const outcomes = await Promise.all(
      OFFICE_CODES.map((office, i) =>
        handleCommand(deps, { commandId: `b${i}`, type: 'APP', localOffice: office, runDate: RUN_DATE, correlationId: `c${i}` }),
      ),
    );
    times.push(performance.now() - start);
    if (outcomes.some((o) => o.kind !== 'exported')) throw new Error('benchmark export did not export');
  }
  const exportMs = median(times);

  // The same bytes through plain fs.writeFile: the floor the engine adds to.
  const files = await readdir(directory);
  const contents = await Promise.all(files.map((f) => readFile(join(directory, f), 'utf8')));
  const bytes = contents.reduce((sum, c) => sum + Buffer.byteLength(c), 0);
  const plainDirectory = await mkdtemp(join(tmpdir(), 'esr-bench-plain-'));
  const plainMs = await medianMs(5, () => Promise.all(files.map((f, i) => writeFile(join(plainDirectory, f), contents[i]!))));
  await rm(plainDirectory, { recursive: true, force: true });
  await rm(directory, { recursive: true, force: true });

  return {
    records: RECORDS,
    offices: OFFICE_CODES.length,
    exportMsMedian: round(exportMs),
    recordsPerSecond: Math.round(RECORDS / (exportMs / 1000)),
    targetRecordsPerSecond: 200_000,
    fileMegabytes: round(bytes / 1e6, 2),
    megabytesPerSecond: round(bytes / 1e6 / (exportMs / 1000)),
    plainWriteFileMsMedian: round(plainMs, 2),
    plainWriteMegabytesPerSecond: round(bytes / 1e6 / (plainMs / 1000)),
    exportToPlainWriteTimeRatio: round(exportMs / plainMs),
  };
}
