/**
 * The only tests allowed to skip are those needing multi-document transactions when the MongoDB
 * server is FerretDB (or a standalone mongod), which refuses them: every other service runs here,
 * FerretDB included. Their titles start with ALLOWED_SKIP_PREFIX and name the server's reason;
 * `scripts/run-tests.mjs` fails the run if any other test skipped.
 */
export const ALLOWED_SKIP_PREFIX = '[needs transactions]';

export function printSkip(what: string, reason: string): void {
  process.stderr.write(`SKIPPED ${what}: ${reason}\n`);
}
