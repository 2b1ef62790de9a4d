/**
 * Issue target: export 100,000 records across 13 offices end to end (the 13 commands of a burst,
 * concurrently, through the handler, files written) on each store: in-memory, SQLite (the embedded
 * persistent store), MongoDB (FerretDB unless MONGODB_URI names a server). Records/s and the ratio
 * to the in-memory store measured in the same run; target >= 20,000 records/s on SQLite.
 * Seeding the records is timed apart: it is not part of an export.
 *
 * The MongoDB trial runs once (FerretDB 1.24 updates documents one PostgreSQL statement at a time:
 * minutes for 100,000 records); ESR_BENCH_MONGODB_RECORDS sets a smaller count, which the output
 * names. The load average at the start and the end is in the output: figures of a shared machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { ensureFerretDb } from '../scripts/ferretdb.mjs';
import { OFFICE_CODES } from '../src/domain/offices.js';
import type { ExportRecord } from '../src/domain/records.js';
import { generateRecords } from '../src/domain/synthetic.js';
import { fixedClock } from '../src/engine/clock.js';
import { handleCommand } from '../src/engine/handle-command.js';
import { FolderOutbox } from '../src/engine/outboxes/folder.js';
import { MemoryStore } from '../src/store/memory.js';
import { MongoStore } from '../src/store/mongo.js';
import { identifyMongoServer } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { median, round } from './stats.js';

const RECORDS = 100_000;
const RUN_DATE = '2021-07-31';
const SQLITE_TARGET_PER_SECOND = 20_000;

interface Trial {
  seedMs: number;
  exportMs: number;
  exported: number;
}

/** One burst on a fresh store: seed, then the 13 offices' commands at once; every record must be exported. */
async function trial(records: readonly ExportRecord[], store: Store): Promise<Trial> {
  const directory = await mkdtemp(join(tmpdir(), 'esr-bench-store-'));
  try {
    await store.init();
    let started = performance.now();
    await store.insertRecords(records);
    const seedMs = performance.now() - started;
    const deps = { store, outbox: new FolderOutbox(directory), clock: fixedClock(0), counterStrategy: 'atomic' as const };
    started = performance.now();
    const outcomes = await Promise.all(
      OFFICE_CODES.map((office, i) =>
        handleCommand(deps, { commandId: `b${i}`, type: 'APP', localOffice: office, runDate: RUN_DATE, correlationId: `c${i}` }),
      ),
    );
    const exportMs = performance.now() - started;
    const exported = outcomes.reduce((sum, o) => sum + (o.kind === 'exported' ? o.recordCount : 0), 0);
    if (exported !== records.length) throw new Error(`exported ${exported} of ${records.length} records`);
    return { seedMs, exportMs, exported };
  } finally {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  }
}

async function trials(runs: number, records: readonly ExportRecord[], open: () => Promise<Store>): Promise<Trial[]> {
  const done: Trial[] = [];
  for (let i = 0; i < runs; i++) done.push(await trial(records, await open()));
  return done;
}

function figures(done: readonly Trial[], memoryPerSecond?: number) {
  const exportMs = median(done.map((t) => t.exportMs));
  const perSecond = Math.round(done[0]!.exported / (exportMs / 1000));
  return {
    records: done[0]!.exported,
    runs: done.length,
    exportMsMedian: round(exportMs),
    recordsPerSecond: perSecond,
    ...(memoryPerSecond === undefined ? {} : { ratioToMemory: Number((perSecond / memoryPerSecond).toFixed(3)) }),
    seedMsMedian: round(median(done.map((t) => t.seedMs))),
  };
}

/** The MongoDB-compatible server: MONGODB_URI, else FerretDB (started or found by scripts/ferretdb.mjs). */
async function mongoUri(): Promise<string> {
  return process.env.MONGODB_URI ?? (await ensureFerretDb()).uri;
}

/** `count` APP records spread over the 13 offices, every one inside the export window of RUN_DATE. */
function burstRecords(count: number): ExportRecord[] {
  return generateRecords({
    seed: 1,
    appPerOffice: Math.ceil(count / OFFICE_CODES.length),
    startFrom: '2021-08-02',
    startTo: '2021-10-29',
  }).slice(0, count);
}

export async function run(): Promise<Record<string, unknown>> {
  const loadAtStart = loadavg()[0]!;
  const records = burstRecords(RECORDS);

  const memory = figures(await trials(5, records, async () => new MemoryStore()));

  const folder = await mkdtemp(join(tmpdir(), 'esr-bench-sqlite-'));
  let files = 0;
  const sqlite = figures(
    await trials(3, records, async () => SqliteStore.open(join(folder, `store-${++files}.sqlite`))),
    memory.recordsPerSecond,
  );
  await rm(folder, { recursive: true, force: true });

  const uri = await mongoUri();
  const server = (await identifyMongoServer(uri)).description;
  const mongoRecords = burstRecords(Number(process.env.ESR_BENCH_MONGODB_RECORDS ?? RECORDS));
  const prefix = `esr_bench_${randomUUID().slice(0, 8)}`;
  let databases = 0;
  let mongodb: Record<string, unknown>;
  try {
    mongodb = { server, ...figures(await trials(1, mongoRecords, () => MongoStore.connect(uri, { dbName: `${prefix}_${++databases}` })), memory.recordsPerSecond) };
  } finally {
    const client = new MongoClient(uri);
    for (let i = 1; i <= databases; i++) await client.db(`${prefix}_${i}`).dropDatabase();
    await client.close();
  }

  return {
    loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0]!, 2) },
    offices: OFFICE_CODES.length,
    memory,
    sqlite: { ...sqlite, targetPerSecond: SQLITE_TARGET_PER_SECOND, targetMet: sqlite.recordsPerSecond >= SQLITE_TARGET_PER_SECOND },
    mongodb,
  };
}
