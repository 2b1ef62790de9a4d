import { describe, expect, it } from 'vitest';
import { runReal } from '../../src/live/real.js';
import { loadScenario } from '../../src/sim/scenario.js';

describe('--real on SQS through the local endpoint (the real @aws-sdk/client-sqs)', () => {
  it('Spring Cloud AWS 2.x without a redrive policy deletes failed commands; live and model agree within the bounds', async () => {
    const result = await runReal(await loadScenario('scenarios/2021-burst-sqs-no-redrive-spring.yaml'), { runs: 2, modelSeeds: 200 });
    expect(result.broker).toBe('sqs');
    for (const run of result.live) {
      expect(run.totals.conflicts).toBeGreaterThan(0);
      expect(run.totals.lost).toBeGreaterThan(0);
      // Read off the queue after a visibility timeout: the failed messages are on no queue, deleted by the consumer.
      expect(run.fates['deleted-on-failure']).toBe(run.totals.lost);
      expect(run.fates['on-broker']).toBe(0);
    }
    expect(result.comparison.differences).toEqual([]);
  }, 90_000);

  it('with a redrive policy every command is exported', async () => {
    const base = await loadScenario('scenarios/2021-burst-sqs-redrive.yaml');
    // Only the Saturday burst, without the model-only duplicate fault: a short live run.
    const scenario = { ...base, faults: undefined, commands: base.commands.slice(0, 1) };
    const result = await runReal(scenario, { runs: 1, modelSeeds: 100, compression: 30 });
    expect(result.live[0]!.totals).toMatchObject({ stuck: 0, lost: 0, deadLettered: 0, onBroker: 0, files: 13 });
    expect(result.live[0]!.fates.acked).toBe(13);
    expect(result.comparison.differences).toEqual([]);
  }, 90_000);
});
