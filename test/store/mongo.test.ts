import { randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { isUnavailableError, MongoStore } from '../../src/store/mongo.js';
import type { Store } from '../../src/store/store.js';
import { mongoServerForTests } from './mongo-server.js';
import { appRecord, batch, storeContract } from './store.contract.js';
import { worker } from './worker.js';

const server = await mongoServerForTests('MongoStore contract');

describe(`MongoStore on ${server.description}`, () => {
  // One database per test, dropped at the end: test files run in parallel against one server.
  const prefix = `esr_test_${randomUUID().slice(0, 8)}`;
  let opened = 0;

  afterAll(async () => {
    const client = new MongoClient(server.uri);
    try {
      const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
      for (const { name } of databases) if (name.startsWith(prefix)) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });

  storeContract('MongoStore', () => MongoStore.connect(server.uri, { dbName: `${prefix}_${++opened}` }), {
    noTransactions: server.noTransactions,
  });

  // Races between real processes: what the unique-insert design exists for (FerretDB's updates are not isolated).
  describe('shared by real processes', { timeout: 120_000 }, () => {
    it('4 processes × 50 atomic increments: 1..200, each exactly once', async () => {
      const WORKER_DB = `${prefix}_${++opened}`;
      const outputs = await Promise.all(Array.from({ length: 4 }, () => worker(server.uri, 'increment', 50, { WORKER_DB }).lines));
      expect(outputs.flat().map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('4 processes claiming overlapping records: each record owned by exactly one batch', async () => {
      const WORKER_DB = `${prefix}_${++opened}`;
      const store = await MongoStore.connect(server.uri, { dbName: WORKER_DB });
      try {
        await store.init();
        const all = Array.from({ length: 400 }, (_, i) => `r${String(i).padStart(3, '0')}`);
        await store.insertRecords(all.map((id) => appRecord(id)));
        const slices = [all.slice(0, 240), all.slice(80, 320).reverse(), all.slice(160), [...all].reverse()];
        const owned = await Promise.all(
          slices.map((ids, i) =>
            worker(server.uri, 'claim', `APP:LDN:batch-${i}`, { WORKER_DB, CLAIM_IDS: ids.join(',') }).lines.then(([n]) => Number(n)),
          ),
        );
        expect(owned.reduce((sum, n) => sum + n, 0)).toBe(all.length);
        for (const [i, ids] of slices.entries()) {
          const mine = (await store.findRecords({ batchKey: `APP:LDN:batch-${i}` })).map((r) => r.id);
          expect(mine).toHaveLength(owned[i]!);
          expect(mine.every((id) => ids.includes(id))).toBe(true);
        }
        expect(await store.findRecords({ batchKey: null })).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });
});

/** No server needed: every method must fail as StoreUnavailableError, wrapped once, with the driver's error as cause. */
describe('MongoStore error boundary (no server needed)', () => {
  const NOWHERE = 'mongodb://127.0.0.1:1/esr';

  it('connect fails as StoreUnavailableError with the server-selection error as cause', async () => {
    const failure = await MongoStore.connect(NOWHERE, { serverSelectionTimeoutMS: 200 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error).message).toMatch(/^MongoDB unavailable during connect: /);
    expect((failure as Error).cause).toBeInstanceOf(MongoServerSelectionError);
  });

  it('every Store method fails as StoreUnavailableError when no server answers', async () => {
    const calls: Record<string, (store: Store) => Promise<unknown>> = {
      init: (store) => store.init(),
      insertRecords: (store) => store.insertRecords([appRecord('a')]),
      findExportable: (store) => store.findExportable('APP', 'LDN', '2021-08-02', '2021-10-30'),
      claimRecords: (store) => store.claimRecords('k', ['a']),
      markExported: (store) => store.markExported('k', 'f', 1),
      findRecords: (store) => store.findRecords({}),
      findBatch: (store) => store.findBatch('k'),
      findUnfinishedBatches: (store) => store.findUnfinishedBatches('APP', 'LDN'),
      listBatches: (store) => store.listBatches(),
      createBatch: (store) => store.createBatch(batch('k')),
      advanceBatch: (store) => store.advanceBatch('k', 'open', 'written'),
      readCounter: (store) => store.readCounter('APP'),
      compareAndSetCounter: (store) => store.compareAndSetCounter('APP', 0, 1),
      incrementCounter: (store) => store.incrementCounter('APP'),
      incrementCounterInTransaction: (store) => store.incrementCounterInTransaction('APP'),
    };
    // A client per call: the first failed automatic connect closes a client's topology.
    const failures = await Promise.all(
      Object.entries(calls).map(async ([name, call]) => {
        const store = new MongoStore(new MongoClient(NOWHERE, { serverSelectionTimeoutMS: 200 }));
        const failure = await call(store).then(() => 'resolved', (error: unknown) => error);
        await store.close();
        return [name, failure] as const;
      }),
    );
    for (const [name, failure] of failures) {
      expect(failure, name).toBeInstanceOf(StoreUnavailableError);
      expect((failure as Error).message, name).toContain(`during ${name}:`);
      expect((failure as Error).cause, name).toBeInstanceOf(MongoServerSelectionError);
    }
  });

  it('a driver error wrapped in a MongoBulkWriteError (insertMany) is still an outage, unwrapped as cause', async () => {
    const client = new MongoClient(NOWHERE, { serverSelectionTimeoutMS: 200 });
    await client.connect().catch(() => undefined); // the failed connect leaves the topology closed
    const store = new MongoStore(client);
    const failure = await store.insertRecords([appRecord('a')]).catch((error: unknown) => error);
    await store.close();
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error).cause).toBeInstanceOf(MongoTopologyClosedError);
  });

  it('isUnavailableError: outages yes; conflicts, duplicates and plain errors no', async () => {
    const selection = await new MongoClient(NOWHERE, { serverSelectionTimeoutMS: 100 }).connect().catch((error: unknown) => error);
    expect(selection).toBeInstanceOf(MongoServerSelectionError);
    expect(isUnavailableError(selection)).toBe(true);
    expect(isUnavailableError(new MongoServerError({ message: 'not primary', code: 10107 }))).toBe(true);
    expect(isUnavailableError(new MongoServerError({ message: 'stepped down', code: 189 }))).toBe(true);
    expect(isUnavailableError(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(false);
    expect(isUnavailableError(new MongoServerError({ message: 'WriteConflict', code: 112 }))).toBe(false);
    expect(isUnavailableError(new Error('ECONNREFUSED'))).toBe(false);
    expect(isUnavailableError(new StoreUnavailableError('already wrapped'))).toBe(false);
  });
});
