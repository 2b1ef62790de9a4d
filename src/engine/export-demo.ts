import { addDays, type IsoDate } from '../domain/dates.js';
import { exportWindow } from '../domain/window.js';
import { generateRecords } from '../domain/synthetic.js';
import { MemoryStore } from '../store/memory.js';
import { auditStuckRecords, type AuditReport } from './audit.js';
import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import type { Outbox } from './outbox.js';
import { runExports, type RunSummary } from './run-exports.js';
import { burstCommands } from './schedule.js';
import { sequenceReport, type SequenceReport } from './sequences.js';

export interface ExportDemoOptions {
  runDate: IsoDate;
  appPerOffice: number;
  dncPerOffice: number;
  seed: number;
  outbox: Outbox;
  clock: Clock;
  newId: () => string;
  /** The broker the bursts go through: the engine owns the port, the caller picks the adapter (in process for the demo). */
  broker: Broker;
}

export interface ExportDemoResult {
  records: number;
  run: RunSummary;
  sequences: SequenceReport[];
  audit: AuditReport;
}

/** Seeds a realistic data set and runs the 14:00 APP and 15:00 DNC bursts for all 13 offices, in process. */
export async function runExportDemo(options: ExportDemoOptions): Promise<ExportDemoResult> {
  const store = new MemoryStore();
  const records = generateRecords({
    seed: options.seed,
    appPerOffice: options.appPerOffice,
    dncPerOffice: options.dncPerOffice,
    startFrom: exportWindow(options.runDate).from,
    startTo: addDays(options.runDate, 60),
    invalidRate: 0.02,
    deletedRate: 0.02,
  });
  await store.insertRecords(records);
  const broker = options.broker;
  for (const type of ['APP', 'DNC'] as const) {
    for (const command of burstCommands(type, options.runDate, options.newId)) await broker.publish(command);
  }
  const run = await runExports(
    broker,
    { store, outbox: options.outbox, clock: options.clock, counterStrategy: 'atomic' },
    { consumers: 4, stopWhenIdleMs: 20 },
  );
  return {
    records: records.length,
    run,
    sequences: await sequenceReport(store),
    audit: await auditStuckRecords(store, options.runDate),
  };
}
