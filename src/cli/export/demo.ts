import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { systemClock } from '../../engine/clock.js';
import { runExportDemo } from '../../engine/export-demo.js';
import { FolderOutbox } from '../../engine/outboxes/folder.js';
import type { Io } from '../io.js';
import { isoDate, nonNegativeInt, positiveInt } from '../options.js';

export function registerDemo(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('demo')
    .description('seed a realistic data set and run the export burst for all 13 offices into a local folder')
    .option('--outbox <dir>', 'folder for the ESR files', 'out/demo')
    .option('--date <date>', 'run date', '2021-07-31')
    .option('--per-office <n>', 'APP records per office', '200')
    .option('--seed <n>', 'random seed', '2021')
    .action(async (options: { outbox: string; date: string; perOffice: string; seed: string }) => {
      const outbox = new FolderOutbox(options.outbox);
      const result = await runExportDemo({
        runDate: isoDate(options.date, '--date'),
        appPerOffice: positiveInt(options.perOffice, '--per-office'),
        dncPerOffice: Math.ceil(positiveInt(options.perOffice, '--per-office') / 5),
        seed: nonNegativeInt(options.seed, '--seed'),
        outbox,
        clock: systemClock,
        newId: randomUUID,
      });
      io.out(`seeded ${result.records} synthetic records; export run ${options.date} for 13 offices\n`);
      for (const file of result.run.files) {
        const text = (await outbox.read(file)) ?? '';
        io.out(`  ${options.outbox}/${file}  ${text.split('\n').filter(Boolean).length - 2} record(s)\n`);
      }
      for (const s of result.sequences) io.out(`  ${s.type} sequence numbers used ${s.used.length}, burnt ${s.burnt.length}, duplicated ${s.duplicated.length}\n`);
      io.out(`audit ${result.audit.asOf}: ${result.audit.stuck.length} record(s) stuck\n`);
      setExitCode(result.run.files.length === 26 ? 0 : 1);
    });
}
