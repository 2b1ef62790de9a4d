import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';
import { InputError } from '../../src/config/validated-yaml.js';
import { SQS_DEFAULTS } from '../../src/semantics/sqs/queue-attributes.js';
import { backoffMs, SPRING_DEFAULT_MAX_INTERVAL_MS } from '../../src/sim/models/consumer.js';
import { runFailed } from '../../src/sim/result.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario, parseScenario, scenarioDelayMs, type Scenario } from '../../src/sim/scenario.js';
import { burstScenario } from './support.js';

async function sim(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** Gaps between one message's deliveries, in virtual ms. */
function redeliveryGaps(result: Awaited<ReturnType<typeof runScenario>>): number[] {
  const byMessage = new Map<string, number[]>();
  for (const e of result.events) if (e.kind === 'deliver' && e.messageId) byMessage.set(e.messageId, [...(byMessage.get(e.messageId) ?? []), e.t]);
  return [...byMessage.values()].flatMap((ts) => ts.slice(1).map((t, i) => t - ts[i]!));
}

describe('defaults a user would expect', () => {
  it("an SQS scenario without a visibility timeout gets SQS's own default, 30 s", async () => {
    const base = burstScenario({ offices: 3, maxDeliveries: 3, broker: 'sqs' });
    const { visibilityTimeoutSeconds: _, ...broker } = base.broker as Extract<Scenario['broker'], { kind: 'sqs' }>;
    const scenario: Scenario = { ...base, broker };
    expect(SQS_DEFAULTS.visibilityTimeoutSeconds).toBe(30);
    const gaps = redeliveryGaps(await runScenario(scenario, 1));
    expect(gaps.length).toBeGreaterThan(0);
    // A conflicting command comes back when its visibility timeout ends: 30 s after it was received.
    for (const gap of gaps) expect(gap).toBe(30_000);
    expect(scenarioDelayMs(scenario)).toBe(30_000);
  });

  it('--max-deliveries without --delay-ms keeps the scenario\'s delay: no visibility timeout of 0, no mass dead-lettering', async () => {
    const { code, out } = await sim('replay', 'scenarios/2021-burst-sqs-redrive.yaml', '--max-deliveries', '15', '--json');
    const result = JSON.parse(out) as { replay: string; warnings: string[]; offices: { deadLetters: number }[]; stuck: unknown[] };
    expect(result.replay).toContain('--max-deliveries 15 --delay-ms 30000');
    expect(result.warnings).toEqual([]);
    expect(result.offices.reduce((n, r) => n + r.deadLetters, 0)).toBe(0);
    expect(code).toBe(0);
    expect((await sim('replay', 'scenarios/2021-burst-sqs-redrive.yaml', '--delay-ms', '5')).code).toBe(2);
  });

  it('a zero visibility timeout written explicitly is allowed, and every report warns', async () => {
    const explicit = await sim('replay', 'scenarios/2021-burst-sqs-redrive.yaml', '--max-deliveries', '15', '--delay-ms', '0', '--no-timeline');
    expect(explicit.out).toMatch(/^Warning: SQS visibility timeout is 0: a received message is visible again at once/m);
    const swept = await sim('sweep', 'scenarios/2021-burst-sqs-redrive.yaml', '--seeds', '2', '--max-deliveries', '15', '--delay-ms', '0');
    expect(swept.out).toMatch(/Warning: SQS visibility timeout is 0/);
  });

  it("Spring's back-off stops growing at max-interval, 10 s by default (Spring Boot)", () => {
    const retry = { maxAttempts: 10, initialIntervalMs: 1000, multiplier: 2 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(retry, a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(SPRING_DEFAULT_MAX_INTERVAL_MS).toBe(10_000);
    expect(backoffMs({ ...retry, maxIntervalMs: 30_000 }, 6)).toBe(30_000);
  });
});

describe('RabbitMQ 4.3: only reject counts towards the quorum delivery limit', () => {
  /** Spring's default requeue (basic.nack requeue=true) on a quorum queue limited to 3 deliveries, no DLX. */
  async function nackLoop(version: 4 | string) {
    const base = await loadScenario('scenarios/rabbitmq-4-defaults.yaml');
    return runScenario({ ...base, broker: { kind: 'rabbitmq', version, queueType: 'quorum', deliveryLimit: 2 } }, 2021, { timeline: true });
  }

  it('4.0–4.2 count every requeue: past the limit the message is dropped and records are stuck', async () => {
    const result = await nackLoop(4);
    expect(result.events.some((e) => e.kind === 'dropped' && /delivery limit 2 exceeded/.test(e.detail))).toBe(true);
    expect(result.stats.maxDeliveries).toBe(3);
    expect(runFailed(result)).toBe(true);
  });

  it('4.3 does not count a requeueing nack: the loop goes on until the command wins, nothing is dropped', async () => {
    const result = await nackLoop('4.3');
    expect(result.events.filter((e) => e.kind === 'dropped' || e.kind === 'dead-letter')).toEqual([]);
    expect(result.stats.maxDeliveries).toBeGreaterThan(3);
    expect(result.stuck).toEqual([]);
  });
});

describe('instants in order', () => {
  const text = (horizon: string) =>
    [
      'name: backwards',
      'description: x',
      'start: 2021-07-31T13:59:00Z',
      `horizon: ${horizon}`,
      'records: { offices: [LDN], perOffice: 1, startFrom: 2021-08-04 }',
      'commands:',
      '  - { at: 2021-07-31T14:00:00Z, offices: [LDN] }',
      'broker: { kind: rabbitmq, version: 3 }',
      'expect: { stuckRecords: none, because: x }',
      '',
    ].join('\n');

  it('a horizon before the start is an InputError naming the file and the horizon line', () => {
    const error = (() => {
      try {
        parseScenario(text('2021-07-31T13:00:00Z'), 'backwards.yaml');
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('backwards.yaml:4:10: horizon 2021-07-31T13:00:00Z must be after start 2021-07-31T13:59:00Z');
    expect(error.exitCode).toBe(2);
  });

  it('a command outside [start, horizon] names its own line', () => {
    expect(() => parseScenario(text('2021-07-31T13:59:30Z'), 'early.yaml')).toThrow(/^early\.yaml:7:\d+: commands\[0\]\.at .* must lie between start/);
  });
});
