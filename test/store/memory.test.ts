import { describe, expect, it } from 'vitest';
import { freezeRecord, isFrozenRecord, type AppRecord } from '../../src/domain/records.js';
import { generateRecords } from '../../src/domain/synthetic.js';
import { MemoryStore } from '../../src/store/memory.js';
import { storeContract } from './store.contract.js';

storeContract('MemoryStore', async () => new MemoryStore());

describe('MemoryStore keeps frozen records (the simulator loads one data set into a store per seed)', () => {
  it('stores a frozen record without a copy, changes copies, and the caller never sees it change', async () => {
    const records = generateRecords({ seed: 3, offices: ['LDN'], appPerOffice: 2, dncPerOffice: 0, startFrom: '2021-08-04', startTo: '2021-08-04' }).map(freezeRecord);
    const before = JSON.stringify(records);
    const store = new MemoryStore();
    await store.insertRecords(records);
    expect(await store.findExportable('APP', 'LDN', '2021-08-01', '2021-12-31')).toEqual(records);
    expect((await store.findExportable('APP', 'LDN', '2021-08-01', '2021-12-31'))[0]).toBe(records[0]);
    expect(await store.claimRecords('APP:LDN:2021-07-31', records.map((r) => r.id))).toBe(2);
    expect(await store.markExported('APP:LDN:2021-07-31', 'DE_LDN_APP_20210731_00000001.DAT', 1)).toBe(2);
    const found = await store.findRecords({ batchKey: 'APP:LDN:2021-07-31' });
    expect(found.map((r) => [r.status, r.fileName])).toEqual([
      ['EXPORTED', 'DE_LDN_APP_20210731_00000001.DAT'],
      ['EXPORTED', 'DE_LDN_APP_20210731_00000001.DAT'],
    ]);
    expect(found.some(isFrozenRecord)).toBe(false); // changed: the store's own copies, copied out
    expect(JSON.stringify(records)).toBe(before);
    const next = new MemoryStore(); // the next seed's store starts from the same untouched records
    await next.insertRecords(records);
    expect((await next.findExportable('APP', 'LDN', '2021-08-01', '2021-12-31')).map((r) => r.status)).toEqual(['TO_EXPORT', 'TO_EXPORT']);
  });

  it('freezeRecord freezes the nested parts too', () => {
    const [record] = generateRecords({ seed: 3, offices: ['LDN'], appPerOffice: 1, dncPerOffice: 0, startFrom: '2021-08-04', startTo: '2021-08-04' });
    expect(Object.isFrozen(record)).toBe(false);
    const frozen = freezeRecord(record!) as AppRecord;
    expect([Object.isFrozen(frozen), Object.isFrozen(frozen.address), isFrozenRecord(frozen)]).toEqual([true, true, true]);
  });
});
