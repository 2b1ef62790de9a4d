import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';
import { RealRunUnsupported, runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';

describe('--real on the live RabbitMQ (127.0.0.1:5672)', () => {
  it('reproduces the 2021 loss: commands rejected without a dead-letter exchange vanish, records stuck, as the model says', async () => {
    const base = await loadScenario('scenarios/2021-burst.yaml');
    // The Saturday burst alone: one or a few winners, the rest lost, whatever the live timing.
    const result = await runReal({ ...base, commands: base.commands.slice(0, 1) });
    expect(result.broker).toBe('rabbitmq');
    expect(result.real.conflicts).toBeGreaterThan(0);
    expect(result.real.vanished).toBeGreaterThan(0);
    expect(result.real.stuck).toBeGreaterThan(0);
    expect(result.differences).toEqual([]);
    expect(result.agree).toBe(true);
  });

  it('the pre-migration retry policy (TTL wait queue) resolves the burst on the live broker too', async () => {
    let out = '';
    const code = await main(['replay', 'scenarios/2021-burst-pre-migration.yaml', '--real', '--json'], { out: (t) => void (out += t), err: () => undefined });
    const result = JSON.parse(out);
    expect(code).toBe(0);
    expect(result.real).toMatchObject({ stuck: 0, vanished: 0, otherViolations: 0, files: 13 });
    expect(result.real.conflicts).toBeGreaterThan(0);
  });

  it('refuses what the live adapters cannot be configured to do (exit 2)', async () => {
    await expect(runReal(await loadScenario('scenarios/mongodb-outage.yaml'))).rejects.toBeInstanceOf(RealRunUnsupported);
    let err = '';
    const code = await main(['replay', 'scenarios/rabbitmq-4-defaults.yaml', '--real'], { out: () => undefined, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --real cannot run rabbitmq-4-defaults: /);
  });
});
