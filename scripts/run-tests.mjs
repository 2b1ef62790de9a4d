#!/usr/bin/env node
// Runs the whole suite and fails when a test that can run here was skipped: only suites
// whose name starts with "[needs MongoDB]" may skip (no MongoDB server can exist on these machines).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const RESULTS = '.test-results.json';
const ALLOWED_SKIP_PREFIX = '[needs MongoDB]';

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
    .map((test) => ({ file: file.name, name: [...test.ancestorTitles, test.title].join(' > ') })),
);
const forbidden = skipped.filter((test) => !test.name.startsWith(ALLOWED_SKIP_PREFIX));
for (const test of skipped) {
  const verdict = test.name.startsWith(ALLOWED_SKIP_PREFIX) ? 'allowed' : 'NOT ALLOWED';
  console.log(`skipped (${verdict}): ${test.name}  [${test.file}]`);
}
if (forbidden.length > 0) {
  console.error(`${forbidden.length} test(s) that can run on this machine were skipped: failing.`);
  process.exit(1);
}
console.log(`tests: ${results.numPassedTests} passed, ${skipped.length} skipped (allowed: MongoDB unavailable)`);
