import { describe, expect, it } from 'vitest';
import { runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { mongoServerForTests } from '../store/mongo-server.js';

describe('esr-sim --real with the store on MongoDB (FerretDB unless MONGODB_URI names a server)', () => {
  it('the optimistic Counter conflicts on MongoDB itself, and the 2021 burst loses commands within the model\'s bounds', async () => {
    const { uri } = await mongoServerForTests('esr-sim --real on MongoDB');
    // One live run: FerretDB answers a store call in 0.5–8 s here (measured by calibrate), so a run takes ~35 s.
    const base = await loadScenario('scenarios/2021-burst.yaml');
    const result = await runReal({ ...base, commands: base.commands.slice(0, 1) }, { mongodbUri: uri, runs: 1, modelSeeds: 100 });
    expect(result.store).toBe('mongodb');
    for (const run of result.live) {
      expect(run.totals.conflicts).toBeGreaterThan(0);
      expect(run.totals.lost).toBeGreaterThan(0);
      expect(run.fates.acked + run.fates.dropped).toBe(13);
    }
    expect(result.comparison.differences).toEqual([]);
  }, 150_000);
});
