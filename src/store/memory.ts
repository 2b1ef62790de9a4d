import type { IsoDate } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import { isFrozenRecord, type ExportRecord, type FileType, type TraineeRef } from '../domain/records.js';
import type { Batch, BatchState, CounterValue, RecordQuery, Store } from './store.js';

/**
 * A deep copy of a record, field by field: spreading a frozen record takes V8's slow path (a tenth
 * of a simulated run), spreading even a fresh object costs more than naming its fields, and
 * structuredClone was slower still. The record types make every field required here.
 */
function cloneRecord(r: ExportRecord): ExportRecord {
  const { id, office, startDate, status, batchKey, fileName, exportedAt, generationError } = r;
  if (r.type === 'DNC') {
    return {
      type: 'DNC',
      id,
      office,
      startDate,
      status,
      batchKey,
      fileName,
      exportedAt,
      generationError,
      titleCode: r.titleCode,
      deaneryPostNumber: r.deaneryPostNumber,
      managingOffice: r.managingOffice,
      positionId: r.positionId,
      currentTrainee: r.currentTrainee && cloneTrainee(r.currentTrainee),
      nextTrainee: r.nextTrainee && cloneTrainee(r.nextTrainee),
      workingHours: r.workingHours,
    };
  }
  const { address1, town, county, postcode, country } = r.address;
  return {
    type: 'APP',
    id,
    office,
    startDate,
    status,
    batchKey,
    fileName,
    exportedAt,
    generationError,
    placementId: r.placementId,
    effectiveDate: r.effectiveDate,
    title: r.title,
    lastName: r.lastName,
    firstName: r.firstName,
    middleNames: r.middleNames,
    dob: r.dob,
    gender: r.gender,
    address: { address1, town, county, postcode, country },
    phone: r.phone,
    email: r.email,
    nationality: r.nationality,
    ukNino: r.ukNino,
    nationalTrainingNumber: r.nationalTrainingNumber,
    gmcNumber: r.gmcNumber,
    positionId: r.positionId,
    positionNumber: r.positionNumber,
    deaneryPostNumber: r.deaneryPostNumber,
    projectedHireDate: r.projectedHireDate,
    projectedEndDate: r.projectedEndDate,
  };
}

function cloneTrainee(t: TraineeRef): TraineeRef {
  return { lastName: t.lastName, firstName: t.firstName, gmcNumber: t.gmcNumber, startDate: t.startDate, endDate: t.endDate };
}

/** What crosses the store's edge, in or out: a frozen record as it is, any other a copy. */
function acrossTheEdge(record: ExportRecord): ExportRecord {
  return isFrozenRecord(record) ? record : cloneRecord(record);
}

