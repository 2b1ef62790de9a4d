import { describe, expect, it } from 'vitest';
import type { ExportCommand } from '../../src/domain/command.js';
import { parseEsrFile } from '../../src/domain/esr-file.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { generateRecords } from '../../src/domain/synthetic.js';
import { isInWindow } from '../../src/domain/window.js';
import { fixedClock } from '../../src/engine/clock.js';
import { HANDLER_STEPS, handleCommand, type HandlerDeps, type HandlerStep } from '../../src/engine/handle-command.js';
import { MemoryOutbox } from '../../src/engine/outboxes/memory.js';
import { jsonLogger } from '../../src/engine/log.js';
import { sequenceReport } from '../../src/engine/sequences.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { CounterStrategy } from '../../src/store/store.js';

const RUN_DATE = '2021-07-31';
const T0 = Date.parse('2021-07-31T14:00:00Z');

class InjectedCrash extends Error {}

async function setup(options: { counter?: CounterStrategy; crashAt?: HandlerStep } = {}) {
  const store = new MemoryStore();
  const records = generateRecords({ seed: 7, appPerOffice: 12, dncPerOffice: 4, startFrom: '2021-08-01', startTo: '2021-08-20' });
  await store.insertRecords(records);
  const outbox = new MemoryOutbox();
  let crashAt = options.crashAt;
  const deps: HandlerDeps = {
    store,
    outbox,
    clock: fixedClock(T0),
    counterStrategy: options.counter ?? 'atomic',
    beforeStep: (step) => {
      if (step === crashAt) {
        crashAt = undefined; // crash once, like a process that dies and is restarted
        throw new InjectedCrash(`crash before ${step}`);
      }
    },
  };
  return { store, outbox, deps, records };
}

function command(office: string, overrides: Partial<ExportCommand> = {}): ExportCommand {
  return { commandId: `cmd-${office}`, type: 'APP', localOffice: office as ExportCommand['localOffice'], runDate: RUN_DATE, correlationId: `corr-${office}`, ...overrides };
}

/** Every eligible record is in exactly one file, and the store agrees with the files. */
async function expectExactlyOnce(ctx: Awaited<ReturnType<typeof setup>>, offices: readonly string[], runDate = RUN_DATE) {
  const inFiles = new Map<string, string[]>();
  for (const name of await ctx.outbox.list()) {
    const file = parseEsrFile((await ctx.outbox.read(name))!, name);
    for (const record of file.records) inFiles.set(record.id, [...(inFiles.get(record.id) ?? []), name]);
  }
  const eligible = ctx.records.filter(
    (r) => r.type === 'APP' && offices.includes(r.office) && r.status === 'TO_EXPORT' && isInWindow(r.startDate, runDate),
  );
  expect(eligible.length).toBeGreaterThan(0);
  for (const record of eligible) {
    expect(inFiles.get(record.id), record.id).toHaveLength(1);
    const stored = (await ctx.store.findRecords({ office: record.office })).find((r) => r.id === record.id)!;
    expect(stored.status).toBe('EXPORTED');
    expect(stored.fileName).toBe(inFiles.get(record.id)![0]);
  }
  for (const [id, files] of inFiles) expect(files, id).toHaveLength(1);
  const sequences = await sequenceReport(ctx.store);
  for (const report of sequences) expect(report.duplicated).toEqual([]);
  return { inFiles, sequences };
}

