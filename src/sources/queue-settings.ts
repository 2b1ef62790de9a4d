/**
 * The one normalised model every source produces and every check reads. A value is either known,
 * absent (the setting is not there: `value: null`), or unknown until apply (`unknown: true`).
 */
export type BrokerKind = 'rabbitmq' | 'sqs';
export type QueueRole = 'work' | 'dead-letter' | 'wait';
export type QueueType = 'classic' | 'quorum' | 'stream' | 'standard' | 'fifo';

export type Origin =
  | 'x-argument'
  | 'policy'
  | 'operator-policy'
  | 'attribute'
  | 'broker-default'
  | 'file'
  | 'consumer-config';

/** Where a value came from, so a finding can say exactly what to change. */
export interface Provenance {
  /** Which source read it, e.g. `rabbitmq-live`, `sqs-live`, `terraform-plan`, `definitions`. */
  source: string;
  origin: Origin;
  /** The policy name, attribute name or resource address. */
  detail?: string;
  file?: string;
  line?: number;
}

export interface Setting<T> {
  /** null: the setting is absent. */
  value: T | null;
  /** Known only after apply (Terraform `after_unknown`). `value` is null then. */
  unknown?: boolean;
  from: Provenance;
}

export interface DeadLetterTarget {
  /** RabbitMQ dead-letters to an exchange; SQS to a queue (ARN). */
  kind: 'exchange' | 'queue';
  name: string;
  routingKey?: string;
  /** Queues the target actually routes to (RabbitMQ bindings), when the source can tell. */
  resolvedQueues?: string[];
}

/** The consumer's own retry (Spring AMQP listener retry, Spring Cloud AWS behaviour). */
export interface ConsumerRetry {
  enabled: boolean;
  maxAttempts: number;
  initialIntervalMs: number;
  multiplier: number;
  maxIntervalMs: number;
  /** Whether a failed message is requeued (true) or rejected to the DLX/dropped (false). */
  requeueRejected: boolean;
  /** Spring Cloud AWS 2.x: deletes a failed message when the queue has no redrive policy. */
  deletesOnFailureWithoutRedrive: boolean;
  from: Provenance;
}

/** A line of a file a user gave: where a queue is declared, or a suppression is written. */
export interface SourceLocation {
  file: string;
  line: number;
}

/**
 * An inline suppression written next to the queue in IaC (a Terraform `# policy-check:skip=ID reason: …`
 * comment, a CloudFormation `Metadata: { policy-check: { skip: [{ id, reason }] } }` entry): the finding
 * with that check id is reported as waived, with the reason.
 */
export interface Suppression {
  checkId: string;
  reason: string;
  location: SourceLocation;
}

export interface QueueSettings {
  broker: BrokerKind;
  /** Queue name (RabbitMQ) or queue name from the URL/ARN (SQS). */
  name: string;
  /** A unique address: `vhost/name` for RabbitMQ, the URL or ARN for SQS. */
  id: string;
  vhost?: string;
  /** Broker version when known (RabbitMQ 3.x vs 4.x changes delivery-limit defaults). */
  brokerVersion?: string;
  role: QueueRole;
  queueType: QueueType;
  /** Deliveries before the message is dead-lettered; 'unlimited' when nothing bounds them. */
  maxDeliveries: Setting<number | 'unlimited'>;
  deadLetterTarget: Setting<DeadLetterTarget>;
  /** Delay between attempts (wait-queue TTL, SQS DelaySeconds/visibility backoff). */
  retryDelaySeconds: Setting<number>;
  visibilityTimeoutSeconds: Setting<number>;
  retentionSeconds: Setting<number>;
  /** Queue-level message TTL (RabbitMQ x-message-ttl); a wait queue's delay. */
  messageTtlSeconds: Setting<number>;
  consumer?: ConsumerRetry;
  /** Where the queue is declared (the plan's configuration / .tf file, the template, the export), when read from a file. */
  location?: SourceLocation;
  /** Inline IaC suppressions for this queue (absent when there are none). */
  suppressions?: Suppression[];
}

/** A place the verifier reads QueueSettings from. Read-only, always. */
export interface Source {
  /** e.g. `rabbitmq-live http://localhost:15672 vhost /`, `terraform-plan plan.json`. Never contains credentials. */
  readonly description: string;
  load(): Promise<QueueSettings[]>;
}
