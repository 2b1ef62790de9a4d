/**
 * SQS queue attributes → QueueSettings. Pure: shared by live SQS (GetQueueAttributes), Terraform
 * plans and CloudFormation templates, which differ only in where each value comes from.
 */
import { readRedrivePolicy, SQS_DEFAULTS, type RedrivePolicy } from '../semantics/sqs/queue-attributes.js';
import { sqsRoleOf } from '../semantics/sqs/redrive.js';
import { SourceError } from './errors.js';
import type { DeadLetterTarget, Provenance, QueueSettings, Setting, SourceLocation, Suppression } from './queue-settings.js';

export type { RedrivePolicy };
export { SQS_DEFAULTS };

export interface SqsQueueSpec {
  name: string;
  /** Unique address: the URL or ARN (live), the resource address (Terraform), file#LogicalId (CloudFormation). */
  id: string;
  /** Known ARN, to recognise this queue as another queue's redrive target. */
  arn: string | null;
  fifo: boolean;
  /** Absent values (null, not unknown) take the SQS defaults. */
  visibilityTimeoutSeconds: Setting<number>;
  retentionSeconds: Setting<number>;
  redrive: Setting<RedrivePolicy>;
  /** The target's queue name when the source knows it although the ARN is unknown until apply. */
  redriveTargetName?: string;
  /** Where the queue is declared, when read from a file. */
  location?: SourceLocation;
  suppressions?: Suppression[];
}


/** `arn:aws:sqs:eu-west-2:123456789012:esr-dlq` or `https://sqs.../123456789012/esr-dlq` → `esr-dlq`. */
export function queueNameOf(arnOrUrl: string): string {
  return arnOrUrl.split(/[:/]/).filter((part) => part !== '').at(-1) ?? arnOrUrl;
}

/**
 * A RedrivePolicy as SQS stores it (a JSON string; maxReceiveCount as a string or a number) or as an
 * object (CloudFormation), held to the shape SQS accepts. Throws SourceError naming `where` when it is malformed.
 */
export function parseRedrivePolicy(raw: unknown, where: string): RedrivePolicy | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' && typeof raw !== 'object') throw new SourceError(`${where}: RedrivePolicy must be a JSON string or an object`);
  try {
    return readRedrivePolicy(raw);
  } catch (error) {
    const reason = /Reason: (.*)$/.exec((error as Error).message)?.[1] ?? (error as Error).message;
    throw new SourceError(`${where}: ${reason === 'Invalid JSON' ? 'RedrivePolicy is not valid JSON' : `RedrivePolicy is invalid: ${reason}`}`, { cause: error });
  }
}

/** Where an attribute was read: the source, and the file when there is one. */
export interface AttributeOrigin {
  source: string;
  file?: string;
  line?: number;
}

function numberAttribute(attributes: Readonly<Record<string, unknown>>, name: string, at: AttributeOrigin): Setting<number> {
  // Object.assign, not a spread plus keys: on Node 20 that gives every provenance of an estate its own hidden class
  const from: Provenance = Object.assign({}, at, { origin: 'attribute' as const, detail: name });
  const raw = attributes[name];
  const value = raw === undefined || raw === null || raw === '' ? NaN : Number(raw);
  return { value: Number.isFinite(value) ? value : null, from };
}

/**
 * GetQueueAttributes(All) of one queue, as the API answers (every value a string) → the shared SQS
 * spec. Live SQS and the AWS CLI's `get-queue-attributes` output read the same way.
 */
export function specFromAttributes(id: string, name: string, attributes: Readonly<Record<string, unknown>>, at: AttributeOrigin): SqsQueueSpec {
  const arn = typeof attributes.QueueArn === 'string' ? attributes.QueueArn : null;
  return {
    name,
    id,
    arn,
    fifo: attributes.FifoQueue === 'true' || attributes.FifoQueue === true,
    visibilityTimeoutSeconds: numberAttribute(attributes, 'VisibilityTimeout', at),
    retentionSeconds: numberAttribute(attributes, 'MessageRetentionPeriod', at),
    redrive: {
      value: parseRedrivePolicy(attributes.RedrivePolicy, `${at.file === undefined ? `SQS queue ${id}` : `${at.file}:${at.line ?? 1}`}`),
      from: Object.assign({}, at, { origin: 'attribute' as const, detail: 'RedrivePolicy' }),
    },
  };
}

function withDefault(setting: Setting<number>, fallback: number, attribute: string): Setting<number> {
  if (setting.value !== null || setting.unknown) return setting;
  return { value: fallback, from: { source: setting.from.source, origin: 'broker-default', detail: `${attribute} default` } };
}

function targetNameOf(spec: SqsQueueSpec): string | null {
  if (spec.redrive.value !== null) return queueNameOf(spec.redrive.value.deadLetterTargetArn);
  return spec.redriveTargetName ?? null;
}

function maxDeliveriesOf(spec: SqsQueueSpec): Setting<number | 'unlimited'> {
  const { redrive } = spec;
  if (redrive.unknown) return { value: null, unknown: true, from: redrive.from };
  // no RedrivePolicy: SQS redelivers until the retention period expires
  if (redrive.value === null) return { value: 'unlimited', from: redrive.from };
  // a message moves to the DLQ when its receive count exceeds maxReceiveCount: maxReceiveCount deliveries
  return { value: redrive.value.maxReceiveCount, from: redrive.from };
}

function deadLetterTargetOf(spec: SqsQueueSpec): Setting<DeadLetterTarget> {
  const { redrive } = spec;
  if (redrive.value === null) return { value: null, ...(redrive.unknown ? { unknown: true } : {}), from: redrive.from };
  const arn = redrive.value.deadLetterTargetArn;
  return { value: { kind: 'queue', name: arn, resolvedQueues: [queueNameOf(arn)] }, from: redrive.from };
}

export function sqsQueueSettings(specs: readonly SqsQueueSpec[]): QueueSettings[] {
  const targets = new Set(specs.map(targetNameOf).filter((name): name is string => name !== null));
  return specs.map((spec): QueueSettings => {
    const visibility = withDefault(spec.visibilityTimeoutSeconds, SQS_DEFAULTS.visibilityTimeoutSeconds, 'VisibilityTimeout');
    return {
      broker: 'sqs',
      name: spec.name,
      id: spec.id,
      role: sqsRoleOf(spec.name, targets),
      queueType: spec.fifo ? 'fifo' : 'standard',
      maxDeliveries: maxDeliveriesOf(spec),
      deadLetterTarget: deadLetterTargetOf(spec),
      // a failed (undeleted) message is received again once its visibility timeout expires
      retryDelaySeconds: visibility,
      visibilityTimeoutSeconds: visibility,
      retentionSeconds: withDefault(spec.retentionSeconds, SQS_DEFAULTS.retentionSeconds, 'MessageRetentionPeriod'),
      messageTtlSeconds: { value: null, from: { source: spec.redrive.from.source, origin: 'broker-default', detail: 'SQS has no message TTL besides retention' } },
      ...(spec.location === undefined ? {} : { location: spec.location }),
      ...(spec.suppressions === undefined || spec.suppressions.length === 0 ? {} : { suppressions: spec.suppressions }),
    };
  });
}
