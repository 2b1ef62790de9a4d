/**
 * A scenario as the simulator runs it, and what is derived from one. No file reading and no schema
 * here (scenario.ts reads files), so a sweep's worker threads start without the YAML parser and the validator.
 */
import { OFFICE_CODES, type OfficeCode } from '../domain/offices.js';
import { effectiveVisibilityTimeoutSeconds } from './models/sqs.js';
import type { RetryBudget, ScenarioFile } from './scenario-types.js';

export type * from './scenario-types.js';

/** A scenario plus the file it came from (for the replay command a failure prints). */
export interface Scenario extends ScenarioFile {
  file: string | null;
  /** Set by `withRetryBudget`: replay commands must repeat it. */
  budget?: RetryBudget;
}

/**
 * What the scenario sets that a reader may not expect, for every report to print: a zero visibility
 * timeout or TTL (allowed only when written, never by a default) redelivers at once.
 */
export function scenarioWarnings(scenario: Scenario): string[] {
  const warnings: string[] = [];
  const broker = scenario.broker;
  if (broker.kind === 'sqs' && effectiveVisibilityTimeoutSeconds(broker) === 0) {
    warnings.push('SQS visibility timeout is 0: a received message is visible again at once, so several consumers can hold it together');
  }
  if (broker.kind === 'rabbitmq' && broker.waitQueue?.ttlMs === 0) {
    warnings.push('wait queue TTL is 0: a failed command comes back at once (no delay between deliveries)');
  }
  return warnings;
}

/**
 * The delay between deliveries the scenario already has, for `--max-deliveries` without `--delay-ms`:
 * SQS's visibility timeout (its default, 30 s, when the scenario sets none), the wait queue's TTL,
 * Spring's listener retry interval; 0 only for a retry mechanism with no delay of its own.
 */
export function scenarioDelayMs(scenario: Scenario): number {
  const broker = scenario.broker;
  if (broker.kind === 'sqs') return effectiveVisibilityTimeoutSeconds(broker) * 1000;
  if (scenario.consumer?.framework === 'spring-amqp' && scenario.consumer.retry) return scenario.consumer.retry.initialIntervalMs;
  return broker.waitQueue?.ttlMs ?? 0;
}

export function officesOf(offices: 'all' | OfficeCode[]): OfficeCode[] {
  return offices === 'all' ? [...OFFICE_CODES] : offices;
}

/**
 * Installs a retry budget on the scenario's own retry mechanism, as `prove` and `recommend` do:
 * SQS → RedrivePolicy maxReceiveCount and visibility timeout; Spring AMQP listener retry →
 * maxAttempts and a fixed interval (max-interval raised to it, past Spring Boot's 10 s cap); otherwise (engine consumer on RabbitMQ) → a TTL wait queue
 * with a DLQ behind it. A scenario with no retry at all (2021) gets the broker-side one.
 */
export function withRetryBudget(scenario: Scenario, budget: RetryBudget): Scenario {
  const { maxDeliveries, delayMs } = budget;
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) throw new RangeError(`maxDeliveries must be ≥ 1, got ${maxDeliveries}`);
  if (!(delayMs >= 0)) throw new RangeError(`delayMs must be ≥ 0, got ${delayMs}`);
  const broker = scenario.broker;
  scenario = { ...scenario, budget };
  if (broker.kind === 'sqs') {
    return {
      ...scenario,
      broker: { ...broker, redrive: { maxReceiveCount: maxDeliveries }, visibilityTimeoutSeconds: Math.ceil(delayMs / 1000) },
      consumer: { ...scenario.consumer, framework: scenario.consumer?.framework ?? 'engine' },
    };
  }
  if (scenario.consumer?.framework === 'spring-amqp' && scenario.consumer.retry) {
    return {
      ...scenario,
      broker: { ...broker, deadLetterQueue: true },
      consumer: { ...scenario.consumer, retry: { maxAttempts: maxDeliveries, initialIntervalMs: delayMs, multiplier: 1, maxIntervalMs: delayMs } },
    };
  }
  return {
    ...scenario,
    broker: { ...broker, deadLetterQueue: true, waitQueue: { ttlMs: delayMs, maxDeliveries } },
    consumer: { ...scenario.consumer, framework: 'engine', requeueRejected: false },
  };
}

/**
 * The scenario with its measured `timing` block in force (and removed, so applying it twice is
 * harmless): store latencies, the broker's delivery latency, and the measured spread of deliveries
 * added to every burst's own spread. Without a block, the scenario as written.
 */
export function withTiming(scenario: Scenario): Scenario {
  const t = scenario.timing;
  if (!t) return scenario;
  const broker = scenario.broker;
  const deliveryLatency = t.deliveryLatencyMs;
  return {
    ...scenario,
    timing: undefined,
    store: {
      ...scenario.store,
      ...(t.storeLatencyMs !== undefined && { latencyMs: t.storeLatencyMs }),
      ...(t.storeJitterMs !== undefined && { jitterMs: t.storeJitterMs }),
      ...(t.operationLatencyMs && { operationLatencyMs: { ...scenario.store?.operationLatencyMs, ...t.operationLatencyMs } }),
    },
    broker:
      deliveryLatency === undefined ? broker : broker.kind === 'sqs' ? { ...broker, receiveLatencyMs: deliveryLatency } : { ...broker, deliveryLatencyMs: deliveryLatency },
    commands: scenario.commands.map((c) => ({ ...c, spreadMs: (c.spreadMs ?? 0) + (t.deliverySpreadMs ?? 0) })),
  };
}

/** The same scenario with every timing made exact: what the closed form and the explorer assume. */
export function withoutJitter(scenario: Scenario): Scenario {
  scenario = withTiming(scenario);
  return {
    ...scenario,
    store: { ...scenario.store, jitterMs: 0 },
    commands: scenario.commands.map((c) => ({ ...c, spreadMs: 0 })),
  };
}
