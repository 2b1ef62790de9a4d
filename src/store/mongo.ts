import assert from 'node:assert/strict';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { ClientSession, Collection, Db, Filter } from 'mongodb';
import type { IsoDate } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import type { ExportRecord, FileType } from '../domain/records.js';
import { StoreUnavailableError, WriteConflictError } from './errors.js';
import type { Batch, BatchState, CounterValue, RecordQuery, Store } from './store.js';

/**
 * The MongoDB store. One `records` collection holds both record types (APP and DNC, told apart by
 * `type`): every Store operation is type-agnostic (claim by ids, mark by batch), so two collections
 * would turn each of them into two calls. `_id` is the record id; it never leaves this file.
 */
export const COLLECTIONS = { records: 'records', batches: 'batches', counters: 'counters' } as const;

export const DEFAULT_DB_NAME = 'esrExport';

/** A record as stored: the id moved into `_id`. Distributes over the union so `type` still narrows. */
type Stored<T> = T extends { id: string } ? Omit<T, 'id'> & { _id: string } : never;
type RecordDocument = Stored<ExportRecord>;
interface CounterDocument {
  _id: string;
  value: number;
  version: number;
}

const DUPLICATE_KEY = 11000;
const WRITE_CONFLICT = 112;

/**
 * Server error codes that mean "no usable primary right now" (not writable primary, stepping down,
 * shutting down, unreachable): the same list the driver treats as retryable. After its one retry
 * they reach us, and to the engine they are an outage, not a bug.
 */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Bulk writes (insertMany) wrap a driver error (e.g. a closed topology) in a MongoBulkWriteError whose errorResponse is that error; server write errors keep a plain document there. */
function unwrapBulkError(error: unknown): unknown {
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error) {
    return error.errorResponse;
  }
  return error;
}

/** True when the error means MongoDB could not be reached or did not answer (the one place this is decided). */
export function isUnavailableError(thrown: unknown): boolean {
  const error = unwrapBulkError(thrown);
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  return error instanceof MongoServerError && typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code);
}

function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** A transaction lost a race: WriteConflict, a duplicate insert of the counter, or any transient transaction error. */
function isTransactionConflict(error: unknown): boolean {
  if (error instanceof MongoServerError && (error.code === WRITE_CONFLICT || error.code === DUPLICATE_KEY)) return true;
  return error instanceof MongoError && error.hasErrorLabel('TransientTransactionError');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps a vendor error into the store's typed errors; anything else passes through untouched. */
function toStoreError(operation: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof WriteConflictError) return error;
  if (isUnavailableError(error)) {
    const cause = unwrapBulkError(error);
    return new StoreUnavailableError(`MongoDB unavailable during ${operation}: ${messageOf(cause)}`, { cause });
  }
  return error;
}

/** Sorting happens here, not on the server: MongoDB orders strings by UTF-8 bytes, JavaScript (and MemoryStore) by UTF-16 units. */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byKey = (a: Batch, b: Batch) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function toDocument(record: ExportRecord): RecordDocument {
  const { id, ...rest } = record; // serialised by the driver: the caller's object is never kept
  return { _id: id, ...rest } as RecordDocument;
}

function toRecord(document: RecordDocument): ExportRecord {
  const { _id, ...rest } = document;
  return { id: _id, ...rest } as ExportRecord;
}

function toBatch(document: Batch & { _id?: unknown }): Batch {
  const { _id, ...batch } = document;
  return batch;
}

function recordFilter(query: RecordQuery): Filter<RecordDocument> {
  const filter: Record<string, unknown> = {};
  if (query.type !== undefined) filter.type = query.type;
  if (query.office !== undefined) filter.office = query.office;
  if (query.status !== undefined) filter.status = query.status;
  if (query.startBefore !== undefined) filter.startDate = { $lt: query.startBefore };
  if (query.batchKey !== undefined) filter.batchKey = query.batchKey;
  return filter as Filter<RecordDocument>;
}

export interface MongoStoreOptions {
  /** Database name; default `esrExport`. */
  dbName?: string;
  /** How long an operation waits for a usable server before it fails as unavailable; default 5,000 ms. */
  serverSelectionTimeoutMS?: number;
}

