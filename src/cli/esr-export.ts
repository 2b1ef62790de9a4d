import { Command } from 'commander';
import { VERSION } from '../version.js';
import { exitCodeFor } from './errors.js';
import { processIo, type Io } from './io.js';
import { registerEngineCommands } from './export/commands.js';
import { registerDemo } from './export/demo.js';
import { registerDlqCommands } from './export/dlq.js';
import { registerSqsLocal } from './export/sqs-local.js';

/** `esr-export`: the ESR export engine's commands. Returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number) => (exitCode = code);
  const program = new Command('esr-export')
    .description('ESR export engine: export runs, manual triggers, the daily burst, audit of stuck records, DLQ replay')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerEngineCommands(program, io, setExitCode);
  registerDlqCommands(program, io, setExitCode);
  registerDemo(program, io, setExitCode);
  registerSqsLocal(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io.err);
  }
}
