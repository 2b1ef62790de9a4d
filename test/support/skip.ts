/**
 * The only tests allowed to skip are those needing a service this machine cannot have.
 * Their names start with ALLOWED_SKIP_PREFIX; `scripts/run-tests.mjs` fails the run if any other test skipped.
 */
export const ALLOWED_SKIP_PREFIX = '[needs MongoDB]';

export function printSkip(what: string, reason: string): void {
  process.stderr.write(`SKIPPED ${what}: ${reason}\n`);
}
