import { describe, expect, it } from 'vitest';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { generateRecords } from '../../src/domain/synthetic.js';
import { auditStuckRecords } from '../../src/engine/audit.js';
import { fixedClock } from '../../src/engine/clock.js';
import { handleCommand } from '../../src/engine/handle-command.js';
import { MemoryOutbox } from '../../src/engine/outboxes/memory.js';
import { burstCommands, nextRun, runDailySchedule } from '../../src/engine/schedule.js';
import type { ExportCommand } from '../../src/domain/command.js';
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

describe('schedule', () => {
  it('fires one command per office, all at once', () => {
    let id = 0;
    const commands = burstCommands('DNC', '2021-07-31', () => `id-${++id}`);
    expect(commands.map((c) => c.localOffice)).toEqual(OFFICE_CODES);
    expect(new Set(commands.map((c) => c.commandId)).size).toBe(13);
    expect(commands.every((c) => c.type === 'DNC' && c.runDate === '2021-07-31')).toBe(true);
  });

  it('knows the next daily run: APP at 14:00, DNC at 15:00', () => {
    expect(nextRun(Date.parse('2021-07-31T09:00:00Z'))).toEqual({ type: 'APP', atMs: Date.parse('2021-07-31T14:00:00Z'), runDate: '2021-07-31' });
    expect(nextRun(Date.parse('2021-07-31T14:00:00Z'))).toMatchObject({ type: 'DNC', runDate: '2021-07-31' });
    expect(nextRun(Date.parse('2021-07-31T15:30:00Z'))).toMatchObject({ type: 'APP', runDate: '2021-08-01' });
  });
});

describe('the daily schedule', () => {
  it('fires the APP burst at 14:00 and the DNC burst at 15:00, every day, all offices at once', async () => {
    let now = Date.parse('2021-07-31T09:30:00Z');
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const published: { command: ExportCommand; at: number }[] = [];
    let id = 0;
    const firings = await runDailySchedule({
      clock,
      publish: async (command) => void published.push({ command, at: now }),
      newId: () => `id-${++id}`,
      maxFirings: 3,
    });
    expect(firings).toBe(3);
    const fired = [...new Set(published.map((p) => `${new Date(p.at).toISOString()} ${p.command.type} ${p.command.runDate}`))];
    expect(fired).toEqual(['2021-07-31T14:00:00.000Z APP 2021-07-31', '2021-07-31T15:00:00.000Z DNC 2021-07-31', '2021-08-01T14:00:00.000Z APP 2021-08-01']);
    expect(published).toHaveLength(39);
  });
});
