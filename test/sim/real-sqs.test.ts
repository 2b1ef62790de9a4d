import { describe, expect, it } from 'vitest';
import { runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';

describe('--real on SQS through the local endpoint (the real @aws-sdk/client-sqs)', () => {
  it('Spring Cloud AWS 2.x without a redrive policy deletes failed commands, as the model says', async () => {
    const result = await runReal(await loadScenario('scenarios/2021-burst-sqs-no-redrive-spring.yaml'));
    expect(result.broker).toBe('sqs');
    expect(result.real.conflicts).toBeGreaterThan(0);
    expect(result.real.vanished).toBeGreaterThan(0);
    expect(result.agree).toBe(true);
  });

  it('with a redrive policy every command is exported', async () => {
    const base = await loadScenario('scenarios/2021-burst-sqs-redrive.yaml');
    // Only the Saturday burst, without the model-only duplicate fault: a short live run.
    const scenario = { ...base, faults: undefined, commands: base.commands.slice(0, 1) };
    const result = await runReal(scenario, { compression: 30 });
    expect(result.real).toMatchObject({ stuck: 0, vanished: 0, deadLettered: 0, otherViolations: 0, files: 13 });
    expect(result.agree).toBe(true);
  });
});
