import { describe, expect, it } from 'vitest';
import { runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { mongoServerForTests } from '../store/mongo-server.js';

// Every run has a MongoDB-compatible server (FerretDB unless MONGODB_URI names one): this never skips.
const { uri, description } = await mongoServerForTests('esr-sim --real on MongoDB');

describe(`esr-sim --real with the store on ${description}`, () => {
  it('the optimistic Counter conflicts on MongoDB itself, and the 2021 burst loses commands as the model says', async () => {
    const base = await loadScenario('scenarios/2021-burst.yaml');
    const result = await runReal({ ...base, commands: base.commands.slice(0, 1) }, { mongodbUri: uri });
    expect(result.store).toBe('mongodb');
    expect(result.real.conflicts).toBeGreaterThan(0);
    expect(result.real.vanished).toBeGreaterThan(0);
    expect(result.agree).toBe(true);
  });
});
