import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderEsrFile } from '../../src/domain/esr-file.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { runScenario, scenarioRecords } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { summariseRun } from '../../src/sim/sweep-summary.js';

/**
 * Optimisations must not change what a seed does: these seeds' outcomes are pinned (golden file,
 * written by the code before the sweep was made faster). A run's digest covers its whole result,
 * timeline included; the sweep's summary (timeline off) must agree with the full run's.
 * Regenerate with UPDATE_GOLDEN=1 only for a deliberate change of behaviour, and say so.
 */
const PINNED: [file: string, seeds: number][] = [
  ['scenarios/2021-burst.yaml', 50],
  ['scenarios/2021-saturday-burst.yaml', 10],
  ['scenarios/2021-burst-sqs-redrive.yaml', 10],
  ['scenarios/2021-burst-sqs-no-redrive-spring.yaml', 10],
  ['scenarios/consumer-crash-mid-burst.yaml', 10],
  ['scenarios/mongodb-outage.yaml', 10],
  ['scenarios/dlq-flood-replay.yaml', 10],
  ['scenarios/memory-alarm.yaml', 10],
  ['scenarios/rabbitmq-4-defaults.yaml', 10],
];

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

async function outcomes(): Promise<Record<string, unknown[]>> {
  const pinned: Record<string, unknown[]> = {};
  for (const [file, seeds] of PINNED) {
    const scenario = await loadScenario(file);
    const runs = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const full = await runScenario(scenario, seed);
      const swept = summariseRun(await runScenario(scenario, seed, { timeline: false }));
      expect(swept, `${file} seed ${seed}: the sweep's summary`).toEqual(summariseRun(full));
      runs.push({
        seed,
        stuck: full.stuck.length,
        files: full.files.length,
        deadLettered: swept.deadLettered,
        violations: swept.violations.join(',') || '-',
        events: full.stats.eventsRun,
        storeOperations: full.stats.storeOperations,
        virtualMs: full.stats.virtualMs,
        digest: digest(full),
      });
    }
    pinned[file] = runs;
  }
  // The bytes the handler renders for the 2021 data set, one file per office.
  const records = scenarioRecords(await loadScenario('scenarios/2021-burst.yaml'));
  pinned.rendered = OFFICE_CODES.map((office) =>
    digest(renderEsrFile({ type: 'APP', office, runDate: '2021-07-31', sequence: 7, createdAt: Date.UTC(2021, 6, 31, 14, 0, 0, 123), records: records.filter((r) => r.office === office) })),
  );
  return pinned;
}

describe('pinned seed outcomes', () => {
  it('runs these seeds exactly as before, in a replay and in a sweep', async () => {
    const golden = new URL('golden/seed-outcomes.json', import.meta.url);
    const entries = Object.entries(await outcomes()).map(([key, rows]) => ` ${JSON.stringify(key)}: [\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n ]`);
    const text = `{\n${entries.join(',\n')}\n}\n`; // one line per seed, so a diff names the seeds that changed
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, text);
    expect(text).toBe(await readFile(golden, 'utf8'));
  }, 120_000);
});
