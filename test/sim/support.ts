import { OFFICE_CODES, type OfficeCode } from '../../src/domain/offices.js';
import type { BrokerSpec, Scenario } from '../../src/sim/scenario.js';

/**
 * The closed-form setting: K commands at one instant, the optimistic Counter, identical handler
 * times (no jitter), one consumer per command, and a broker retry of N deliveries `delayMs` apart.
 */
export function burstScenario(options: { offices: number; maxDeliveries: number; delayMs?: number; jitterMs?: number; broker?: 'rabbitmq' | 'sqs' }): Scenario {
  const offices = OFFICE_CODES.slice(0, options.offices) as OfficeCode[];
  const delayMs = options.delayMs ?? 1000;
  const broker: BrokerSpec =
    options.broker === 'sqs'
      ? { kind: 'sqs', visibilityTimeoutSeconds: Math.ceil(delayMs / 1000), redrive: { maxReceiveCount: options.maxDeliveries } }
      : { kind: 'rabbitmq', version: 3, queueType: 'classic', deadLetterQueue: true, waitQueue: { ttlMs: delayMs, maxDeliveries: options.maxDeliveries } };
  return {
    file: null,
    name: `burst-${options.offices}-${options.maxDeliveries}`,
    description: 'closed-form check',
    seed: 1,
    start: '2021-07-31T13:59:00Z',
    horizon: '2021-07-31T20:00:00Z',
    records: { offices, perOffice: 1, startFrom: '2021-08-04' },
    commands: [{ at: '2021-07-31T14:00:00Z', offices }],
    handler: { counter: 'optimistic' },
    store: { latencyMs: 5, jitterMs: options.jitterMs ?? 0, writeFileMs: 20 },
    broker,
    consumer: { framework: 'engine', processes: options.offices, concurrency: 1 },
    expect: { stuckRecords: 'none', because: 'test' },
  };
}
