import { ensureFerretDb } from '../../scripts/ferretdb.mjs';

/**
 * vitest globalSetup: without MONGODB_URI, the tests get a FerretDB (installed and started by
 * scripts/ferretdb.mjs, or the one already running). Workers start after this and inherit the
 * environment. When FerretDB cannot be had, the MongoDB tests fail naming the reason (never skip).
 */
export default async function setup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  try {
    const { uri, description } = await ensureFerretDb();
    process.env.MONGODB_URI = uri;
    process.stderr.write(`MongoDB tests: ${description}\n`);
  } catch (error) {
    process.env.ESR_MONGODB_UNAVAILABLE = (error as Error).message;
    process.stderr.write(`MongoDB tests: no FerretDB: ${(error as Error).message}\n`);
  }
}
