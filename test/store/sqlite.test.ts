import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/config/input-error.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { appRecord, batch, storeContract } from './store.contract.js';
import { worker } from './worker.js';

const dir = mkdtempSync(join(tmpdir(), 'esr-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(dir, `store-${++files}.sqlite`);

storeContract('SqliteStore', async () => SqliteStore.open(newFile()));

describe('SqliteStore on disk', () => {
  it('runs in WAL mode with synchronous=FULL, as SQLite itself reports, so every commit is on disk when a method returns', async () => {
    const file = newFile();
    const store = SqliteStore.open(file);
    expect(store.describe()).toBe(`SQLite store ${file} (WAL, synchronous=FULL)`);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal'); // WAL is a property of the file
    db.close();
  });

  it('keeps records, batches and counters across close and reopen', async () => {
    const file = newFile();
    const first = SqliteStore.open(file);
    await first.insertRecords([appRecord('a'), appRecord('b')]);
    await first.claimRecords('APP:LDN:2021-07-31', ['a']);
    await first.createBatch(batch('APP:LDN:2021-07-31'));
    await first.advanceBatch('APP:LDN:2021-07-31', 'open', 'written');
    await first.incrementCounter('APP');
    await first.close();

    const second = SqliteStore.open(file);
    expect((await second.findRecords({ batchKey: 'APP:LDN:2021-07-31' })).map((r) => r.id)).toEqual(['a']);
    expect(await second.findBatch('APP:LDN:2021-07-31')).toEqual(batch('APP:LDN:2021-07-31', { state: 'written' }));
    expect(await second.readCounter('APP')).toEqual({ value: 1, version: 1 });
    await second.close();
  });

  it('opens a schema version 1 store (each body in its records row), moves the bodies out and keeps every record', async () => {
    const file = newFile();
    const v1 = new Database(file);
    v1.exec(`
      CREATE TABLE records (id TEXT PRIMARY KEY, type TEXT NOT NULL, office TEXT NOT NULL, start_date TEXT NOT NULL, status TEXT NOT NULL,
        batch_key TEXT, file_name TEXT, exported_at INTEGER, body TEXT NOT NULL);
      CREATE INDEX records_exportable ON records (type, office, start_date) WHERE status = 'TO_EXPORT' AND batch_key IS NULL;
      CREATE INDEX records_by_batch ON records (batch_key, status);
      CREATE INDEX records_to_export_by_start ON records (start_date) WHERE status = 'TO_EXPORT';
      CREATE TABLE batches (key TEXT PRIMARY KEY, type TEXT NOT NULL, office TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX batches_unfinished ON batches (type, office, state);
      CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const insert = v1.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const records = [appRecord('a'), appRecord('b')];
    for (const { id, type, office, startDate, status, batchKey, fileName, exportedAt, ...rest } of records) {
      insert.run(id, type, office, startDate, status, batchKey, fileName, exportedAt, JSON.stringify(rest));
    }
    v1.pragma(`application_id = ${0x45535231}`);
    v1.pragma('user_version = 1');
    v1.close();

    const store = SqliteStore.open(file);
    expect(await store.findRecords({})).toEqual(records);
    expect(await store.claimRecords('APP:LDN:2021-07-31', ['a'])).toBe(1);
    await store.close();
    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(2);
    migrated.close();
  });

  it('refuses an old JSON --state snapshot, naming the file and what to do, and leaves it untouched', () => {
    const file = join(dir, 'old-state.json');
    const old = JSON.stringify({ records: [], batches: [], counters: {} });
    writeFileSync(file, old);
    const failure = (() => {
      try {
        SqliteStore.open(file);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as Error).message).toBe(
      `${file}: an old JSON state snapshot; the store is now a SQLite file: give --state a new path and seed it again`,
    );
    expect((failure as InputError).exitCode).toBe(2);
  });

  it('refuses a file that is not SQLite, and a SQLite database that is not ours', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello\n');
    expect(() => SqliteStore.open(text)).toThrow(`${text}: not a SQLite store file (expected an esr-export SQLite database)`);

    const foreign = join(dir, 'foreign.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => SqliteStore.open(foreign)).toThrow(`${foreign}: a SQLite database that is not an esr-export store`);
  });

  it('an experiment on SQLite itself: a deferred transaction whose snapshot went stale cannot write (SQLITE_BUSY_SNAPSHOT)', () => {
    // The transaction counter strategy relies on this to report a concurrent writer as a conflict.
    const file = newFile();
    SqliteStore.open(file);
    const a = new Database(file);
    const b = new Database(file);
    b.exec("INSERT INTO counters (name, value, version) VALUES ('APP', 1, 1)");
    a.exec('BEGIN DEFERRED');
    expect(a.prepare("SELECT value FROM counters WHERE name = 'APP'").get()).toEqual({ value: 1 });
    b.exec("UPDATE counters SET value = 2, version = 2 WHERE name = 'APP'");
    const failure = (() => {
      try {
        a.exec("UPDATE counters SET value = 2, version = 2 WHERE name = 'APP' AND version = 1");
      } catch (error) {
        return error;
      }
    })();
    a.exec('ROLLBACK');
    expect(failure).toBeInstanceOf(Database.SqliteError);
    expect((failure as InstanceType<typeof Database.SqliteError>).code).toBe('SQLITE_BUSY_SNAPSHOT');
    a.close();
    b.close();
  });
});

describe('SqliteStore shared by real processes', { timeout: 120_000 }, () => {
  it('4 processes × 100 atomic increments on one file: 1..400, each exactly once', async () => {
    const file = newFile();
    SqliteStore.open(file);
    const outputs = await Promise.all(Array.from({ length: 4 }, () => worker(file, 'increment', 100).lines));
    const values = outputs.flat().map(Number).sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('4 processes × 100 transaction increments: every success unique, every failure a conflict, the counter equals the successes', async () => {
    const file = newFile();
    SqliteStore.open(file);
    const outputs = (await Promise.all(Array.from({ length: 4 }, () => worker(file, 'transaction', 100).lines))).flat();
    const values = outputs.filter((line) => line !== 'conflict').map(Number);
    expect(outputs.filter((line) => line === 'conflict').length + values.length).toBe(400);
    expect(new Set(values).size).toBe(values.length);
    const store = SqliteStore.open(file);
    expect(await store.readCounter('APP')).toEqual({ value: values.length, version: values.length });
    await store.close();
  });

  it('4 processes claiming overlapping records: each record owned by exactly one batch', async () => {
    const file = newFile();
    const store = SqliteStore.open(file);
    const all = Array.from({ length: 2000 }, (_, i) => `r${String(i).padStart(4, '0')}`);
    await store.insertRecords(all.map((id) => appRecord(id)));
    const slices = [all.slice(0, 1200), all.slice(400, 1600).reverse(), all.slice(800), [...all].reverse()];
    const owned = await Promise.all(
      slices.map((ids, i) => worker(file, 'claim', `APP:LDN:batch-${i}`, { CLAIM_IDS: ids.join(',') }).lines.then(([n]) => Number(n))),
    );
    expect(owned.reduce((sum, n) => sum + n, 0)).toBe(all.length);
    for (const [i, ids] of slices.entries()) {
      const mine = (await store.findRecords({ batchKey: `APP:LDN:batch-${i}` })).map((r) => r.id);
      expect(mine).toHaveLength(owned[i]!);
      expect(mine.every((id) => ids.includes(id))).toBe(true);
    }
    expect((await store.findRecords({ batchKey: null })).length).toBe(0);
    await store.close();
  });

  it('kill -9 mid-run: every value a process saw returned is on disk, and at most one more', async () => {
    const file = newFile();
    SqliteStore.open(file);
    const running = worker(file, 'increment', 1_000_000);
    running.onLine((line) => {
      if (Number(line) >= 300) running.kill();
    });
    const seen = (await running.lines).map(Number);
    const last = seen.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(300);
    const store = SqliteStore.open(file);
    const { value } = await store.readCounter('APP');
    expect(value === last || value === last + 1, `on disk ${value}, last returned ${last}`).toBe(true);
    await store.close();
  });
});
