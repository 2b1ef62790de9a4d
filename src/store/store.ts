import type { IsoDate } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import type { ExportRecord, FileType, RecordStatus } from '../domain/records.js';

/** How the handler allocates file sequence numbers from the Counter collection. */
export type CounterStrategy = 'optimistic' | 'transaction' | 'atomic';

/**
 * Production default: `atomic` ($inc) never conflicts. `optimistic` is the 2021 behaviour and
 * exists to replay the incident; `transaction` models a multi-document transaction.
 */
export const DEFAULT_COUNTER_STRATEGY: CounterStrategy = 'atomic';

export type BatchState = 'open' | 'written' | 'complete';

/**
 * One export: the unit of idempotency. Its key is `TYPE:OFFICE:RUNDATE`, so a redelivered or
 * duplicated command resumes (or finds finished) the same batch instead of starting another.
 */
export interface Batch {
  key: string;
  type: FileType;
  office: OfficeCode;
  runDate: IsoDate;
  commandId: string;
  correlationId: string;
  sequence: number;
  fileName: string;
  /** The candidates selected when the batch was opened; the file holds those this batch claimed. */
  recordIds: string[];
  state: BatchState;
  /** Epoch ms when the batch was opened; also the file's creation stamp, so a rewrite is byte-identical. */
  createdAt: number;
}

export interface RecordQuery {
  type?: FileType;
  office?: OfficeCode;
  status?: RecordStatus;
  /** Records whose startDate is strictly before this date. */
  startBefore?: IsoDate;
  batchKey?: string | null;
}

export interface CounterValue {
  value: number;
  /** 0 when the counter document does not exist yet. */
  version: number;
}

/**
 * Everything the engine keeps. Every implementation passes `test/store/store.contract.ts`.
 * Methods that return records return them sorted by id, so files are deterministic.
 * Errors: `StoreUnavailableError` when the store cannot be reached, `WriteConflictError` for a lost race.
 */
export interface Store {
  /** Creates collections and indexes; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;

  insertRecords(records: readonly ExportRecord[]): Promise<void>;
  /** `TO_EXPORT`, owned by no batch, of this office and type, with startDate in [from, to]. */
  findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): Promise<ExportRecord[]>;
  /** Sets batchKey on those of `ids` that are still `TO_EXPORT` and unowned (or already ours). Returns how many are ours. */
  claimRecords(batchKey: string, ids: readonly string[]): Promise<number>;
  /** Marks every record owned by the batch `EXPORTED` with the file name; idempotent. Returns how many changed. */
  markExported(batchKey: string, fileName: string, exportedAt: number): Promise<number>;
  findRecords(query: RecordQuery): Promise<ExportRecord[]>;

  findBatch(key: string): Promise<Batch | null>;
  findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]>;
  listBatches(): Promise<Batch[]>;
  /** Inserts the batch unless one with the same key exists (unique index): 'exists' then. */
  createBatch(batch: Batch): Promise<'created' | 'exists'>;
  /** Moves the batch from one state to the next if it is still in `from`. */
  advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean>;

  /** The counter named `name` (one per file type); {0, 0} when it does not exist yet. */
  readCounter(name: string): Promise<CounterValue>;
  /** Versioned write: succeeds only if the version is still `expectedVersion` (0 = create). */
  compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean>;
  /** Atomic increment ($inc, upsert); returns the new value. */
  incrementCounter(name: string): Promise<number>;
  /** Read and write inside one transaction; a concurrent writer raises WriteConflictError. Returns the new value. */
  incrementCounterInTransaction(name: string): Promise<number>;
}
