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
 *
 * Every decision two writers can race for is an insert under a unique index (`claims`,
 * `batchStates`, `counterVersions`), never a conditional update: FerretDB 1.x applies updates as
 * read, change, write without isolation, so two `updateOne({version: 3}, …)` or `$inc` on one
 * document can both succeed there (measured: duplicate `$inc` values). A unique index holds on
 * every MongoDB-compatible server.
 */
export const COLLECTIONS = {
  records: 'records',
  batches: 'batches',
  /** One document per claimed record, `_id` = record id: the first batch to insert it owns the record. */
  claims: 'claims',
  /** One document per batch state reached after creation, `_id` = `KEY>STATE`: the first to insert it made the move. */
  batchStates: 'batchStates',
  /** One document per counter version, `_id` = `NAME:VERSION`: the first to insert version n+1 wrote it. */
  counterVersions: 'counterVersions',
  /** Counters as written before the version log (`{_id: name, value, version}`); read when a counter has no versions yet. */
  legacyCounters: 'counters',
} as const;

export const DEFAULT_DB_NAME = 'esrExport';

/** A record as stored: the id moved into `_id`. Distributes over the union so `type` still narrows. */
type Stored<T> = T extends { id: string } ? Omit<T, 'id'> & { _id: string } : never;
type RecordDocument = Stored<ExportRecord>;
interface CounterDocument {
  _id: string;
  value: number;
  version: number;
}
interface CounterVersionDocument extends CounterDocument {
  name: string;
}
interface ClaimDocument {
  _id: string;
  batchKey: string;
}
interface BatchStateDocument {
  _id: string;
  key: string;
  state: BatchState;
}

/** The order batches move in; a batch's state is the furthest one it reached. */
const BATCH_STATE_ORDER: readonly BatchState[] = ['open', 'written', 'complete'];
const furthest = (a: BatchState, b: BatchState) => (BATCH_STATE_ORDER.indexOf(a) >= BATCH_STATE_ORDER.indexOf(b) ? a : b);

/** How many times the atomic counter retries after losing a version to a concurrent writer. */
const INCREMENT_ATTEMPTS = 1_000;

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

function toBatch(document: Batch & { _id?: unknown }, reached: readonly BatchState[] = []): Batch {
  const { _id, ...batch } = document;
  return { ...batch, state: reached.reduce(furthest, batch.state) };
}

/** What a claim needs of a record. */
type ScopedRecord = Pick<RecordDocument, '_id' | 'type' | 'office' | 'status' | 'batchKey'>;