/**
 * `Store` on MongoDB. Every method goes through `call`, which wraps connection failures into
 * `StoreUnavailableError` once. Transactions (`incrementCounterInTransaction`) need a replica set.
 * The store owns its client: `close()` closes it.
 */
export class MongoStore implements Store {
  private readonly db: Db;
  private readonly records: Collection<RecordDocument>;
  private readonly batches: Collection<Batch>;
  private readonly counters: Collection<CounterDocument>;

  constructor(
    private readonly client: MongoClient,
    dbName: string = DEFAULT_DB_NAME,
  ) {
    this.db = client.db(dbName);
    this.records = this.db.collection<RecordDocument>(COLLECTIONS.records);
    this.batches = this.db.collection<Batch>(COLLECTIONS.batches);
    this.counters = this.db.collection<CounterDocument>(COLLECTIONS.counters);
  }

  /** Connects (failing as `StoreUnavailableError` when no server answers) and returns the store. */
  static async connect(uri: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
      ignoreUndefined: true,
    });
    const store = new MongoStore(client, options.dbName);
    try {
      await store.call('connect', () => client.connect());
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private async call<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }

  async init(): Promise<void> {
    await this.call('init', async () => {
      // Explicit creation: a transaction may not be the first writer of a collection on older servers.
      const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
      for (const name of Object.values(COLLECTIONS)) {
        if (!existing.has(name)) await this.createCollectionIfMissing(name);
      }
      // Equality fields first, the range (startDate) last: serves findExportable.
      await this.records.createIndex({ type: 1, office: 1, status: 1, batchKey: 1, startDate: 1 }, { name: 'exportable' });
      await this.records.createIndex({ batchKey: 1 }, { name: 'byBatch' });
      // The audit: TO_EXPORT records whose start date is close.
      await this.records.createIndex({ status: 1, startDate: 1 }, { name: 'byStatusAndStart' });
      await this.batches.createIndex({ key: 1 }, { name: 'key', unique: true });
      await this.batches.createIndex({ type: 1, office: 1, state: 1 }, { name: 'unfinished' });
    });
  }

  private async createCollectionIfMissing(name: string): Promise<void> {
    try {
      await this.db.createCollection(name);
    } catch (error) {
      const NAMESPACE_EXISTS = 48; // another process created it between our list and create
      if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async insertRecords(records: readonly ExportRecord[]): Promise<void> {
    if (records.length === 0) return; // insertMany rejects an empty batch
    await this.call('insertRecords', async () => {
      try {
        await this.records.insertMany(records.map(toDocument), { ordered: true });
      } catch (error) {
        if (isDuplicateKeyError(error)) throw new Error(`duplicate record id in insertRecords: ${messageOf(error)}`, { cause: error });
        throw error;
      }
    });
  }

  async findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): Promise<ExportRecord[]> {
    return this.findRecordDocuments('findExportable', {
      type,
      office,
      status: 'TO_EXPORT',
      batchKey: null,
      startDate: { $gte: from, $lte: to },
    } as Filter<RecordDocument>);
  }

  async findRecords(query: RecordQuery): Promise<ExportRecord[]> {
    return this.findRecordDocuments('findRecords', recordFilter(query));
  }

  private async findRecordDocuments(operation: string, filter: Filter<RecordDocument>): Promise<ExportRecord[]> {
    const documents = await this.call(operation, () => this.records.find(filter).toArray());
    return documents.map((document) => toRecord(document as RecordDocument)).sort(byId);
  }

  async claimRecords(batchKey: string, ids: readonly string[]): Promise<number> {
    const unique = [...new Set(ids)];
    return this.call('claimRecords', async () => {
      // Each document's update is atomic, so of two batches racing for a record exactly one sets it.
      await this.records.updateMany(
        { _id: { $in: unique }, status: 'TO_EXPORT', batchKey: null } as Filter<RecordDocument>,
        { $set: { batchKey } },
      );
      return this.records.countDocuments({ _id: { $in: unique }, status: 'TO_EXPORT', batchKey } as Filter<RecordDocument>);
    });
  }

  async markExported(batchKey: string, fileName: string, exportedAt: number): Promise<number> {
    return this.call('markExported', async () => {
      const result = await this.records.updateMany({ batchKey, status: 'TO_EXPORT' } as Filter<RecordDocument>, {
        $set: { status: 'EXPORTED', fileName, exportedAt },
      });
      return result.modifiedCount;
    });
  }

  async findBatch(key: string): Promise<Batch | null> {
    const document = await this.call('findBatch', () => this.batches.findOne({ key }));
    return document ? toBatch(document) : null;
  }

  async findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]> {
    const documents = await this.call('findUnfinishedBatches', () =>
      this.batches.find({ type, office, state: { $ne: 'complete' } }).toArray(),
    );
    return documents.map(toBatch).sort(byKey);
  }

  async listBatches(): Promise<Batch[]> {
    const documents = await this.call('listBatches', () => this.batches.find({}).toArray());
    return documents.map(toBatch).sort(byKey);
  }

  async createBatch(batch: Batch): Promise<'created' | 'exists'> {
    return this.call('createBatch', async () => {
      try {
        // A copy: insertOne adds `_id` to the document it is given.
        await this.batches.insertOne(structuredClone(batch));
        return 'created';
      } catch (error) {
        if (isDuplicateKeyError(error)) return 'exists';
        throw error;
      }
    });
  }

  async advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean> {
    return this.call('advanceBatch', async () => {
      const result = await this.batches.updateOne({ key, state: from }, { $set: { state: to } });
      return result.matchedCount === 1;
    });
  }

  async readCounter(name: string): Promise<CounterValue> {
    const document = await this.call('readCounter', () => this.counters.findOne({ _id: name }));
    return document ? { value: document.value, version: document.version } : { value: 0, version: 0 };
  }

  async compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean> {
    return this.call('compareAndSetCounter', async () => {
      if (expectedVersion === 0) {
        try {
          await this.counters.insertOne({ _id: name, value, version: 1 });
          return true;
        } catch (error) {
          if (isDuplicateKeyError(error)) return false; // someone created it first
          throw error;
        }
      }
      const result = await this.counters.updateOne(
        { _id: name, version: expectedVersion },
        { $set: { value }, $inc: { version: 1 } },
      );
      return result.matchedCount === 1;
    });
  }

  async incrementCounter(name: string): Promise<number> {
    return this.call('incrementCounter', async () => {
      try {
        return await this.incrementOnce(name);
      } catch (error) {
        // Two upserts of a missing counter can both try the insert; the loser's retry is a plain update.
        if (isDuplicateKeyError(error)) return this.incrementOnce(name);
        throw error;
      }
    });
  }

  private async incrementOnce(name: string): Promise<number> {
    const document = await this.counters.findOneAndUpdate(
      { _id: name },
      { $inc: { value: 1, version: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    assert.ok(document, `upsert of counter ${name} returned no document`);
    return document.value;
  }

  /**
   * Read, then versioned write, inside one transaction. No automatic retry (not `withTransaction`):
   * the conflict must reach the handler, which is what this strategy exists to model.
   */
  async incrementCounterInTransaction(name: string): Promise<number> {
    return this.call('incrementCounterInTransaction', async () => {
      const session = this.client.startSession();
      try {
        session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
        const next = await this.incrementInSession(name, session);
        await session.commitTransaction();
        return next;
      } catch (error) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        if (error instanceof WriteConflictError || isUnavailableError(error) || !isTransactionConflict(error)) throw error;
        throw new WriteConflictError(`counter ${name}: a concurrent transaction wrote it first`, { cause: error });
      } finally {
        await session.endSession();
      }
    });
  }

  private async incrementInSession(name: string, session: ClientSession): Promise<number> {
    const current = await this.counters.findOne({ _id: name }, { session });
    const next = (current?.value ?? 0) + 1;
    if (current === null) {
      await this.counters.insertOne({ _id: name, value: next, version: 1 }, { session });
      return next;
    }
    const result = await this.counters.updateOne(
      { _id: name, version: current.version },
      { $set: { value: next }, $inc: { version: 1 } },
      { session },
    );
    if (result.matchedCount !== 1) throw new WriteConflictError(`counter ${name}: version ${current.version} is stale`);
    return next;
  }
}
