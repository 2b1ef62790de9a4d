import { parentPort, workerData } from 'node:worker_threads';
import { runScenario } from './run.js';
import type { Scenario } from './scenario-model.js';
import { summariseRun } from './sweep-summary.js';

/** A sweep worker: receives chunks of seeds, answers with one summary per seed. */
const scenario = (workerData as { scenario: Scenario }).scenario;
const port = parentPort!;
// Conflicts and crashes are thrown as errors by the thousand; a sweep reads none of their stacks (see withoutStackTraces).
Error.stackTraceLimit = 0;

port.on('message', async (chunk: number[] | null) => {
  if (chunk === null) {
    port.close();
    return;
  }
  const summaries = [];
  for (const seed of chunk) summaries.push(summariseRun(await runScenario(scenario, seed, { timeline: false })));
  port.postMessage(summaries);
});
port.postMessage([]);
