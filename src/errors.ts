/**
 * The one base of every operating error: something the user can act on, reported in one line with
 * its exit code (2: the command could not do its job). The CLIs map errors to exit codes only
 * through `instanceof OperatingError` (src/cli/errors.ts); anything else is a defect.
 */
export class OperatingError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
  }

  /** Subclasses keep their own name in messages and logs without restating it. */
  override get name(): string {
    return this.constructor.name;
  }
}
