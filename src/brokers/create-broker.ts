import type { Clock } from '../engine/clock.js';
import type { Logger } from '../engine/log.js';
import type { Broker, RetryConfig } from '../engine/broker.js';
import { MemoryBroker } from './memory.js';

export const BROKER_KINDS = ['memory', 'rabbitmq', 'sqs'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export interface BrokerChoice {
  kind: BrokerKind;
  retry: RetryConfig;
  clock: Clock;
  log?: Logger;
  amqpUrl?: string;
  /** How RabbitMQ implements a retry budget. */
  rabbitMechanism?: 'quorum-delivery-limit' | 'wait-queue';
  sqsEndpoint?: string;
  region?: string;
  /** SQS: the work queue's VisibilityTimeout (default SQS's 30 s). */
  sqsVisibilityTimeoutSeconds?: number;
  /** Spring Cloud AWS 2.x: delete a failed message when the queue has no redrive policy. */
  deleteOnFailureWithoutRedrive?: boolean;
  /** RabbitMQ: bound on connecting (attempts and waits together), in ms. */
  connectTimeoutMs?: number;
  /** Told each failed connect attempt in one human line, while the adapter retries. */
  progress?: (line: string) => void;
}

/** One place that knows every adapter; each is imported only when chosen. */
export async function createBroker(choice: BrokerChoice): Promise<Broker> {
  switch (choice.kind) {
    case 'memory':
      return new MemoryBroker(choice.retry, choice.clock);
    case 'rabbitmq': {
      const { RabbitMqBroker } = await import('./rabbitmq/broker.js');
      return new RabbitMqBroker({
        url: choice.amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672',
        retry: choice.retry,
        mechanism: choice.rabbitMechanism,
        log: choice.log,
        clock: choice.clock,
        progress: choice.progress,
        reconnect: choice.connectTimeoutMs === undefined ? undefined : { maxTotalMs: choice.connectTimeoutMs },
      });
    }
    case 'sqs': {
      const { SqsBroker } = await import('./sqs/broker.js');
      return new SqsBroker({
        endpoint: choice.sqsEndpoint,
        region: choice.region,
        visibilityTimeoutSeconds: choice.sqsVisibilityTimeoutSeconds,
        retry: choice.retry,
        deleteOnFailureWithoutRedrive: choice.deleteOnFailureWithoutRedrive,
        log: choice.log,
        clock: choice.clock,
      });
    }
  }
}
