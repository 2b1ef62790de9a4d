#!/usr/bin/env node
// Runs the whole suite and fails when a test that can run here was skipped. Every service runs
// here, a MongoDB-compatible one included (FerretDB, started by vitest's globalSetup through
// scripts/ferretdb.mjs unless MONGODB_URI names a server). The only tests allowed to skip are the
// transaction strategy's on a server without transactions (FerretDB): their titles start with
// "[needs transactions]" and name the server's reason (test/support/skip.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const RESULTS = '.test-results.json';
const ALLOWED_SKIP_PREFIX = '[needs transactions]';

rmSync(RESULTS, { force: true });
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
if (run.status !== 0) process.exit(run.status ?? 1);

const results = JSON.parse(readFileSync(RESULTS, 'utf8'));
const skipped = results.testResults.flatMap((file) =>
  file.assertionResults
    .filter((test) => test.status === 'skipped' || test.status === 'pending' || test.status === 'todo')
    .map((test) => ({ file: file.name, title: test.title, name: [...test.ancestorTitles, test.title].join(' > ') })),
);
const allowed = (test) => test.title.startsWith(ALLOWED_SKIP_PREFIX);
const forbidden = skipped.filter((test) => !allowed(test));
for (const test of skipped) {
  const verdict = allowed(test) ? 'allowed' : 'NOT ALLOWED';
  console.log(`skipped (${verdict}): ${test.name}  [${test.file}]`);
}
if (forbidden.length > 0) {
  console.error(`${forbidden.length} test(s) that can run on this machine were skipped: failing.`);
  process.exit(1);
}
console.log(`tests: ${results.numPassedTests} passed, ${skipped.length} skipped (allowed: transactions the MongoDB server refuses)`);
