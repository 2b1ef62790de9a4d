import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OfficeCode } from '../../src/domain/offices.js';
import type { AppRecord, ExportRecord, NotificationRecord } from '../../src/domain/records.js';
import { WriteConflictError } from '../../src/store/errors.js';
import type { Batch, Store } from '../../src/store/store.js';
import { ALLOWED_SKIP_PREFIX } from '../support/skip.js';

/**
 * The Store contract: every implementation (memory, Mongo) runs this same suite, each test on a
 * fresh, empty store from `open()`. The suite calls `init()` itself.
 */

const RUN_DATE = '2021-07-31';

export function appRecord(id: string, overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    id,
    type: 'APP',
    office: 'LDN',
    startDate: '2021-08-04',
    status: 'TO_EXPORT',
    batchKey: null,
    fileName: null,
    exportedAt: null,
    generationError: null,
    placementId: `P-${id}`,
    effectiveDate: '2021-08-04',
    title: 'Dr',
    lastName: 'Okafor',
    firstName: 'Ada',
    middleNames: '',
    dob: '1994-03-02',
    gender: 'F',
    address: { address1: '1 High St', town: 'London', county: 'Greater London', postcode: 'E1 1AA', country: 'GB' },
    phone: '07700900000',
    email: 'ada@example.org',
    nationality: 'British',
    ukNino: 'QQ123456C',
    nationalTrainingNumber: 'LDN/001/F1',
    gmcNumber: '7000001',
    positionId: '501',
    positionNumber: 'POS-501',
    deaneryPostNumber: 'LDN/RJ122/021/F1/001',
    projectedHireDate: '2021-08-04',
    projectedEndDate: '2022-08-03',
    ...overrides,
  };
}

export function dncRecord(id: string, overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    id,
    type: 'DNC',
    office: 'MER',
    startDate: '2021-08-04',
    status: 'TO_EXPORT',
    batchKey: null,
    fileName: null,
    exportedAt: null,
    generationError: null,
    titleCode: 1,
    deaneryPostNumber: 'MER/RBQ/001/F2/002',
    managingOffice: 'MER',
    positionId: '777',
    currentTrainee: null,
    nextTrainee: {
      lastName: 'Singh',
      firstName: 'Ravi',
      gmcNumber: '7000002',
      startDate: '2021-08-04',
      endDate: '2022-08-03',
    },
    workingHours: 0.8,
    ...overrides,
  };
}

export function batch(key: string, overrides: Partial<Batch> = {}): Batch {
  return {
    key,
    type: 'APP',
    office: 'LDN',
    runDate: RUN_DATE,
    commandId: `cmd-${key}`,
    correlationId: `corr-${key}`,
    sequence: 1,
    fileName: 'DE_LDN_APP_20210731_00000001.DAT',
    recordIds: ['a', 'b'],
    state: 'open',
    createdAt: 1_627_740_000_000,
    ...overrides,
  };
}

const ids = (records: readonly ExportRecord[]) => records.map((r) => r.id);

export interface ContractOptions {
  /** Why this store cannot run multi-document transactions (FerretDB): the transaction tests skip, saying so. */
  noTransactions?: string | null;
}

