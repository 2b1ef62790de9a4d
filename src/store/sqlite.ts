import { closeSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../config/input-error.js';
import type { IsoDate } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import type { ExportRecord, FileType, RecordStatus } from '../domain/records.js';
import { StoreUnavailableError, WriteConflictError } from './errors.js';
import type { Batch, BatchState, CounterValue, RecordQuery, Store } from './store.js';

/**
 * The embedded store: one SQLite file (better-sqlite3), shared safely by several processes.
 *
 * Durability: WAL with synchronous=FULL, so every Store method's transaction is on disk when the
 * method returns. The handler relies on that between its steps: the batch (and its sequence
 * number) must survive before the file is written, or a restart would number the same records
 * again. NORMAL would survive `kill -9` but not a power cut, which can lose the last commits
 * while the fsynced .DAT stays.
 *
 * Concurrency: each method is one transaction; writers take the lock up front (BEGIN IMMEDIATE)
 * and wait for it up to `busyTimeoutMs`, so read-modify-writes never interleave across processes.
 */
export interface SqliteStoreOptions {
  /** How long a statement waits for another process's lock before failing as unavailable; default 10,000 ms. */
  busyTimeoutMs?: number;
}

/** Written into the file header (`PRAGMA application_id`) so a foreign SQLite file is refused, not altered. */
const APPLICATION_ID = 0x45535231; // "ESR1"
const SCHEMA_VERSION = 2;
/** Version 1 kept each record's body in its `records` row; version 2 moves it to `record_bodies` (same rowid). */
const MIGRATE_FROM_1 = `
CREATE TABLE record_bodies (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO record_bodies (rowid, body) SELECT rowid, body FROM records;
ALTER TABLE records DROP COLUMN body;
`;
const SQLITE_HEADER = 'SQLite format 3\0';
const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Rowid tables for records and batches: their rows (about 1 KB of JSON) are too large for WITHOUT
 * ROWID, which measured 40× slower reads. A record's JSON body lives in `record_bodies` under the
 * record's rowid, apart from the columns a claim or a mark changes: an UPDATE rewrites the whole row,
 * and with the body in it every claim and mark rewrote ~1 KB per record.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  office TEXT NOT NULL,
  start_date TEXT NOT NULL,
  status TEXT NOT NULL,
  batch_key TEXT,
  file_name TEXT,
  exported_at INTEGER
);
CREATE TABLE IF NOT EXISTS record_bodies (
  rowid INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
-- Partial indexes: a record leaves them when claimed or exported, so a claim or a mark touches fewer index rows.
CREATE INDEX IF NOT EXISTS records_exportable ON records (type, office, start_date) WHERE status = 'TO_EXPORT' AND batch_key IS NULL;
CREATE INDEX IF NOT EXISTS records_by_batch ON records (batch_key, status);
CREATE INDEX IF NOT EXISTS records_to_export_by_start ON records (start_date) WHERE status = 'TO_EXPORT';
CREATE TABLE IF NOT EXISTS batches (
  key TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  office TEXT NOT NULL,
  state TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_unfinished ON batches (type, office, state);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** A record row: the fields the store queries or changes are columns; the rest is JSON in `body`. */
interface RecordRow {
  id: string;
  type: FileType;
  office: OfficeCode;
  start_date: IsoDate;
  status: RecordStatus;
  batch_key: string | null;
  file_name: string | null;
  exported_at: number | null;
  body: string;
}

interface BatchRow {
  state: BatchState;
  body: string;
}

function toRow(record: ExportRecord): RecordRow {
  const { id, type, office, startDate, status, batchKey, fileName, exportedAt, ...rest } = record;
  return {
    id,
    type,
    office,
    start_date: startDate,
    status,
    batch_key: batchKey,
    file_name: fileName,
    exported_at: exportedAt,
    body: JSON.stringify(rest),
  };
}

/** The parsed body is a fresh object: the columns are set on it (a spread into another copy doubled the read time). */
function toRecord(row: RecordRow): ExportRecord {
  const record = JSON.parse(row.body) as ExportRecord;
  record.id = row.id;
  record.type = row.type;
  record.office = row.office;
  record.startDate = row.start_date;
  record.status = row.status;
  record.batchKey = row.batch_key;
  record.fileName = row.file_name;
  record.exportedAt = row.exported_at;
  return record;
}

function toBatch(row: BatchRow): Batch {
  return { ...(JSON.parse(row.body) as Omit<Batch, 'state'>), state: row.state };
}

/** Sorted here, in JavaScript string order (UTF-16), like the other stores: SQLite compares UTF-8 bytes. */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byKey = (a: Batch, b: Batch) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** SQLite result codes that mean "the file cannot be used right now" (lock held too long, disk trouble), not a bug. */
function isUnavailable(error: unknown): boolean {
  const code = error instanceof Database.SqliteError ? error.code : '';
  return /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/.test(code);
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

function isPrimaryKeyViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Refuses, before SQLite touches it, a file that is not a SQLite database (e.g. an old JSON `--state` snapshot). */
function assertSqliteOrAbsent(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StoreUnavailableError(`cannot open the store file ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, header, 0, header.length, 0);
    if (read === 0) return; // an empty file: SQLite makes it a database
    if (header.toString('latin1', 0, read) === SQLITE_HEADER) return;
    const looksJson = header.toString('utf8', 0, read).trimStart().startsWith('{');
    throw new InputError(
      file,
      null,
      null,
      looksJson
        ? 'an old JSON state snapshot; the store is now a SQLite file: give --state a new path and seed it again'
        : 'not a SQLite store file (expected an esr-export SQLite database)',
    );
  } finally {
    closeSync(fd);
  }
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.statements = prepare(db);
  }

  /** Opens (creating if absent) the store at `file`; `':memory:'` for a throwaway one. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (file !== ':memory:') assertSqliteOrAbsent(file);
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    } catch (error) {
      throw toStoreError('open', error);
    }
    try {
      migrate(db, file);
      return new SqliteStore(file, db);
    } catch (error) {
      db.close();
      throw toStoreError('open', error);
    }
  }

  /** Runs a body synchronously and maps SQLite's errors to the store's typed errors once. */
  private call<T>(operation: string, body: () => T): Promise<T> {
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(toStoreError(operation, error));
    }
  }

  /** A write transaction that takes the write lock first (BEGIN IMMEDIATE). */
  private write<T>(operation: string, body: () => T): Promise<T> {
    return this.call(operation, () => this.db.transaction(body).immediate());
  }

  async init(): Promise<void> {} // the schema is created by open()

  /** What the store is, read back from SQLite itself: e.g. `SQLite store s.db (WAL, synchronous=FULL)`. */
  describe(): string {
    const journal = String(this.db.pragma('journal_mode', { simple: true })).toUpperCase();
    const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][this.db.pragma('synchronous', { simple: true }) as number];
    return `SQLite store ${this.file} (${journal}, synchronous=${synchronous})`;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  insertRecords(records: readonly ExportRecord[]): Promise<void> {
    return this.write('insertRecords', () => {
      for (const record of records) {
        try {
          const { body, ...row } = toRow(record);
          const { lastInsertRowid } = this.statements.insertRecord.run(row);
          this.statements.insertBody.run(lastInsertRowid, body);
        } catch (error) {
          // The transaction rolls back: none of this call's records are kept.
          if (isPrimaryKeyViolation(error)) throw new Error(`duplicate record id ${record.id}`, { cause: error });
          throw error;
        }
      }
    });
  }

  findExportable(type: FileType, office: OfficeCode, from: IsoDate, to: IsoDate): Promise<ExportRecord[]> {
    return this.call('findExportable', () =>
      (this.statements.findExportable.all(type, office, from, to) as RecordRow[]).map(toRecord).sort(byId),
    );
  }

  claimRecords(batchKey: string, ids: readonly string[]): Promise<number> {
    const unique = JSON.stringify([...new Set(ids)]);
    return this.write('claimRecords', () => {
      this.statements.claim.run(batchKey, unique);
      return (this.statements.countOwned.get(unique, batchKey) as { n: number }).n;
    });
  }

  markExported(batchKey: string, fileName: string, exportedAt: number): Promise<number> {
    return this.write('markExported', () => this.statements.markExported.run(fileName, exportedAt, batchKey).changes);
  }

  findRecords(query: RecordQuery): Promise<ExportRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const equal = (column: string, value: unknown) => {
      where.push(`${column} = ?`);
      values.push(value);
    };
    if (query.type !== undefined) equal('type', query.type);
    if (query.office !== undefined) equal('office', query.office);
    if (query.status !== undefined) equal('status', query.status);
    if (query.startBefore !== undefined) {
      where.push('start_date < ?');
      values.push(query.startBefore);
    }
    if (query.batchKey === null) where.push('batch_key IS NULL');
    else if (query.batchKey !== undefined) equal('batch_key', query.batchKey);
    const sql = `${SELECT_RECORDS}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
    return this.call('findRecords', () => (this.db.prepare(sql).all(...values) as RecordRow[]).map(toRecord).sort(byId));
  }

  findBatch(key: string): Promise<Batch | null> {
    return this.call('findBatch', () => {
      const row = this.statements.findBatch.get(key) as BatchRow | undefined;
      return row ? toBatch(row) : null;
    });
  }

  findUnfinishedBatches(type: FileType, office: OfficeCode): Promise<Batch[]> {
    return this.call('findUnfinishedBatches', () => (this.statements.unfinished.all(type, office) as BatchRow[]).map(toBatch).sort(byKey));
  }

  listBatches(): Promise<Batch[]> {
    return this.call('listBatches', () => (this.statements.listBatches.all() as BatchRow[]).map(toBatch).sort(byKey));
  }

  createBatch(batch: Batch): Promise<'created' | 'exists'> {
    const { state, ...rest } = batch;
    return this.write('createBatch', () =>
      this.statements.createBatch.run(batch.key, batch.type, batch.office, state, JSON.stringify(rest)).changes === 1 ? 'created' : 'exists',
    );
  }

  advanceBatch(key: string, from: BatchState, to: BatchState): Promise<boolean> {
    return this.write('advanceBatch', () => this.statements.advanceBatch.run(to, key, from).changes === 1);
  }

  readCounter(name: string): Promise<CounterValue> {
    return this.call('readCounter', () => this.readCounterNow(name));
  }

  private readCounterNow(name: string): CounterValue {
    return (this.statements.readCounter.get(name) as CounterValue | undefined) ?? { value: 0, version: 0 };
  }

  compareAndSetCounter(name: string, expectedVersion: number, value: number): Promise<boolean> {
    return this.write('compareAndSetCounter', () => {
      const result =
        expectedVersion === 0
          ? this.statements.createCounter.run(name, value)
          : this.statements.setCounter.run(value, name, expectedVersion);
      return result.changes === 1;
    });
  }

  incrementCounter(name: string): Promise<number> {
    return this.write('incrementCounter', () => (this.statements.incrementCounter.get(name) as { value: number }).value);
  }

  /**
   * Read, then versioned write, in one DEFERRED transaction: the write lock is taken only at the
   * write. If another process committed in between (SQLITE_BUSY_SNAPSHOT) or holds the write lock
   * (SQLite refuses to wait when upgrading a read transaction: SQLITE_BUSY), the write fails: that is
   * the conflict this strategy exists to model, reported as WriteConflictError, never retried here.
   */
  incrementCounterInTransaction(name: string): Promise<number> {
    return this.call('incrementCounterInTransaction', () => {
      try {
        return this.db.transaction(() => {
          const current = this.readCounterNow(name);
          const next = current.value + 1;
          const result =
            current.version === 0
              ? this.statements.createCounter.run(name, next)
              : this.statements.setCounter.run(next, name, current.version);
          if (result.changes !== 1) throw new WriteConflictError(`counter ${name}: version ${current.version} is stale`);
          return next;
        }).deferred();
      } catch (error) {
        if (isBusy(error)) throw new WriteConflictError(`counter ${name}: a concurrent transaction wrote it first`, { cause: error });
        throw error;
      }
    });
  }
}

function toStoreError(operation: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof WriteConflictError || error instanceof InputError) return error;
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`SQLite store unavailable during ${operation}: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof Database.SqliteError && (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT')) {
    return new StoreUnavailableError(`SQLite store file is damaged (${error.code}) during ${operation}: ${error.message}`, { cause: error });
  }
  return error;
}

/** Sets the durability pragmas and creates (or checks) the schema, refusing a foreign or newer database. */
function migrate(db: Database.Database, file: string): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.transaction(() => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
    if (applicationId === 0 && version === 0 && tables === 0) {
      db.exec(SCHEMA);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return;
    }
    if (applicationId !== APPLICATION_ID) throw new InputError(file, null, null, 'a SQLite database that is not an esr-export store');
    if (version === 1) {
      db.exec(MIGRATE_FROM_1);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return;
    }
    if (version !== SCHEMA_VERSION) {
      throw new InputError(file, null, null, `store schema version ${version}; this esr-export reads version ${SCHEMA_VERSION}`);
    }
  }).immediate();
}

/** Records with their bodies: `WHERE` clauses name the `records` columns unqualified (the body table has only `body` besides its rowid). */
const SELECT_RECORDS = 'SELECT records.*, record_bodies.body FROM records JOIN record_bodies ON record_bodies.rowid = records.rowid';

function prepare(db: Database.Database) {
  return {
    insertRecord: db.prepare(
      'INSERT INTO records (id, type, office, start_date, status, batch_key, file_name, exported_at) ' +
        'VALUES (@id, @type, @office, @start_date, @status, @batch_key, @file_name, @exported_at)',
    ),
    insertBody: db.prepare('INSERT INTO record_bodies (rowid, body) VALUES (?, ?)'),
    findExportable: db.prepare(
      `${SELECT_RECORDS} WHERE type = ? AND office = ? AND status = 'TO_EXPORT' AND batch_key IS NULL AND start_date BETWEEN ? AND ?`,
    ),
    // The ids arrive as one JSON array (json_each): one statement for thousands of ids.
    claim: db.prepare(
      "UPDATE records SET batch_key = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'TO_EXPORT' AND batch_key IS NULL",
    ),
    countOwned: db.prepare(
      "SELECT count(*) AS n FROM records WHERE id IN (SELECT value FROM json_each(?)) AND status = 'TO_EXPORT' AND batch_key = ?",
    ),
    markExported: db.prepare("UPDATE records SET status = 'EXPORTED', file_name = ?, exported_at = ? WHERE batch_key = ? AND status = 'TO_EXPORT'"),
    findBatch: db.prepare('SELECT state, body FROM batches WHERE key = ?'),
    unfinished: db.prepare("SELECT state, body FROM batches WHERE type = ? AND office = ? AND state != 'complete'"),
    listBatches: db.prepare('SELECT state, body FROM batches'),
    createBatch: db.prepare('INSERT INTO batches (key, type, office, state, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING'),
    advanceBatch: db.prepare('UPDATE batches SET state = ? WHERE key = ? AND state = ?'),
    readCounter: db.prepare('SELECT value, version FROM counters WHERE name = ?'),
    createCounter: db.prepare('INSERT INTO counters (name, value, version) VALUES (?, ?, 1) ON CONFLICT (name) DO NOTHING'),
    setCounter: db.prepare('UPDATE counters SET value = ?, version = version + 1 WHERE name = ? AND version = ?'),
    incrementCounter: db.prepare(
      'INSERT INTO counters (name, value, version) VALUES (?, 1, 1) ' +
        'ON CONFLICT (name) DO UPDATE SET value = value + 1, version = version + 1 RETURNING value',
    ),
  };
}