describe('handleCommand', () => {
  it('exports the office records in the window into one file and marks them EXPORTED', async () => {
    const ctx = await setup();
    const outcome = await handleCommand(ctx.deps, command('LDN'));
    expect(outcome).toMatchObject({ kind: 'exported', fileName: 'DE_LDN_APP_20210731_00000001.DAT', sequence: 1, resumed: false });
    await expectExactlyOnce(ctx, ['LDN']);
    const others = await ctx.store.findRecords({ office: 'MER' });
    expect(others.every((r) => r.status !== 'EXPORTED')).toBe(true);
    const outside = (await ctx.store.findRecords({ office: 'LDN', type: 'APP' })).filter((r) => !isInWindow(r.startDate, RUN_DATE));
    expect(outside.every((r) => r.status !== 'EXPORTED')).toBe(true);
  });

  it('accepts the command as JSON text and rejects a malformed one without touching the store', async () => {
    const ctx = await setup();
    expect((await handleCommand(ctx.deps, JSON.stringify(command('SEV')))).kind).toBe('exported');
    for (const bad of ['{"type":"APP"}', 'not json', { ...command('SEV'), localOffice: 'XXX' }, { ...command('SEV'), runDate: '2021-02-30' }]) {
      const outcome = await handleCommand(ctx.deps, bad);
      expect(outcome.kind).toBe('invalid');
      expect(outcome.kind === 'invalid' && outcome.reason).toMatch(/invalid export command/);
    }
    expect(await ctx.outbox.list()).toHaveLength(1);
    expect((await ctx.store.readCounter('APP')).value).toBe(1);
  });

  it('logs structured JSON lines, each with the command\'s correlation id', async () => {
    const ctx = await setup({ counter: 'optimistic' });
    const lines: string[] = [];
    const log = jsonLogger((line) => lines.push(line), () => T0);
    const deps = { ...ctx.deps, log };
    await Promise.all(['LDN', 'MER'].map((office) => handleCommand(deps, command(office))));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const entries = lines.map((line) => JSON.parse(line) as { correlationId?: string; time: string; message: string });
    expect(entries.every((entry) => entry.correlationId === 'corr-LDN' || entry.correlationId === 'corr-MER')).toBe(true);
    expect(entries.every((entry) => entry.time === '2021-07-31T14:00:00.000Z')).toBe(true);
    expect(entries.map((e) => e.message)).toContain('conflict');
  });

  it('says nothing-to-export when no record is in the window', async () => {
    const ctx = await setup();
    expect(await handleCommand(ctx.deps, command('LDN', { runDate: '2022-01-01' }))).toEqual({ kind: 'nothing-to-export' });
    expect(await ctx.outbox.list()).toEqual([]);
  });

  it('is idempotent: a redelivered or duplicated command never makes a second file', async () => {
    const ctx = await setup();
    expect((await handleCommand(ctx.deps, command('LDN'))).kind).toBe('exported');
    const again = await handleCommand(ctx.deps, command('LDN'));
    expect(again).toMatchObject({ kind: 'already-exported', fileName: 'DE_LDN_APP_20210731_00000001.DAT' });
    const other = await handleCommand(ctx.deps, command('LDN', { commandId: 'manual-1', correlationId: 'manual' }));
    expect(other.kind).toBe('already-exported');
    expect(await ctx.outbox.list()).toHaveLength(1);
  });

  it('five concurrent copies of one command produce exactly one file', async () => {
    const ctx = await setup();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => handleCommand(ctx.deps, command('EOE'))));
    expect(outcomes.filter((o) => o.kind === 'exported' && !o.resumed)).toHaveLength(1);
    expect(await ctx.outbox.list()).toHaveLength(1);
    await expectExactlyOnce(ctx, ['EOE']);
  });

  it('overlapping runs of the same office never put a record into two files', async () => {
    const ctx = await setup();
    await Promise.all([
      handleCommand(ctx.deps, command('OXF', { runDate: '2021-07-30', commandId: 'a' })),
      handleCommand(ctx.deps, command('OXF', { runDate: '2021-07-31', commandId: 'b' })),
      handleCommand(ctx.deps, command('OXF', { runDate: '2021-08-01', commandId: 'c' })),
    ]);
    const { inFiles } = await expectExactlyOnce(ctx, ['OXF'], '2021-07-31');
    expect(inFiles.size).toBeGreaterThan(0);
  });

  it('with the optimistic counter, simultaneous commands conflict without side effects, and replaying resolves them', async () => {
    const ctx = await setup({ counter: 'optimistic' });
    let pending = OFFICE_CODES.map((office) => command(office));
    let rounds = 0;
    let conflicts = 0;
    while (pending.length > 0 && rounds < 20) {
      rounds++;
      const outcomes = await Promise.all(pending.map((c) => handleCommand(ctx.deps, c)));
      conflicts += outcomes.filter((o) => o.kind === 'conflict').length;
      pending = pending.filter((_, i) => outcomes[i]!.kind === 'conflict');
      // A conflict happens before any state change: nothing is claimed or opened for the losers.
      for (const c of pending) expect(await ctx.store.findBatch(`APP:${c.localOffice}:${RUN_DATE}`)).toBeNull();
    }
    expect(conflicts).toBeGreaterThan(0);
    expect(pending).toEqual([]);
    await expectExactlyOnce(ctx, OFFICE_CODES);
  });

  it('with the atomic counter, the same burst has no conflict at all', async () => {
    const ctx = await setup({ counter: 'atomic' });
    const outcomes = await Promise.all(OFFICE_CODES.map((office) => handleCommand(ctx.deps, command(office))));
    expect(outcomes.every((o) => o.kind === 'exported')).toBe(true);
    const { sequences } = await expectExactlyOnce(ctx, OFFICE_CODES);
    expect(sequences.find((s) => s.type === 'APP')).toMatchObject({ allocated: 13, burnt: [] });
  });

  describe('crash safety: killed before each step, then retried', () => {
    for (const step of HANDLER_STEPS) {
      it(`crash before ${step}`, async () => {
        const ctx = await setup({ crashAt: step });
        await expect(handleCommand(ctx.deps, command('NWN'))).rejects.toThrow(InjectedCrash);
        const retry = await handleCommand(ctx.deps, command('NWN'));
        expect(['exported', 'already-exported']).toContain(retry.kind);
        expect(await ctx.outbox.list()).toHaveLength(1);
        const { sequences } = await expectExactlyOnce(ctx, ['NWN']);
        const app = sequences.find((s) => s.type === 'APP')!;
        // Only a crash between allocating and opening the batch burns a number.
        expect(app.burnt).toEqual(step === 'open-batch' ? [1] : []);
      });
    }

    it('a batch orphaned by a crash is finished by the next command for that office', async () => {
      const ctx = await setup({ crashAt: 'write-file' });
      await expect(handleCommand(ctx.deps, command('WES'))).rejects.toThrow(InjectedCrash);
      // The crashed command is never retried (dead-lettered); the next day's run finds its batch.
      await handleCommand(ctx.deps, command('WES', { runDate: '2021-08-01', commandId: 'next-day' }));
      await expectExactlyOnce(ctx, ['WES']);
    });
  });
});
