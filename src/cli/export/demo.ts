import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { IsoDate } from '../../domain/dates.js';
import { MemoryBroker } from '../../brokers/memory.js';
import { systemClock } from '../../engine/clock.js';
import { runExportDemo } from '../../engine/export-demo.js';
import { FolderOutbox } from '../../engine/outboxes/folder.js';
import type { Io } from '../io.js';
import { isoDate, nonNegativeInt, parsedBy, positiveInt } from '../options.js';

/** 13 offices × APP and DNC. */
const DEMO_FILES = 26;

export function registerDemo(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('demo')
    .description('seed a realistic data set and run the export burst for all 13 offices into a local folder')
    .option('--outbox <dir>', 'folder for the ESR files', 'out/demo')
    .addOption(new Option('--date <date>', 'run date').argParser(parsedBy(isoDate, '--date')).default('2021-07-31'))
    .addOption(new Option('--per-office <n>', 'APP records per office').argParser(parsedBy(positiveInt, '--per-office')).default(200))
    .addOption(new Option('--seed <n>', 'random seed').argParser(parsedBy(nonNegativeInt, '--seed')).default(2021))
    .action(async (options: { outbox: string; date: IsoDate; perOffice: number; seed: number }) => {
      const outbox = new FolderOutbox(options.outbox);
      // Not a folder, read-only, …: said in one line (OutboxError) before anything is seeded.
      await outbox.prepare();
      const result = await runExportDemo({
        runDate: options.date,
        appPerOffice: options.perOffice,
        dncPerOffice: Math.ceil(options.perOffice / 5),
        seed: options.seed,
        outbox,
        clock: systemClock,
        newId: randomUUID,
        broker: new MemoryBroker({ mode: 'budget', maxDeliveries: 20, delayMs: 10 }, systemClock),
      });
      io.out(`seeded ${result.records} synthetic records; export run ${options.date} for 13 offices\n`);
      for (const file of result.run.files) {
        const text = (await outbox.read(file)) ?? '';
        io.out(`  ${options.outbox}/${file}  ${text.split('\n').filter(Boolean).length - 2} record(s)\n`);
      }
      for (const s of result.sequences) io.out(`  ${s.type} sequence numbers used ${s.used.length}, burnt ${s.burnt.length}, duplicated ${s.duplicated.length}\n`);
      io.out(`audit ${result.audit.asOf}: ${result.audit.stuck.length} record(s) stuck\n`);
      if (result.run.files.length === DEMO_FILES) return setExitCode(0);
      const why = Object.entries(result.run.outcomes).map(([kind, n]) => `${n} ${kind}`).join(', ');
      io.err(`demo: ${result.run.files.length} of ${DEMO_FILES} files written (outcomes: ${why})\n`);
      setExitCode(1);
    });
}
