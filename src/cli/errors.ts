import { CommanderError } from 'commander';
import { OperatingError } from '../errors.js';

/** A CLI usage or operating error, reported in one line with its exit code (2: could not run). */
export class CliError extends OperatingError {
  constructor(message: string, exitCode = 2, options: ErrorOptions = {}) {
    super(message, { exitCode, cause: options.cause });
  }
}

export interface ReportOptions {
  /** Prefix of the one line written (`error`, or the program name). */
  prefix?: string;
  /** Removes secrets from the line before it is written. */
  clean?: (text: string) => string;
  /** `DEBUG` set (any value): an internal error also prints its stack. */
  debug?: boolean;
}

/**
 * The one place the three CLIs turn anything thrown into a line and an exit code: an
 * `OperatingError` carries its own; anything else is a defect, reported as an internal error
 * (exit 2, one line; the stack only with DEBUG). Never matches on `error.name`.
 */
export function exitCodeFor(error: unknown, writeErr: (text: string) => void, options: ReportOptions = {}): number {
  const { prefix = 'error', clean = (text: string) => text, debug = process.env.DEBUG !== undefined } = options;
  if (error instanceof CommanderError) {
    // --help and --version are successes; commander already printed them.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  if (error instanceof OperatingError) {
    writeErr(`${prefix}: ${clean(error.message)}\n`);
    return error.exitCode;
  }
  const name = error instanceof Error ? error.name : typeof error;
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  writeErr(`${prefix}: internal error (${name}): ${clean(first)}\n`);
  if (debug && error instanceof Error && error.stack) writeErr(`${clean(error.stack)}\n`);
  return 2;
}
