import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../src/domain/synthetic.js';
import { MemoryStore } from '../../src/store/memory.js';
import { storeContract } from './store.contract.js';

storeContract('MemoryStore', async () => new MemoryStore());

describe('MemoryStore.insertShared (the simulator loads one data set into a store per seed)', () => {
  it('copies a shared record before changing it: the caller never sees it change', async () => {
    const records = generateRecords({ seed: 3, offices: ['LDN'], appPerOffice: 2, dncPerOffice: 0, startFrom: '2021-08-04', startTo: '2021-08-04' });
    const before = JSON.stringify(records);
    const store = new MemoryStore();
    store.insertShared(records);
    expect(await store.claimRecords('APP:LDN:2021-07-31', records.map((r) => r.id))).toBe(2);
    expect(await store.markExported('APP:LDN:2021-07-31', 'DE_LDN_APP_20210731_00000001.DAT', 1)).toBe(2);
    const found = await store.findRecords({ batchKey: 'APP:LDN:2021-07-31' });
    expect(found.map((r) => [r.status, r.fileName])).toEqual([
      ['EXPORTED', 'DE_LDN_APP_20210731_00000001.DAT'],
      ['EXPORTED', 'DE_LDN_APP_20210731_00000001.DAT'],
    ]);
    expect(JSON.stringify(records)).toBe(before);
    const next = new MemoryStore(); // the next seed's store starts from the same untouched records
    next.insertShared(records);
    expect((await next.findExportable('APP', 'LDN', '2021-08-01', '2021-12-31')).map((r) => r.status)).toEqual(['TO_EXPORT', 'TO_EXPORT']);
  });
});
