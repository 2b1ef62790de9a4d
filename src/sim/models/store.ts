import type { IsoDate } from '../../domain/dates.js';
import type { OfficeCode } from '../../domain/offices.js';
import type { Random } from '../../domain/random.js';
import type { ExportRecord, FileType } from '../../domain/records.js';
import type { Outbox } from '../../engine/outbox.js';
import { StoreUnavailableError, WriteConflictError } from '../../store/errors.js';
import type { MemoryState } from '../../store/memory.js';
import type { Batch, BatchState, CounterValue, RecordQuery, Store } from '../../store/store.js';
import type { Access } from '../scheduler.js';
import type { StoreOperation } from '../scenario-types.js';

/** What the store model needs of time: the virtual `Scheduler`, or real time for `--real`. */
export interface Timekeeper {
  now(): number;
  delay<T>(delayMs: number, label: string, work: () => T | Promise<T>, access?: Access | null): Promise<T>;
}

export interface Interval {
  fromMs: number;
  toMs: number;
}

export interface StoreTiming {
  /** Base latency of every store operation. */
  latencyMs: number;
  /** Base latency of the operations named, instead of `latencyMs`. */
  operationLatencyMs?: Partial<Record<StoreOperation, number>>;
  /** Extra latency drawn uniformly in [0, jitterMs] per operation from the seed. */
  jitterMs: number;
  /** Latency of writing one file to the outbox. */
  writeFileMs: number;
}

/**
 * The contended steps, for `explore`: the operations on the Counter, shared by every office's
 * command. Everything else a command touches belongs to its office's batch alone (duplicates of one
 * command also race on the batch; `sweep` covers those, `explore` does not order them).
 */
const counter = (name: string, write: boolean): Access => ({ resource: `counter:${name}`, write });

/**
 * MongoDB as the handler sees it: every call takes virtual time and happens, atomically, at the
 * instant it completes. Between a counter read and the versioned write other handlers run, which
 * is how the optimistic strategy loses races; a transaction is read → delay → conditional write.
 * During an outage every operation fails with StoreUnavailableError.
 */
export class SimStore implements Store {
  operations = 0;

  constructor(
    private readonly inner: MemoryState,
    private readonly scheduler: Timekeeper,
    private readonly random: Random,
    private readonly timing: StoreTiming,
    private readonly outages: readonly Interval[],
  ) {}

  private latency(name: StoreOperation): number {
    const base = this.timing.operationLatencyMs?.[name] ?? this.timing.latencyMs;
    return base + (this.timing.jitterMs > 0 ? this.random.int(0, this.timing.jitterMs) : 0);
  }

  private op<T>(name: StoreOperation, work: () => T, access: Access | null = null): Promise<T> {
    this.operations++;
    return this.scheduler.delay(this.latency(name), `store.${name}`, this.outages.length === 0 ? work : () => {
      const now = this.scheduler.now();
      const outage = this.outages.find((o) => now >= o.fromMs && now < o.toMs);
      if (outage) throw new StoreUnavailableError(`store unavailable (simulated outage until ${new Date(outage.toMs).toISOString()})`);
      return work();
    }, access);
  }

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  /** Seeding the data set is not part of the run: no latency. */
  async insertRecords(records: readonly ExportRecord[]): Promise<void> {
    this.inner.insertRecords(records);
  }
  findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): Promise<ExportRecord[]> {
    return this.op('findExportable', () => this.inner.findExportable(type, office, from, to));
  }
  claimRecords(batchKey: string, ids: readonly string[]): Promise<number> {
    return this.op('claimRecords', () => this.inner.claimRecords(batchKey, ids));
  }
  markExported(batchKey: string, fileName: string, exportedAt: number): Promise<number> {
    return this.op('markExported', () => this.inner.markExported(batchKey, fileName, exportedAt));
  }
  findRecords(query: RecordQuery): Promise<ExportRecord[]> {
    return this.op('findRecords', () => this.inner.findRecords(query));
  }
  findBatch(key: string): Promise<Batch | null> {
    return this.op('findBatch', () => this.inner.findBatch(key));
  }
  findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]> {
    return this.op('findUnfinishedBatches', () => this.inner.findUnfinishedBatches(type, office));
  }
  listBatches(): Promise<Batch[]> {
    return this.op('listBatches', () => this.inner.listBatches());
  }
  createBatch(batch: Batch): Promise<'created' | 'exists'> {
    return this.op('createBatch', () => this.inner.createBatch(batch));
  }
  advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean> {
    return this.op('advanceBatch', () => this.inner.advanceBatch(key, from, to));
  }
  readCounter(name: string): Promise<CounterValue> {
    return this.op('readCounter', () => this.inner.readCounter(name), counter(name, false));
  }
  compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean> {
    return this.op('compareAndSetCounter', () => this.inner.compareAndSetCounter(name, expectedVersion, value), counter(name, true));
  }
  incrementCounter(name: string): Promise<number> {
    return this.op('incrementCounter', () => this.inner.incrementCounter(name), counter(name, true));
  }

  /** Read, then after another latency a write that fails if anyone wrote in between (WriteConflict, code 112). */
  async incrementCounterInTransaction(name: string): Promise<number> {
    const read = await this.readCounter(name);
    const written = await this.op(
      'commitTransaction',
      () => this.inner.compareAndSetCounter(name, read.version, read.value + 1),
      counter(name, true),
    );
    if (!written) throw new WriteConflictError(`WriteConflict (112) on counter ${name}: TransientTransactionError`);
    return read.value + 1;
  }
}

/** The outbox with a write latency, so writing a file takes virtual time like everything else. */
export class SimOutbox implements Outbox {
  /** When each file was written (absolute ms): the instant a file-level invariant can break. */
  private readonly written = new Map<string, number>();

  constructor(
    readonly inner: Outbox,
    private readonly scheduler: Timekeeper,
    private readonly writeFileMs: number,
  ) {}

  write(fileName: string, content: string): Promise<void> {
    return this.scheduler.delay(this.writeFileMs, 'outbox.write', () => {
      if (!this.written.has(fileName)) this.written.set(fileName, this.scheduler.now());
      return this.inner.write(fileName, content);
    });
  }

  /** Write instants relative to `startMs`. */
  writtenAt(startMs: number): Map<string, number> {
    return new Map([...this.written].map(([name, at]) => [name, at - startMs]));
  }
  read(fileName: string): Promise<string | null> {
    return this.inner.read(fileName);
  }
  list(): Promise<string[]> {
    return this.inner.list();
  }
}
