import { describe, expect, it } from 'vitest';
import { runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ALLOWED_SKIP_PREFIX, printSkip } from '../support/skip.js';

const uri = process.env['MONGODB_URI'];
if (!uri) printSkip('esr-sim --real on MongoDB', 'MONGODB_URI is not set (no MongoDB server can run on this machine)');

describe.skipIf(!uri)(`${ALLOWED_SKIP_PREFIX} esr-sim --real with the store on MongoDB`, () => {
  it('the optimistic Counter conflicts on MongoDB itself, and the 2021 burst loses commands as the model says', async () => {
    const base = await loadScenario('scenarios/2021-burst.yaml');
    const result = await runReal({ ...base, commands: base.commands.slice(0, 1) }, { mongodbUri: uri });
    expect(result.store).toBe('mongodb');
    expect(result.real.conflicts).toBeGreaterThan(0);
    expect(result.real.vanished).toBeGreaterThan(0);
    expect(result.agree).toBe(true);
  });
});
