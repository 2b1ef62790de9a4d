import type { IsoDate } from './dates.js';
import { isIsoDate } from './dates.js';
import type { OfficeCode } from './offices.js';

/** The two outbound file types the exporter writes: applicants and notifications. */
export type FileType = 'APP' | 'DNC';
export const FILE_TYPES: readonly FileType[] = ['APP', 'DNC'];

export type RecordStatus = 'TO_EXPORT' | 'EXPORTED' | 'DELETED_BEFORE_EXPORT' | 'INVALID_DATA';

/** What every exportable record carries, whatever its type. */
export interface ExportState {
  id: string;
  office: OfficeCode;
  /** The date the export window is measured against: placement start (APP) or the notified change (DNC). */
  startDate: IsoDate;
  status: RecordStatus;
  /** Set while a batch owns the record; a record belongs to at most one batch, ever. */
  batchKey: string | null;
  fileName: string | null;
  /** Epoch ms when the record was marked EXPORTED. */
  exportedAt: number | null;
  /** Why the record is INVALID_DATA. */
  generationError: string | null;
}

export interface Address {
  address1: string;
  town: string;
  county: string;
  postcode: string;
  country: string;
}

/** A GeneratedAppRecord: a trainee placed in a post, to be created as an applicant in ESR. */
export interface AppRecord extends ExportState {
  type: 'APP';
  placementId: string;
  effectiveDate: IsoDate;
  title: string;
  lastName: string;
  firstName: string;
  middleNames: string;
  dob: IsoDate;
  gender: 'M' | 'F' | 'X';
  address: Address;
  phone: string;
  email: string;
  nationality: string;
  ukNino: string;
  nationalTrainingNumber: string;
  gmcNumber: string;
  positionId: string;
  positionNumber: string;
  deaneryPostNumber: string;
  projectedHireDate: IsoDate;
  projectedEndDate: IsoDate;
}

/** DNC title codes: 1 next/current post holder, 2 withdrawal, 4 change of hire/end date, 5 new post. */
export type NotificationTitleCode = 1 | 2 | 4 | 5;
export const NOTIFICATION_TITLE_CODES: readonly NotificationTitleCode[] = [1, 2, 4, 5];

export interface TraineeRef {
  lastName: string;
  firstName: string;
  gmcNumber: string;
  startDate: IsoDate;
  endDate: IsoDate;
}

export interface NotificationRecord extends ExportState {
  type: 'DNC';
  titleCode: NotificationTitleCode;
  deaneryPostNumber: string;
  managingOffice: OfficeCode;
  positionId: string;
  currentTrainee: TraineeRef | null;
  nextTrainee: TraineeRef | null;
  /** Whole-time equivalent, one decimal (e.g. 0.8). */
  workingHours: number;
}

export type ExportRecord = AppRecord | NotificationRecord;

/** Records frozen by freezeRecord: immutable to the last field, so what is derived from one can be kept. */
const frozenRecords = new WeakSet<ExportRecord>();

/**
 * Freezes a record with its nested parts. A frozen record can be shared without copies (the
 * in-memory store hands out its own), and whatever is computed from it is computed once (see perFrozenRecord).
 */
export function freezeRecord<R extends ExportRecord>(record: R): R {
  if (frozenRecords.has(record)) return record;
  if (record.type === 'APP') Object.freeze(record.address);
  else {
    if (record.currentTrainee) Object.freeze(record.currentTrainee);
    if (record.nextTrainee) Object.freeze(record.nextTrainee);
  }
  Object.freeze(record);
  frozenRecords.add(record);
  return record;
}

export function isFrozenRecord(record: ExportRecord): boolean {
  return frozenRecords.has(record);
}

/**
 * `compute`, kept per frozen record: a simulator sweep validates and renders the same few dozen
 * frozen records for every seed. A record that is not frozen (a store's fresh read) is computed every time.
 */
export function perFrozenRecord<T>(compute: (record: ExportRecord) => T): (record: ExportRecord) => T {
  const kept = new WeakMap<ExportRecord, { value: T }>();
  return (record) => {
    if (!frozenRecords.has(record)) return compute(record);
    let entry = kept.get(record);
    if (!entry) kept.set(record, (entry = { value: compute(record) }));
    return entry.value;
  };
}

const APP_MANDATORY = ['effectiveDate', 'lastName', 'firstName', 'dob', 'positionId', 'positionNumber'] as const;

/** The reason a record cannot be exported, or null when it is valid. */
export const validationError = perFrozenRecord(recordProblem);

function recordProblem(record: ExportRecord): string | null {
  if (record.type === 'APP') {
    // A loop that allocates nothing for a valid record: every candidate of every command is checked.
    let missing: string[] | null = null;
    for (const field of APP_MANDATORY) {
      if (String(record[field] ?? '').trim() === '') (missing ??= []).push(field);
    }
    if (missing) return `missing mandatory field(s): ${missing.join(', ')}`;
    for (const field of ['effectiveDate', 'dob'] as const) {
      if (!isIsoDate(record[field])) return `${field} is not a date (YYYY-MM-DD): ${record[field]}`;
    }
    return null;
  }
  if (record.deaneryPostNumber.trim() === '') return 'missing mandatory field(s): deaneryPostNumber';
  if (!record.deaneryPostNumber.startsWith(`${record.managingOffice}/`)) {
    return `deaneryPostNumber ${record.deaneryPostNumber} does not start with the managing office ${record.managingOffice}`;
  }
  if (record.titleCode !== 2 && record.nextTrainee === null && record.currentTrainee === null) {
    return `title code ${record.titleCode} needs a current or next trainee`;
  }
  return null;
}
