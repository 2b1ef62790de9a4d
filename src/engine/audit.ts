import type { IsoDate } from '../domain/dates.js';
import { OFFICE_CODES, type OfficeCode } from '../domain/offices.js';
import { FILE_TYPES, validationError, type ExportRecord, type FileType } from '../domain/records.js';
import { exportWindow, missedIfStartsBefore } from '../domain/window.js';
import { batchKeyOf } from '../domain/command.js';
import type { Store } from '../store/store.js';

export interface StuckRecord {
  id: string;
  type: FileType;
  office: OfficeCode;
  startDate: IsoDate;
  /** `missed`: its start is less than 2 days away, no run can send it in time. `overdue`: the run of the audit date should have sent it and did not complete. */
  kind: 'missed' | 'overdue';
  reason: string;
}

export interface AuditReport {
  asOf: IsoDate;
  stuck: StuckRecord[];
  byOffice: Partial<Record<OfficeCode, number>>;
  /** The export runs of the audit date that did not complete, as `TYPE:OFFICE:DATE`. */
  incompleteRuns: string[];
}

/**
 * Run after the day's exports. Finds records still TO_EXPORT that either can no longer make it
 * (start less than 2 days away) or that the day's run of their office should have sent but did not
 * complete. The second is the alert that would have fired on 31/07/2021 instead of 02/08.
 */
export async function auditStuckRecords(store: Store, asOf: IsoDate): Promise<AuditReport> {
  const stuck: StuckRecord[] = [];
  const missed = await store.findRecords({ status: 'TO_EXPORT', startBefore: missedIfStartsBefore(asOf) });
  for (const record of missed) stuck.push(stuckRecord(record, 'missed', reasonMissed(record)));

  const window = exportWindow(asOf);
  const incompleteRuns: string[] = [];
  for (const type of FILE_TYPES) {
    for (const office of OFFICE_CODES) {
      const key = batchKeyOf({ type, localOffice: office, runDate: asOf });
      const batch = await store.findBatch(key);
      if (batch?.state === 'complete') continue;
      // Records added after a completed run wait for tomorrow's; without a completed run, every eligible
      // one is overdue: those its batch claimed before it stopped, and those no batch claimed.
      const held = batch ? await store.findRecords({ batchKey: key, status: 'TO_EXPORT' }) : [];
      const unclaimed = (await store.findExportable(type, office, window.from, window.to)).filter((r) => validationError(r) === null);
      if (held.length + unclaimed.length === 0) continue;
      incompleteRuns.push(key);
      const why = `the ${type} run of ${asOf} for ${office} did not complete${batch ? ' (its batch stopped part-way)' : ''}`;
      for (const record of [...held, ...unclaimed]) stuck.push(stuckRecord(record, 'overdue', why));
    }
  }

  const byOffice: Partial<Record<OfficeCode, number>> = {};
  for (const record of stuck) byOffice[record.office] = (byOffice[record.office] ?? 0) + 1;
  return { asOf, stuck, byOffice, incompleteRuns };
}

function stuckRecord(record: ExportRecord, kind: StuckRecord['kind'], reason: string): StuckRecord {
  return { id: record.id, type: record.type, office: record.office, startDate: record.startDate, kind, reason };
}

function reasonMissed(record: ExportRecord): string {
  const invalid = validationError(record);
  if (invalid) return `not exportable: ${invalid}`;
  if (record.batchKey) return `held by unfinished batch ${record.batchKey} (its command crashed or was dead-lettered)`;
  return 'no export run picked it up while it was in the window (command lost or never sent)';
}