/** Records grouped by type and office (the key is their JSON), so each update names its scope. */
function groupByScope(records: readonly ScopedRecord[]): Map<string, ScopedRecord[]> {
  const groups = new Map<string, ScopedRecord[]>();
  for (const record of records) {
    const key = JSON.stringify({ type: record.type, office: record.office });
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

/** True when every error of an unordered bulk insert is a duplicate key (the inserts that lost a race). */
function onlyDuplicates(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
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

/** The database a connection string names (`mongodb://host/NAME?…`), if any: it wins over the default. */
export function databaseInUri(uri: string): string | null {
  const path = uri.replace(/^mongodb(\+srv)?:\/\/[^/?]*/, '').replace(/^\//, '').split('?')[0] ?? '';
  return path === '' ? null : decodeURIComponent(path);
}

export interface MongoStoreOptions {
  /** Database name; default: the one the connection string names, else `esrExport`. */
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
  private readonly claims: Collection<ClaimDocument>;
  private readonly batchStates: Collection<BatchStateDocument>;
  private readonly counterVersions: Collection<CounterVersionDocument>;
  private readonly legacyCounters: Collection<CounterDocument>;
  /** The last increment queued per counter in this process. */
  private readonly incrementQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: MongoClient,
    dbName: string = DEFAULT_DB_NAME,
  ) {
    this.db = client.db(dbName);
    this.records = this.db.collection<RecordDocument>(COLLECTIONS.records);
    this.batches = this.db.collection<Batch>(COLLECTIONS.batches);
    this.claims = this.db.collection<ClaimDocument>(COLLECTIONS.claims);
    this.batchStates = this.db.collection<BatchStateDocument>(COLLECTIONS.batchStates);
    this.counterVersions = this.db.collection<CounterVersionDocument>(COLLECTIONS.counterVersions);
    this.legacyCounters = this.db.collection<CounterDocument>(COLLECTIONS.legacyCounters);
  }

  /** Connects (failing as `StoreUnavailableError` when no server answers) and returns the store. */
  static async connect(uri: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
      ignoreUndefined: true,
    });
    const store = new MongoStore(client, options.dbName ?? databaseInUri(uri) ?? DEFAULT_DB_NAME);
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
      await this.claims.createIndex({ batchKey: 1 }, { name: 'byBatch' });
      await this.batchStates.createIndex({ key: 1 }, { name: 'byKey' });
      await this.counterVersions.createIndex({ name: 1, version: -1 }, { name: 'latest' });
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

  /**
   * Each id's claim is an insert into `claims` under its unique `_id`: of two batches racing for a
   * record exactly one inserts it. Only then does the owner set the record's batchKey (a crash in
   * between is repaired by the owner's next claim, which finds its claim and sets it again).
   */
  async claimRecords(batchKey: string, ids: readonly string[]): Promise<number> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return 0;
    return this.call('claimRecords', async () => {
      const claimable = (await this.claimableAmong(unique)).filter((d) => (d.batchKey ?? null) === null || d.batchKey === batchKey);
      if (claimable.length === 0) return 0;
      try {
        await this.claims.insertMany(claimable.map(({ _id }) => ({ _id, batchKey })), { ordered: false });
      } catch (error) {
        if (!onlyDuplicates(error)) throw error; // a duplicate is a record claimed before, by us or by another batch
      }
      // Equality on batchKey alone: FerretDB filters `$in` itself, document by document, after reading them all.
      const claimedByUs = new Set((await this.claims.find({ batchKey }, { projection: { _id: 1 } }).toArray()).map((c) => c._id));
      const ours = claimable.filter((d) => claimedByUs.has(d._id));
      for (const [scope, inScope] of groupByScope(ours)) {
        const { type, office } = JSON.parse(scope) as Pick<RecordDocument, 'type' | 'office'>;
        const idsInScope = inScope.map((d) => d._id);
        await this.records.updateMany({ type, office, status: 'TO_EXPORT', _id: { $in: idsInScope }, batchKey: null } as Filter<RecordDocument>, { $set: { batchKey } });
      }
      return ours.length;
    });
  }

  /**
   * The TO_EXPORT records among `ids` (status and owner only). A batch's ids are one office's of one
   * type, so the query names that scope (learnt from the first id) and no id list: FerretDB 1.x hands
   * only top-level equality to PostgreSQL and checks the rest itself, document by document (an `$in`
   * by walking the whole list), so an `_id: {$in}` claim read and scanned the whole collection.
   * Ids outside the scope are looked up by id.
   */
  private async claimableAmong(ids: readonly string[]): Promise<ScopedRecord[]> {
    const projection = { _id: 1, type: 1, office: 1, status: 1, batchKey: 1 } as const;
    const byIds = async (some: readonly string[]) =>
      (await this.records.find({ _id: { $in: [...some] }, status: 'TO_EXPORT' } as Filter<RecordDocument>, { projection }).toArray()) as ScopedRecord[];
    const first = await this.records.findOne({ _id: ids[0] } as Filter<RecordDocument>, { projection });
    if (!first) return byIds(ids);
    const wanted = new Set(ids);
    const found = (
      (await this.records.find({ type: first.type, office: first.office, status: 'TO_EXPORT' } as Filter<RecordDocument>, { projection }).toArray()) as ScopedRecord[]
    ).filter((d) => wanted.has(d._id));
    for (const d of found) wanted.delete(d._id);
    wanted.delete(first._id); // found above, unless it is no longer TO_EXPORT
    // The rest: another scope, no longer TO_EXPORT, or missing.
    return wanted.size === 0 ? found : found.concat(await byIds([...wanted]));
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
    return this.call('findBatch', async () => {
      const document = await this.batches.findOne({ key });
      return document ? toBatch(document, (await this.statesReached([key])).get(key)) : null;
    });
  }

  async findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]> {
    return this.call('findUnfinishedBatches', async () => {
      // The `state` field trails the state log only after a crash between the two writes: check the log.
      const documents = await this.batches.find({ type, office, state: { $ne: 'complete' } }).toArray();
      const reached = await this.statesReached(documents.map((d) => d.key));
      return documents.map((d) => toBatch(d, reached.get(d.key))).filter((b) => b.state !== 'complete').sort(byKey);
    });
  }

  async listBatches(): Promise<Batch[]> {
    return this.call('listBatches', async () => {
      const documents = await this.batches.find({}).toArray();
      const reached = await this.statesReached(documents.map((d) => d.key));
      return documents.map((d) => toBatch(d, reached.get(d.key))).sort(byKey);
    });
  }

  /** The states each batch has reached after creation, from the state log. */
  private async statesReached(keys: readonly string[]): Promise<Map<string, BatchState[]>> {
    const reached = new Map<string, BatchState[]>();
    if (keys.length === 0) return reached;
    for (const { key, state } of await this.batchStates.find({ key: { $in: [...keys] } }).toArray()) {
      reached.set(key, [...(reached.get(key) ?? []), state]);
    }
    return reached;
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

  /**
   * The move is an insert of `KEY>TO` into the state log (unique `_id`): of two handlers advancing
   * one batch, exactly one inserts it. The batch's `state` field follows, for queries.
   */
  async advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean> {
    return this.call('advanceBatch', async () => {
      const document = await this.batches.findOne({ key });
      if (!document || toBatch(document, (await this.statesReached([key])).get(key)).state !== from) return false;
      try {
        await this.batchStates.insertOne({ _id: `${key}>${to}`, key, state: to });
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
      await this.batches.updateOne({ key }, { $set: { state: to } });
      return true;
    });
  }

  async readCounter(name: string): Promise<CounterValue> {
    return this.call('readCounter', () => this.latestCounter(name));
  }

  /** The counter's latest version, or the counter as written before the version log, or {0, 0}. */
  private async latestCounter(name: string, session?: ClientSession): Promise<CounterValue> {
    const [latest] = await this.counterVersions.find({ name }, { session }).sort({ version: -1 }).limit(1).toArray();
    if (latest) return { value: latest.value, version: latest.version };
    const legacy = await this.legacyCounters.findOne({ _id: name }, { session });
    return legacy ? { value: legacy.value, version: legacy.version } : { value: 0, version: 0 };
  }

  /** Inserts version `expectedVersion + 1` if the latest is still `expectedVersion`; false when another writer got there first. */
  private async writeVersion(name: string, expectedVersion: number, value: number, session?: ClientSession): Promise<boolean> {
    if ((await this.latestCounter(name, session)).version !== expectedVersion) return false;
    return this.insertVersion(name, expectedVersion + 1, value, session);
  }

  /** Inserts the counter's `version`; false when it exists (another writer got there first). Inside a transaction that is a conflict. */
  private async insertVersion(name: string, version: number, value: number, session?: ClientSession): Promise<boolean> {
    try {
      await this.counterVersions.insertOne({ _id: `${name}:${version}`, name, version, value }, { session });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error) && !session) return false;
      throw error;
    }
  }

  async compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean> {
    return this.call('compareAndSetCounter', () => this.writeVersion(name, expectedVersion, value));
  }

  /**
   * Read the latest version and write the next, again until no one else wrote it first: conflicts
   * never reach the caller. Increments from this process queue up per counter, so the races left
   * are with other processes (n racers cost O(n²) round trips; 100 in one process would take seconds).
   */
  async incrementCounter(name: string): Promise<number> {
    const previous = this.incrementQueues.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.call('incrementCounter', () => this.incrementNow(name)));
    const settled = next.catch(() => undefined);
    this.incrementQueues.set(name, settled);
    void settled.then(() => this.incrementQueues.get(name) === settled && this.incrementQueues.delete(name));
    return next;
  }

  private async incrementNow(name: string): Promise<number> {
    for (let attempt = 0; attempt < INCREMENT_ATTEMPTS; attempt++) {
      const { value, version } = await this.latestCounter(name);
      if (await this.insertVersion(name, version + 1, value + 1)) return value + 1;
    }
    throw new WriteConflictError(`counter ${name}: lost ${INCREMENT_ATTEMPTS} races in a row`);
  }

  /**
   * Read, then versioned write, inside one transaction. No automatic retry (not `withTransaction`):
   * the conflict must reach the handler, which is what this strategy exists to model. Needs a
   * replica set; FerretDB 1.x refuses transactions.
   */
  async incrementCounterInTransaction(name: string): Promise<number> {
    return this.call('incrementCounterInTransaction', async () => {
      const session = this.client.startSession();
      try {
        session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
        const { value, version } = await this.latestCounter(name, session);
        if (!(await this.insertVersion(name, version + 1, value + 1, session))) {
          throw new WriteConflictError(`counter ${name}: version ${version} is stale`);
        }
        await session.commitTransaction();
        return value + 1;
      } catch (error) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        if (error instanceof WriteConflictError || isUnavailableError(error) || !isTransactionConflict(error)) throw error;
        throw new WriteConflictError(`counter ${name}: a concurrent transaction wrote it first`, { cause: error });
      } finally {
        await session.endSession();
      }
    });
  }
}
