import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    allowOnly: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A MongoDB-compatible server for every run: FerretDB unless MONGODB_URI names one.
    globalSetup: ['test/store/global-setup.ts'],
    // The SDK's notice that it will need Node 22 from 2027 drowns the test output; users still see it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
