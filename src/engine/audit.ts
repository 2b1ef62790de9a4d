import { addDays, type IsoDate } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import { validationError, type ExportRecord } from '../domain/records.js';
import { WINDOW_START_DAYS } from '../domain/window.js';
import type { Store } from '../store/store.js';

export interface StuckRecord {
  id: string;
  type: ExportRecord['type'];
  office: OfficeCode;
  startDate: IsoDate;
  reason: string;
}

export interface AuditReport {
  asOf: IsoDate;
  stuck: StuckRecord[];
  byOffice: Partial<Record<OfficeCode, number>>;
}

/**
 * Records still TO_EXPORT whose start is less than 2 days away (or past): no export run can
 * send them any more. The alert the 2021 team did not have: it would have fired on 31/07.
 */
export async function auditStuckRecords(store: Store, asOf: IsoDate): Promise<AuditReport> {
  const records = await store.findRecords({ status: 'TO_EXPORT', startBefore: addDays(asOf, WINDOW_START_DAYS) });
  const stuck = records.map((record) => ({
    id: record.id,
    type: record.type,
    office: record.office,
    startDate: record.startDate,
    reason: reasonStuck(record),
  }));
  const byOffice: Partial<Record<OfficeCode, number>> = {};
  for (const record of stuck) byOffice[record.office] = (byOffice[record.office] ?? 0) + 1;
  return { asOf, stuck, byOffice };
}

function reasonStuck(record: ExportRecord): string {
  const invalid = validationError(record);
  if (invalid) return `not exportable: ${invalid}`;
  if (record.batchKey) return `held by unfinished batch ${record.batchKey} (its command crashed or was dead-lettered)`;
  return 'no export run picked it up while it was in the window (command lost or never sent)';
}