export function storeContract(name: string, open: () => Promise<Store>, options: ContractOptions = {}): void {
  const { noTransactions } = options;
  /** Only the transaction strategy's tests may skip, and only with the server's reason in their name. */
  const needsTransactions = (title: string) => (noTransactions ? `${ALLOWED_SKIP_PREFIX} ${noTransactions}: ${title}` : title);
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('records', () => {
      it('init is idempotent and a new store is empty', async () => {
        await store.init();
        expect(await store.findRecords({})).toEqual([]);
        expect(await store.listBatches()).toEqual([]);
      });

      it('round-trips both record types exactly, sorted by id', async () => {
        const inserted = [dncRecord('c'), appRecord('a'), appRecord('b', { status: 'EXPORTED', exportedAt: 1_627_000_000_123 })];
        await store.insertRecords(inserted);
        const found = await store.findRecords({});
        expect(ids(found)).toEqual(['a', 'b', 'c']);
        expect(found).toEqual([inserted[1], inserted[2], inserted[0]]);
      });

      it('sorts by JavaScript string order, also where UTF-8 byte order differs (beyond the BMP)', async () => {
        await store.insertRecords([appRecord('r-\uFF01'), appRecord('r-\u{1F600}'), appRecord('r-A')]);
        expect(ids(await store.findRecords({}))).toEqual(['r-A', 'r-\u{1F600}', 'r-\uFF01']);
      });

      it('accepts an empty insert', async () => {
        await store.insertRecords([]);
        expect(await store.findRecords({})).toEqual([]);
      });

      it('rejects a duplicate id and keeps the existing record', async () => {
        await store.insertRecords([appRecord('a', { lastName: 'First' })]);
        await expect(store.insertRecords([appRecord('a', { lastName: 'Second' })])).rejects.toThrow();
        const [only] = await store.findRecords({});
        expect(only).toMatchObject({ id: 'a', lastName: 'First' });
      });

      it('copies in and out: mutating inputs or results never changes the store', async () => {
        const input = appRecord('a');
        await store.insertRecords([input]);
        input.lastName = 'Mutated input';
        input.address.town = 'Mutated input';

        // A result is the caller's copy, or frozen (the memory store's own records): changing it either way leaves the store alone.
        const change = (mutate: () => void) => {
          try {
            mutate();
          } catch (error) {
            if (!(error instanceof TypeError)) throw error;
          }
        };
        const [fromFind] = await store.findRecords({});
        change(() => (fromFind!.status = 'EXPORTED'));
        change(() => ((fromFind as AppRecord).address.town = 'Mutated result'));
        const [fromExportable] = await store.findExportable('APP', 'LDN', '2021-08-01', '2021-09-01');
        change(() => (fromExportable!.batchKey = 'stolen'));

        const [stored] = await store.findRecords({});
        expect(stored).toEqual(appRecord('a'));
      });

      it('findExportable: TO_EXPORT, unowned, this type and office, startDate in [from, to] inclusive, sorted', async () => {
        await store.insertRecords([
          appRecord('z-in'),
          appRecord('a-from', { startDate: '2021-08-02' }),
          appRecord('m-to', { startDate: '2021-10-30' }),
          appRecord('before', { startDate: '2021-08-01' }),
          appRecord('after', { startDate: '2021-10-31' }),
          appRecord('exported', { status: 'EXPORTED' }),
          appRecord('deleted', { status: 'DELETED_BEFORE_EXPORT' }),
          appRecord('invalid', { status: 'INVALID_DATA', generationError: 'missing dob' }),
          appRecord('owned', { batchKey: 'APP:LDN:2021-07-30' }),
          appRecord('other-office', { office: 'MER' }),
          dncRecord('other-type', { office: 'LDN' }),
        ]);
        const found = await store.findExportable('APP', 'LDN', '2021-08-02', '2021-10-30');
        expect(ids(found)).toEqual(['a-from', 'm-to', 'z-in']);
        expect(ids(await store.findExportable('DNC', 'LDN', '2021-08-02', '2021-10-30'))).toEqual(['other-type']);
        expect(await store.findExportable('APP', 'EMD', '2021-08-02', '2021-10-30')).toEqual([]);
      });
    });

    describe('claimRecords', () => {
      const key = 'APP:LDN:2021-07-31';

      it('claims unowned TO_EXPORT records and counts those that are ours', async () => {
        await store.insertRecords([
          appRecord('a'),
          appRecord('b'),
          appRecord('exported', { status: 'EXPORTED' }),
          appRecord('theirs', { batchKey: 'APP:LDN:2021-07-30' }),
        ]);
        expect(await store.claimRecords(key, ['a', 'b', 'exported', 'theirs', 'missing'])).toBe(2);
        expect(ids(await store.findRecords({ batchKey: key }))).toEqual(['a', 'b']);
        expect((await store.findRecords({ batchKey: 'APP:LDN:2021-07-30' }))[0]?.id).toBe('theirs');
        expect((await store.findRecords({ status: 'EXPORTED' }))[0]?.batchKey).toBeNull();
      });

      it('is idempotent for the same batch, counts each id once, and accepts an empty list', async () => {
        await store.insertRecords([appRecord('a'), appRecord('b')]);
        expect(await store.claimRecords(key, ['a'])).toBe(1);
        expect(await store.claimRecords(key, ['a', 'b', 'a'])).toBe(2);
        expect(await store.claimRecords(key, [])).toBe(0);
      });

      it('claimed records are no longer exportable', async () => {
        await store.insertRecords([appRecord('a'), appRecord('b')]);
        await store.claimRecords(key, ['a']);
        expect(ids(await store.findExportable('APP', 'LDN', '2021-08-01', '2021-09-01'))).toEqual(['b']);
      });

      it('two batches racing for overlapping records: each record is owned by exactly one', async () => {
        const all = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, '0')}`);
        await store.insertRecords(all.map((id) => appRecord(id)));
        const first = all.slice(0, 30);
        const second = all.slice(10).reverse();
        const [ownedByFirst, ownedBySecond] = await Promise.all([
          store.claimRecords('APP:LDN:first', first),
          store.claimRecords('APP:LDN:second', second),
        ]);
        expect(ownedByFirst + ownedBySecond).toBe(all.length);
        const firsts = ids(await store.findRecords({ batchKey: 'APP:LDN:first' }));
        const seconds = ids(await store.findRecords({ batchKey: 'APP:LDN:second' }));
        expect(firsts).toHaveLength(ownedByFirst);
        expect(seconds).toHaveLength(ownedBySecond);
        expect([...firsts, ...seconds].sort()).toEqual(all);
        expect(firsts.every((id) => first.includes(id))).toBe(true);
        expect(seconds.every((id) => second.includes(id))).toBe(true);
      });
    });

    describe('markExported', () => {
      const key = 'APP:LDN:2021-07-31';
      const file = 'DE_LDN_APP_20210731_00000001.DAT';

      it('marks the batch records EXPORTED once; a repeat changes nothing', async () => {
        await store.insertRecords([appRecord('a'), appRecord('b'), appRecord('not-ours')]);
        await store.claimRecords(key, ['a', 'b']);
        expect(await store.markExported(key, file, 1000)).toBe(2);
        expect(await store.markExported(key, 'DE_LDN_APP_20210731_00000002.DAT', 2000)).toBe(0);

        const exported = await store.findRecords({ status: 'EXPORTED' });
        expect(exported.map((r) => [r.id, r.batchKey, r.fileName, r.exportedAt])).toEqual([
          ['a', key, file, 1000],
          ['b', key, file, 1000],
        ]);
        expect(await store.findRecords({ status: 'TO_EXPORT' })).toMatchObject([{ id: 'not-ours', batchKey: null }]);
      });

      it('exported records cannot be claimed or exported again', async () => {
        await store.insertRecords([appRecord('a')]);
        await store.claimRecords(key, ['a']);
        await store.markExported(key, file, 1000);
        expect(await store.claimRecords(key, ['a'])).toBe(0);
        expect(await store.claimRecords('APP:LDN:2021-08-01', ['a'])).toBe(0);
        expect(await store.findExportable('APP', 'LDN', '2021-08-01', '2021-09-01')).toEqual([]);
      });

      it('a batch that owns nothing changes nothing', async () => {
        await store.insertRecords([appRecord('a')]);
        expect(await store.markExported('APP:LDN:none', file, 1000)).toBe(0);
        expect(await store.findRecords({ status: 'EXPORTED' })).toEqual([]);
      });
    });

    describe('findRecords filters', () => {
      beforeEach(async () => {
        await store.insertRecords([
          appRecord('app-ldn-early', { startDate: '2021-08-03' }),
          appRecord('app-ldn-late', { startDate: '2021-08-10', batchKey: 'k1' }),
          appRecord('app-mer', { office: 'MER', startDate: '2021-08-02', status: 'EXPORTED', batchKey: 'k2' }),
          dncRecord('dnc-ldn', { office: 'LDN', startDate: '2021-08-04' }),
          dncRecord('dnc-mer', { startDate: '2021-08-01', status: 'INVALID_DATA', generationError: 'bad post number' }),
        ]);
      });

      it('by type, office and status', async () => {
        expect(ids(await store.findRecords({ type: 'DNC' }))).toEqual(['dnc-ldn', 'dnc-mer']);
        expect(ids(await store.findRecords({ office: 'LDN' }))).toEqual(['app-ldn-early', 'app-ldn-late', 'dnc-ldn']);
        expect(ids(await store.findRecords({ type: 'APP', office: 'LDN' }))).toEqual(['app-ldn-early', 'app-ldn-late']);
        expect(ids(await store.findRecords({ status: 'INVALID_DATA' }))).toEqual(['dnc-mer']);
        expect(ids(await store.findRecords({ type: 'APP', office: 'EMD' as OfficeCode }))).toEqual([]);
      });

      it('startBefore is strict', async () => {
        expect(ids(await store.findRecords({ startBefore: '2021-08-04' }))).toEqual(['app-ldn-early', 'app-mer', 'dnc-mer']);
        expect(ids(await store.findRecords({ startBefore: '2021-08-01' }))).toEqual([]);
      });

      it('batchKey: a key, or null for unowned; undefined means any', async () => {
        expect(ids(await store.findRecords({ batchKey: 'k1' }))).toEqual(['app-ldn-late']);
        expect(ids(await store.findRecords({ batchKey: null }))).toEqual(['app-ldn-early', 'dnc-ldn', 'dnc-mer']);
        expect(await store.findRecords({ batchKey: undefined })).toHaveLength(5);
      });

      it('combines filters (the audit query: TO_EXPORT starting soon)', async () => {
        expect(ids(await store.findRecords({ status: 'TO_EXPORT', startBefore: '2021-08-05' }))).toEqual([
          'app-ldn-early',
          'dnc-ldn',
        ]);
        expect(ids(await store.findRecords({ type: 'APP', status: 'TO_EXPORT', batchKey: null }))).toEqual(['app-ldn-early']);
      });
    });

    describe('batches', () => {
      it('createBatch inserts once; the same key again is "exists" and changes nothing', async () => {
        expect(await store.createBatch(batch('APP:LDN:2021-07-31'))).toBe('created');
        expect(await store.createBatch(batch('APP:LDN:2021-07-31', { commandId: 'other', sequence: 9 }))).toBe('exists');
        expect(await store.findBatch('APP:LDN:2021-07-31')).toEqual(batch('APP:LDN:2021-07-31'));
        expect(await store.findBatch('APP:LDN:2021-08-01')).toBeNull();
      });

      it('two concurrent creates of one key: exactly one is created', async () => {
        const outcomes = await Promise.all([
          store.createBatch(batch('DNC:MER:2021-07-31', { commandId: 'first' })),
          store.createBatch(batch('DNC:MER:2021-07-31', { commandId: 'second' })),
        ]);
        expect([...outcomes].sort()).toEqual(['created', 'exists']);
        expect(await store.listBatches()).toHaveLength(1);
      });

      it('copies in and out', async () => {
        const input = batch('APP:LDN:2021-07-31');
        await store.createBatch(input);
        input.recordIds.push('mutated');
        input.state = 'complete';
        const found = await store.findBatch('APP:LDN:2021-07-31');
        found!.recordIds.push('mutated');
        const [listed] = await store.listBatches();
        listed!.state = 'written';
        expect(await store.findBatch('APP:LDN:2021-07-31')).toEqual(batch('APP:LDN:2021-07-31'));
      });

      it('advanceBatch moves only from the given state', async () => {
        await store.createBatch(batch('APP:LDN:2021-07-31'));
        expect(await store.advanceBatch('APP:LDN:2021-07-31', 'written', 'complete')).toBe(false);
        expect((await store.findBatch('APP:LDN:2021-07-31'))?.state).toBe('open');
        expect(await store.advanceBatch('APP:LDN:2021-07-31', 'open', 'written')).toBe(true);
        expect(await store.advanceBatch('APP:LDN:2021-07-31', 'open', 'written')).toBe(false);
        expect(await store.advanceBatch('APP:LDN:2021-07-31', 'written', 'complete')).toBe(true);
        expect((await store.findBatch('APP:LDN:2021-07-31'))?.state).toBe('complete');
        expect(await store.advanceBatch('APP:LDN:missing', 'open', 'written')).toBe(false);
      });

      it('two concurrent advances from one state: exactly one wins', async () => {
        await store.createBatch(batch('APP:LDN:2021-07-31'));
        const results = await Promise.all([
          store.advanceBatch('APP:LDN:2021-07-31', 'open', 'written'),
          store.advanceBatch('APP:LDN:2021-07-31', 'open', 'written'),
        ]);
        expect([...results].sort()).toEqual([false, true]);
      });

      it('findUnfinishedBatches: this type and office, not complete, sorted by key', async () => {
        await store.createBatch(batch('APP:LDN:2021-08-02', { runDate: '2021-08-02', state: 'written' }));
        await store.createBatch(batch('APP:LDN:2021-07-31'));
        await store.createBatch(batch('APP:LDN:2021-08-01', { runDate: '2021-08-01', state: 'complete' }));
        await store.createBatch(batch('APP:MER:2021-07-31', { office: 'MER' }));
        await store.createBatch(batch('DNC:LDN:2021-07-31', { type: 'DNC' }));
        const unfinished = await store.findUnfinishedBatches('APP', 'LDN');
        expect(unfinished.map((b) => [b.key, b.state])).toEqual([
          ['APP:LDN:2021-07-31', 'open'],
          ['APP:LDN:2021-08-02', 'written'],
        ]);
        expect(await store.findUnfinishedBatches('APP', 'EMD')).toEqual([]);
      });

      it('listBatches returns every batch sorted by key', async () => {
        for (const key of ['DNC:MER:2021-07-31', 'APP:LDN:2021-07-31', 'APP:EMD:2021-07-31']) {
          await store.createBatch(batch(key));
        }
        expect((await store.listBatches()).map((b) => b.key)).toEqual([
          'APP:EMD:2021-07-31',
          'APP:LDN:2021-07-31',
          'DNC:MER:2021-07-31',
        ]);
      });
    });

    describe('counters', () => {
      it('a missing counter reads as {0, 0}', async () => {
        expect(await store.readCounter('APP')).toEqual({ value: 0, version: 0 });
      });

      it('compareAndSet: version 0 creates; the current version updates; a stale version fails', async () => {
        expect(await store.compareAndSetCounter('APP', 0, 1)).toBe(true);
        expect(await store.readCounter('APP')).toEqual({ value: 1, version: 1 });
        expect(await store.compareAndSetCounter('APP', 0, 7)).toBe(false);
        expect(await store.compareAndSetCounter('APP', 1, 2)).toBe(true);
        expect(await store.compareAndSetCounter('APP', 1, 99)).toBe(false);
        expect(await store.compareAndSetCounter('APP', 5, 99)).toBe(false);
        expect(await store.readCounter('APP')).toEqual({ value: 2, version: 2 });
        expect(await store.readCounter('DNC')).toEqual({ value: 0, version: 0 });
      });

      it('compareAndSet create race: of two creates with version 0, exactly one wins', async () => {
        const results = await Promise.all([store.compareAndSetCounter('APP', 0, 10), store.compareAndSetCounter('APP', 0, 20)]);
        expect([...results].sort()).toEqual([false, true]);
        const winner = results[0] ? 10 : 20;
        expect(await store.readCounter('APP')).toEqual({ value: winner, version: 1 });
      });

      it('the optimistic race of 2021: two readers of one version, one writer wins', async () => {
        await store.compareAndSetCounter('APP', 0, 41);
        const [seenByA, seenByB] = await Promise.all([store.readCounter('APP'), store.readCounter('APP')]);
        const results = await Promise.all([
          store.compareAndSetCounter('APP', seenByA.version, seenByA.value + 1),
          store.compareAndSetCounter('APP', seenByB.version, seenByB.value + 1),
        ]);
        expect([...results].sort()).toEqual([false, true]);
        expect(await store.readCounter('APP')).toEqual({ value: 42, version: 2 });
      });

      it('incrementCounter creates the counter and continues from any existing value', async () => {
        expect(await store.incrementCounter('APP')).toBe(1);
        expect(await store.incrementCounter('APP')).toBe(2);
        expect(await store.readCounter('APP')).toEqual({ value: 2, version: 2 });
        await store.compareAndSetCounter('DNC', 0, 3445);
        expect(await store.incrementCounter('DNC')).toBe(3446);
        expect(await store.readCounter('DNC')).toEqual({ value: 3446, version: 2 });
      });

      it('100 concurrent increments give 1..100, each exactly once', async () => {
        const values = await Promise.all(Array.from({ length: 100 }, () => store.incrementCounter('APP')));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await store.readCounter('APP')).toEqual({ value: 100, version: 100 });
      });

      it.skipIf(!!noTransactions)(needsTransactions('incrementCounterInTransaction creates the counter and increments it'), async () => {
        expect(await store.incrementCounterInTransaction('APP')).toBe(1);
        expect(await store.incrementCounterInTransaction('APP')).toBe(2);
        expect(await store.readCounter('APP')).toEqual({ value: 2, version: 2 });
        await store.compareAndSetCounter('DNC', 0, 10);
        expect(await store.incrementCounterInTransaction('DNC')).toBe(11);
      });

      it.skipIf(!!noTransactions)(needsTransactions('concurrent transactions: each either gets a unique value or fails with WriteConflictError'), async () => {
        await store.incrementCounter('APP');
        const settled = await Promise.allSettled(Array.from({ length: 8 }, () => store.incrementCounterInTransaction('APP')));
        const values = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
        expect(values.length).toBeGreaterThan(0);
        expect(new Set(values).size).toBe(values.length);
        for (const failure of failures) expect(failure).toBeInstanceOf(WriteConflictError);
        expect(await store.readCounter('APP')).toEqual({ value: 1 + values.length, version: 1 + values.length });
      });
    });
  });
}
