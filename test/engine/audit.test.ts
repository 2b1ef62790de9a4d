import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../src/domain/synthetic.js';
import { auditStuckRecords } from '../../src/engine/audit.js';
import { fixedClock } from '../../src/engine/clock.js';
import { handleCommand } from '../../src/engine/handle-command.js';
import { MemoryOutbox } from '../../src/engine/outboxes/memory.js';
import { burstCommands } from '../../src/engine/schedule.js';
import { MemoryStore } from '../../src/store/memory.js';

describe('audit of stuck records', () => {
  it('on the day of a deliberately skipped export, finds exactly its records as overdue', async () => {
    const store = new MemoryStore();
    const records = generateRecords({ seed: 3, appPerOffice: 20, startFrom: '2021-08-02', startTo: '2021-08-12', invalidRate: 0 });
    await store.insertRecords(records);
    const deps = { store, outbox: new MemoryOutbox(), clock: fixedClock(0), counterStrategy: 'atomic' as const };
    let id = 0;
    const commands = burstCommands('APP', '2021-07-31', () => `id-${++id}`).filter((c) => c.localOffice !== 'SEV');
    for (const command of commands) expect((await handleCommand(deps, command)).kind).toBe('exported');

    const report = await auditStuckRecords(store, '2021-07-31');
    const expected = records.filter((r) => r.office === 'SEV' && r.status === 'TO_EXPORT').map((r) => r.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(report.stuck.map((r) => r.id)).toEqual(expected);
    expect(report.stuck.every((r) => r.kind === 'overdue' && r.reason === 'the APP run of 2021-07-31 for SEV did not complete')).toBe(true);
    expect(report.incompleteRuns).toEqual(['APP:SEV:2021-07-31']);
    expect(Object.keys(report.byOffice)).toEqual(['SEV']);
  });

  it('flags a run whose batch stopped part-way (a crash after claiming, then dead-lettered)', async () => {
    const store = new MemoryStore();
    const records = generateRecords({ seed: 6, offices: ['KSS'], appPerOffice: 8, startFrom: '2021-08-02', startTo: '2021-08-12', invalidRate: 0, deletedRate: 0 });
    await store.insertRecords(records);
    const crashBeforeWrite = (step: string) => {
      if (step === 'write-file') throw new Error('crash');
    };
    const deps = { store, outbox: new MemoryOutbox(), clock: fixedClock(0), counterStrategy: 'atomic' as const, beforeStep: crashBeforeWrite };
    const [command] = burstCommands('APP', '2021-07-31', () => 'id', ['KSS']);
    await expect(handleCommand(deps, command!)).rejects.toThrow('crash');

    const report = await auditStuckRecords(store, '2021-07-31');
    expect(report.incompleteRuns).toEqual(['APP:KSS:2021-07-31']);
    expect(report.stuck.map((r) => r.id)).toEqual(records.map((r) => r.id).sort());
    expect(report.stuck.every((r) => r.reason.endsWith('(its batch stopped part-way)'))).toBe(true);
  });

  it('once the last chance has passed, reports the records as missed with the reason', async () => {
    const store = new MemoryStore();
    const records = generateRecords({ seed: 5, appPerOffice: 10, startFrom: '2021-08-02', startTo: '2021-08-03', invalidRate: 0, deletedRate: 0 });
    await store.insertRecords(records);
    const report = await auditStuckRecords(store, '2021-08-02');
    const expected = records.filter((r) => r.startDate < '2021-08-04').map((r) => r.id).sort();
    expect(report.stuck.filter((r) => r.kind === 'missed').map((r) => r.id)).toEqual(expected);
    expect(report.stuck.every((r) => r.kind === 'missed' && r.reason.includes('no export run picked it up'))).toBe(true);
  });

  it('reports nothing when every run went out', async () => {
    const store = new MemoryStore();
    await store.insertRecords(generateRecords({ seed: 4, appPerOffice: 5, startFrom: '2021-08-02', startTo: '2021-08-06', invalidRate: 0, deletedRate: 0 }));
    const deps = { store, outbox: new MemoryOutbox(), clock: fixedClock(0), counterStrategy: 'atomic' as const };
    let id = 0;
    for (const command of burstCommands('APP', '2021-07-31', () => `id-${++id}`)) await handleCommand(deps, command);
    expect((await auditStuckRecords(store, '2021-07-31')).stuck).toEqual([]);
  });
});
