import { performance } from 'node:perf_hooks';
import { addDays } from '../src/domain/dates.js';
import { OFFICE_CODES } from '../src/domain/offices.js';
import type { AppRecord } from '../src/domain/records.js';
import { MemoryStore } from '../src/store/memory.js';

/**
 * MemoryStore throughput of one export round for every office: findExportable → claimRecords →
 * markExported, over 100,000 APP records spread across the 13 offices and 120 days of start
 * dates (so about three quarters fall inside the window and are exported).
 */
const RECORDS = 100_000;
const RUNS = 5;
const RUN_DATE = '2021-07-31';
const WINDOW_FROM = addDays(RUN_DATE, 2);
const WINDOW_TO = addDays(RUN_DATE, 13 * 7);

function record(index: number): AppRecord {
  const office = OFFICE_CODES[index % OFFICE_CODES.length]!;
  const startDate = addDays(RUN_DATE, index % 120);
  return {
    id: `R${String(index).padStart(6, '0')}`,
    type: 'APP',
    office,
    startDate,
    status: 'TO_EXPORT',
    batchKey: null,
    fileName: null,
    exportedAt: null,
    generationError: null,
    placementId: `P${index}`,
    effectiveDate: startDate,
    title: 'Dr',
    lastName: 'Trainee',
    firstName: `N${index}`,
    middleNames: '',
    dob: '1994-01-01',
    gender: 'X',
    address: { address1: '1 High St', town: 'Town', county: 'County', postcode: 'AB1 2CD', country: 'GB' },
    phone: '',
    email: '',
    nationality: 'British',
    ukNino: '',
    nationalTrainingNumber: '',
    gmcNumber: String(7_000_000 + index),
    positionId: String(index),
    positionNumber: `POS${index}`,
    deaneryPostNumber: `${office}/X/${index}`,
    projectedHireDate: startDate,
    projectedEndDate: addDays(startDate, 365),
  };
}

interface RoundTimes {
  findMs: number;
  claimMs: number;
  markMs: number;
  exported: number;
}

async function exportRound(store: MemoryStore): Promise<RoundTimes> {
  const times: RoundTimes = { findMs: 0, claimMs: 0, markMs: 0, exported: 0 };
  for (const office of OFFICE_CODES) {
    const key = `APP:${office}:${RUN_DATE}`;
    let started = performance.now();
    const found = await store.findExportable('APP', office, WINDOW_FROM, WINDOW_TO);
    times.findMs += performance.now() - started;

    started = performance.now();
    await store.claimRecords(key, found.map((r) => r.id));
    times.claimMs += performance.now() - started;

    started = performance.now();
    times.exported += await store.markExported(key, `DE_${office}_APP_20210731_00000001.DAT`, 0);
    times.markMs += performance.now() - started;
  }
  return times;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const round2 = (value: number) => Math.round(value * 100) / 100;

export async function run(): Promise<Record<string, unknown>> {
  const records = Array.from({ length: RECORDS }, (_, i) => record(i));
  const rounds: RoundTimes[] = [];
  for (let i = 0; i < RUNS; i++) {
    const store = new MemoryStore();
    await store.insertRecords(records);
    rounds.push(await exportRound(store));
  }
  const totals = rounds.map((r) => r.findMs + r.claimMs + r.markMs);
  const totalMs = median(totals);
  return {
    records: RECORDS,
    offices: OFFICE_CODES.length,
    runs: RUNS,
    exportedPerRun: rounds[0]!.exported,
    findExportableMsMedian: round2(median(rounds.map((r) => r.findMs))),
    claimRecordsMsMedian: round2(median(rounds.map((r) => r.claimMs))),
    markExportedMsMedian: round2(median(rounds.map((r) => r.markMs))),
    roundMsMedian: round2(totalMs),
    exportedRecordsPerSecond: Math.round(rounds[0]!.exported / (totalMs / 1000)),
  };
}
