import { ensureFerretDb } from '../../scripts/ferretdb.mjs';

/**
 * vitest globalSetup: the MongoDB-compatible server of this run goes to the tests as
 * ESR_TEST_MONGODB_URI — the user's MONGODB_URI when set (a real MongoDB), else a FerretDB
 * (installed and started by scripts/ferretdb.mjs, or the one already running). MONGODB_URI itself is
 * removed from the workers' environment: the CLI reads it too, and tests that run commands on
 * `--state` or the in-memory store must not land in a shared database. Workers start after this
 * and inherit the environment. Without a server, the MongoDB tests fail naming why (never skip).
 */
export default async function setup(): Promise<void> {
  const given = process.env.MONGODB_URI;
  delete process.env.MONGODB_URI;
  if (given) {
    process.env.ESR_TEST_MONGODB_URI = given;
    return;
  }
  try {
    const { uri, description } = await ensureFerretDb();
    process.env.ESR_TEST_MONGODB_URI = uri;
    process.stderr.write(`MongoDB tests: ${description}\n`);
  } catch (error) {
    process.env.ESR_MONGODB_UNAVAILABLE = (error as Error).message;
    process.stderr.write(`MongoDB tests: no FerretDB: ${(error as Error).message}\n`);
  }
}
