import type { RetryConfig } from '../engine/broker.js';
import { OperatingError } from '../errors.js';
import { effectiveVisibilityTimeoutSeconds } from '../sim/models/sqs.js';
import type { Scenario } from '../sim/scenario.js';

export const DEFAULT_COMPRESSION = 100;

/** The scenario asks for something the live adapters cannot be configured to do. Exit code 2. */
export class RealRunUnsupported extends OperatingError {}

export interface RealSettings {
  retry: RetryConfig;
  deleteOnFailureWithoutRedrive: boolean;
  visibilityTimeoutSeconds: number;
}

/**
 * The live adapters' configuration for a scenario, delays divided by `compression`. Only what
 * the adapters implement maps: broker-side retry (TTL wait queue / RedrivePolicy), no retry at all
 * (2021), and Spring Cloud AWS 2.x deletion; faults, replays and consumer-side retry do not.
 */
export function realSettingsOf(scenario: Scenario, compression: number): RealSettings {
  const unsupported = (what: string) => new RealRunUnsupported(`--real cannot run ${scenario.name}: ${what}`);
  if (scenario.faults && Object.keys(scenario.faults).length > 0) throw unsupported('faults are injected by the model only');
  if (scenario.replays?.length) throw unsupported('DLQ replays are not scripted on live brokers');
  const consumer = scenario.consumer ?? {};
  if (consumer.retry || consumer.requeueRejected) throw unsupported('consumer-side retry and requeue are Spring behaviours the engine adapters do not have');
  const broker = scenario.broker;
  if (broker.kind === 'rabbitmq') {
    if ((broker.queueType ?? 'classic') !== 'classic' || broker.deliveryLimit !== undefined) throw unsupported('only classic queues are mapped');
    if (broker.waitQueue) {
      const delayMs = Math.max(1, Math.round(broker.waitQueue.ttlMs / compression));
      return { retry: { mode: 'budget', maxDeliveries: broker.waitQueue.maxDeliveries, delayMs }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: 30 };
    }
    if (broker.deadLetterQueue) throw unsupported('a DLQ without a retry budget is not an adapter configuration');
    return { retry: { mode: 'none' }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: 30 };
  }
  const visibility = Math.max(1, Math.round(effectiveVisibilityTimeoutSeconds(broker) / compression));
  if (broker.redrive) {
    return { retry: { mode: 'budget', maxDeliveries: broker.redrive.maxReceiveCount, delayMs: visibility * 1000 }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: visibility };
  }
  if (consumer.framework !== 'spring-cloud-aws-2') throw unsupported('without a redrive policy SQS retries for 4 days');
  return { retry: { mode: 'none' }, deleteOnFailureWithoutRedrive: true, visibilityTimeoutSeconds: visibility };
}
