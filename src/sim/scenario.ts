import { readFileSync } from 'node:fs';
import { parseValidatedYaml, readValidatedYaml } from '../config/validated-yaml.js';
import { OFFICE_CODES, type OfficeCode } from '../domain/offices.js';
import type { RetryBudget, ScenarioFile } from './scenario-types.js';

export type * from './scenario-types.js';

/** `schemas/` ships at the package root; `src/sim` (tsx) and `dist/sim` (built) both sit two levels below it. */
export const scenarioSchema: object = JSON.parse(readFileSync(new URL('../../schemas/scenario.schema.json', import.meta.url), 'utf8')) as object;
const schema = scenarioSchema;

/** A scenario plus the file it came from (for the replay command a failure prints). */
export interface Scenario extends ScenarioFile {
  file: string | null;
  /** Set by `withRetryBudget`: replay commands must repeat it. */
  budget?: RetryBudget;
}

export async function loadScenario(file: string): Promise<Scenario> {
  const parsed = await readValidatedYaml<ScenarioFile>(file, schema);
  return { ...parsed, file };
}

export function parseScenario(text: string, file: string): Scenario {
  return { ...parseValidatedYaml<ScenarioFile>(text, file, schema), file };
}

export function officesOf(offices: 'all' | OfficeCode[]): OfficeCode[] {
  return offices === 'all' ? [...OFFICE_CODES] : offices;
}

/**
 * Installs a retry budget on the scenario's own retry mechanism, as `prove` and `recommend` do:
 * SQS → RedrivePolicy maxReceiveCount and visibility timeout; Spring AMQP listener retry →
 * maxAttempts and a fixed interval; otherwise (engine consumer on RabbitMQ) → a TTL wait queue
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
      consumer: { ...scenario.consumer, retry: { maxAttempts: maxDeliveries, initialIntervalMs: delayMs, multiplier: 1 } },
    };
  }
  return {
    ...scenario,
    broker: { ...broker, deadLetterQueue: true, waitQueue: { ttlMs: delayMs, maxDeliveries } },
    consumer: { ...scenario.consumer, framework: 'engine', requeueRejected: false },
  };
}

/** The same scenario with every timing made exact: what the closed form and the explorer assume. */
export function withoutJitter(scenario: Scenario): Scenario {
  return {
    ...scenario,
    store: { ...scenario.store, jitterMs: 0 },
    commands: scenario.commands.map((c) => ({ ...c, spreadMs: 0 })),
  };
}
