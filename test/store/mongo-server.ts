import { identifyMongoServer, type MongoServerInfo } from '../../src/store/open-store.js';

/**
 * The MongoDB-compatible server every test run has: ESR_TEST_MONGODB_URI, set by the globalSetup
 * (test/store/global-setup.ts) from the user's MONGODB_URI or a FerretDB it started. Never a skip:
 * without one, tests that need it fail with the reason. Prints which server the tests ran against.
 */
export async function mongoServerForTests(what: string): Promise<MongoServerInfo & { uri: string }> {
  const uri = process.env.ESR_TEST_MONGODB_URI;
  if (!uri) {
    const why = process.env.ESR_MONGODB_UNAVAILABLE ?? 'ESR_TEST_MONGODB_URI is not set (the globalSetup in vitest.config.ts did not run)';
    throw new Error(`${what} needs a MongoDB-compatible server: ${why}`);
  }
  const info = await identifyMongoServer(uri);
  process.stderr.write(`${what}: against ${info.description}\n`);
  return { uri, ...info };
}