/** A copy of a batch (its one array included); structuredClone cost a twentieth of a simulated run. */
function cloneBatch(batch: Batch): Batch {
  return { ...batch, recordIds: [...batch.recordIds] };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The Store's operations, answered at once: what the in-memory store does behind its promises. */
export type SyncStore = {
  [K in Exclude<keyof Store, 'init' | 'close' | 'incrementCounterInTransaction'>]: Store[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/**
 * The in-memory store's contents and operations, synchronous: MemoryStore is this behind the Store
 * interface; the simulator calls it directly inside its own virtual latency (a promise per
 * operation less). Same semantics as the Mongo store (held to the same contract suite), copies in
 * and out so callers never share state with it — except frozen records (freezeRecord), which
 * nobody can change: one that comes in frozen is kept and handed out as it is until the store
 * changes it (it changes a copy of its own). The simulator loads one frozen data set into a fresh
 * store for every seed. Every method is atomic, like a single-document MongoDB operation; the
 * simulator adds latency and interleaving around them.
 */
export class MemoryState implements SyncStore {
  private readonly records = new Map<string, ExportRecord>();
  /** Records per office and type, so selection does not scan other offices. */
  private readonly byOfficeAndType = new Map<string, Set<string>>();
  /** Records per owning batch, so a batch's records are found without a scan. */
  private readonly byBatch = new Map<string, Set<string>>();
  private readonly batches = new Map<string, Batch>();
  /** Batches not yet complete, per type and office: every command asks for its office's. */
  private readonly unfinished = new Map<string, Set<Batch>>();
  private readonly counters = new Map<string, CounterValue>();

  insertRecords(records: readonly ExportRecord[]): void {
    const incoming = new Set<string>();
    for (const record of records) {
      if (this.records.has(record.id) || incoming.has(record.id)) throw new Error(`duplicate record id ${record.id}`);
      incoming.add(record.id);
    }
    for (const record of records) {
      this.records.set(record.id, acrossTheEdge(record));
      if (record.batchKey !== null) this.indexBatch(record.batchKey, record.id);
      const key = `${record.type}:${record.office}`;
      let ids = this.byOfficeAndType.get(key);
      if (!ids) this.byOfficeAndType.set(key, (ids = new Set()));
      ids.add(record.id);
    }
  }

  /** The record, ready to be changed: a frozen one is replaced by the store's own copy first. */
  private writable(record: ExportRecord): ExportRecord {
    if (!isFrozenRecord(record)) return record;
    const copy = cloneRecord(record);
    this.records.set(copy.id, copy);
    return copy;
  }

  private indexBatch(batchKey: string, id: string): void {
    let ids = this.byBatch.get(batchKey);
    if (!ids) this.byBatch.set(batchKey, (ids = new Set()));
    ids.add(id);
  }

  findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): ExportRecord[] {
    const found: ExportRecord[] = [];
    for (const id of this.byOfficeAndType.get(`${type}:${office}`) ?? []) {
      const record = this.records.get(id)!;
      if (record.status === 'TO_EXPORT' && record.batchKey === null && record.startDate >= from && record.startDate <= to) {
        found.push(acrossTheEdge(record));
      }
    }
    return found.sort(byId);
  }

  claimRecords(batchKey: string, ids: readonly string[]): number {
    let ours = 0;
    for (const id of new Set(ids)) { // an id listed twice is still one record
      const record = this.records.get(id);
      if (!record || record.status !== 'TO_EXPORT') continue;
      if (record.batchKey === null) {
        this.writable(record).batchKey = batchKey;
        this.indexBatch(batchKey, id);
        ours++;
      } else if (record.batchKey === batchKey) ours++;
    }
    return ours;
  }

  markExported(batchKey: string, fileName: string, exportedAt: number): number {
    let changed = 0;
    for (const id of this.byBatch.get(batchKey) ?? []) {
      const stored = this.records.get(id)!;
      if (stored.status === 'TO_EXPORT') {
        const record = this.writable(stored);
        record.status = 'EXPORTED';
        record.fileName = fileName;
        record.exportedAt = exportedAt;
        changed++;
      }
    }
    return changed;
  }

  findRecords(query: RecordQuery): ExportRecord[] {
    const ids =
      typeof query.batchKey === 'string'
        ? this.byBatch.get(query.batchKey)
        : query.type && query.office
          ? this.byOfficeAndType.get(`${query.type}:${query.office}`)
          : undefined;
    const candidates = ids ? [...ids].map((id) => this.records.get(id)!) : [...this.records.values()];
    return candidates
      .filter(
        (r) =>
          (query.type === undefined || r.type === query.type) &&
          (query.office === undefined || r.office === query.office) &&
          (query.status === undefined || r.status === query.status) &&
          (query.startBefore === undefined || r.startDate < query.startBefore) &&
          (query.batchKey === undefined || r.batchKey === query.batchKey),
      )
      .map(acrossTheEdge)
      .sort(byId);
  }

  /**
   * Every record as the store holds it, not copied: for a caller that only reads them, once the
   * store is done with (the simulator's final check of every seed). Not part of the Store contract.
   */
  peekRecords(): readonly Readonly<ExportRecord>[] {
    return [...this.records.values()];
  }

  findBatch(key: string): Batch | null {
    const batch = this.batches.get(key);
    return batch ? cloneBatch(batch) : null;
  }

  findUnfinishedBatches(type: FileType, office: OfficeCode): Batch[] {
    const unfinished = this.unfinished.get(`${type}:${office}`);
    if (!unfinished?.size) return []; // nearly always: every command asks first
    return [...unfinished].map((b) => cloneBatch(b)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  listBatches(): Batch[] {
    return [...this.batches.values()].map((b) => cloneBatch(b)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  createBatch(batch: Batch): 'created' | 'exists' {
    if (this.batches.has(batch.key)) return 'exists';
    const stored = cloneBatch(batch);
    this.batches.set(batch.key, stored);
    this.indexState(stored);
    return 'created';
  }

  advanceBatch(key: string, from: BatchState, to: BatchState): boolean {
    const batch = this.batches.get(key);
    if (!batch || batch.state !== from) return false;
    batch.state = to;
    this.indexState(batch);
    return true;
  }

  private indexState(batch: Batch): void {
    const key = `${batch.type}:${batch.office}`;
    let batches = this.unfinished.get(key);
    if (!batches) this.unfinished.set(key, (batches = new Set()));
    if (batch.state === 'complete') batches.delete(batch);
    else batches.add(batch);
  }

  readCounter(name: string): CounterValue {
    return { ...(this.counters.get(name) ?? { value: 0, version: 0 }) };
  }

  compareAndSetCounter(name: string, expectedVersion: number, value: number): boolean {
    const current = this.counters.get(name) ?? { value: 0, version: 0 };
    if (current.version !== expectedVersion) return false;
    this.counters.set(name, { value, version: expectedVersion + 1 });
    return true;
  }

  incrementCounter(name: string): number {
    const current = this.counters.get(name) ?? { value: 0, version: 0 };
    const next = { value: current.value + 1, version: current.version + 1 };
    this.counters.set(name, next);
    return next.value;
  }

}

/** The in-memory store: a MemoryState behind the Store interface. */
export class MemoryStore implements Store {
  readonly state = new MemoryState();

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async insertRecords(records: readonly ExportRecord[]): Promise<void> {
    this.state.insertRecords(records);
  }
  async findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): Promise<ExportRecord[]> {
    return this.state.findExportable(type, office, from, to);
  }
  async claimRecords(batchKey: string, ids: readonly string[]): Promise<number> {
    return this.state.claimRecords(batchKey, ids);
  }
  async markExported(batchKey: string, fileName: string, exportedAt: number): Promise<number> {
    return this.state.markExported(batchKey, fileName, exportedAt);
  }
  async findRecords(query: RecordQuery): Promise<ExportRecord[]> {
    return this.state.findRecords(query);
  }
  async findBatch(key: string): Promise<Batch | null> {
    return this.state.findBatch(key);
  }
  async findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]> {
    return this.state.findUnfinishedBatches(type, office);
  }
  async listBatches(): Promise<Batch[]> {
    return this.state.listBatches();
  }
  async createBatch(batch: Batch): Promise<'created' | 'exists'> {
    return this.state.createBatch(batch);
  }
  async advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean> {
    return this.state.advanceBatch(key, from, to);
  }
  async readCounter(name: string): Promise<CounterValue> {
    return this.state.readCounter(name);
  }
  async compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean> {
    return this.state.compareAndSetCounter(name, expectedVersion, value);
  }
  async incrementCounter(name: string): Promise<number> {
    return this.state.incrementCounter(name);
  }
  /** In one process a transaction cannot be interleaved; the simulator models its conflicts. */
  async incrementCounterInTransaction(name: string): Promise<number> {
    return this.state.incrementCounter(name);
  }
}
