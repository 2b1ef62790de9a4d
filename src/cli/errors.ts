import { CommanderError } from 'commander';

/** An operating error the CLI reports in one line, with its exit code (2: could not run). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Maps anything thrown by a command to a message and an exit code; never prints a stack trace. */
export function exitCodeFor(error: unknown, writeErr: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // --help and --version are successes; commander already printed them.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  const exitCode = (error as { exitCode?: unknown }).exitCode;
  const message = error instanceof Error ? error.message : String(error);
  writeErr(`error: ${message}\n`);
  return typeof exitCode === 'number' ? exitCode : 2;
}
