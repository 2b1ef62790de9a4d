import type { QueueSettings } from '../sources/queue-settings.js';

/** What a fix must set; only the fields a finding is about. */
export interface Wanted {
  maxDeliveries?: number;
  retryDelaySeconds?: number;
  deadLetter?: boolean;
  /** The dead-letter exchange (RabbitMQ) or DLQ ARN (SQS) to use, e.g. the baseline's. */
  deadLetterName?: string;
  /** Where the value to restore came from (parity: the baseline's policy), as a comment. */
  note?: string;
  visibilityTimeoutSeconds?: number;
  retentionSeconds?: number;
  consumerAttempts?: number;
  consumerRequeueRejected?: boolean;
}

const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
const regexEscape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The queue's current DLQ, or a placeholder ARN in the queue's region and account (from its URL or ARN) to replace. */
function dlqArn(queue: QueueSettings, wanted: Wanted): string {
  const existing = queue.deadLetterTarget.value?.name ?? wanted.deadLetterName;
  if (existing) return existing;
  const fromArn = /^arn:aws:sqs:([^:]+):([^:]+):/.exec(queue.id);
  const fromUrl = /^https?:\/\/(?:sqs\.([a-z0-9-]+)\.amazonaws\.com|[^/]+)\/(\d+)\//.exec(queue.id);
  const region = fromArn?.[1] ?? fromUrl?.[1] ?? '<region>';
  const account = fromArn?.[2] ?? fromUrl?.[2] ?? '<account-id>';
  return `arn:aws:sqs:${region}:${account}:${queue.name.replace(/\.fifo$/, '')}-dlq${queue.queueType === 'fifo' ? '.fifo' : ''}`;
}

function rabbitmqFix(queue: QueueSettings, wanted: Wanted): string[] {
  const definition: Record<string, string | number> = {};
  // A quorum queue dead-letters when the delivery count exceeds the limit: limit + 1 deliveries.
  if (wanted.maxDeliveries !== undefined) definition['delivery-limit'] = Math.max(0, wanted.maxDeliveries - 1);
  if (wanted.deadLetter || wanted.maxDeliveries !== undefined) definition['dead-letter-exchange'] = queue.deadLetterTarget.value?.name || wanted.deadLetterName || `${queue.name}.dlx`;
  const lines: string[] = [];
  if (Object.keys(definition).length > 0) {
    lines.push(
      `rabbitmqctl set_policy --vhost ${shellQuote(queue.vhost ?? '/')} --apply-to queues --priority 10 ${shellQuote(`retry-${queue.name}`)} ${shellQuote(`^${regexEscape(queue.name)}$`)} ${shellQuote(JSON.stringify(definition))}`,
    );
    if (queue.queueType !== 'quorum' && definition['delivery-limit'] !== undefined) {
      lines.push('# delivery-limit is enforced only by quorum queues: declare the queue with x-queue-type=quorum');
    }
    if (queue.deadLetterTarget.from.origin === 'policy') {
      lines.push(`# only one policy applies per queue: merge these keys into policy '${queue.deadLetterTarget.from.detail ?? ''}' instead if it matches`);
    }
  }
  if (wanted.deadLetter && !wanted.deadLetterName) lines.push(`# and bind a queue to the dead-letter exchange, e.g. ${queue.name}.dlq`);
  if (wanted.retryDelaySeconds !== undefined) {
    lines.push(
      `# delay: dead-letter into a wait queue with x-message-ttl=${wanted.retryDelaySeconds * 1000} whose dead-letter-exchange routes back to ${queue.name}, or enable consumer back-off`,
    );
  }
  return lines;
}

function sqsAttributes(queue: QueueSettings, wanted: Wanted): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (wanted.maxDeliveries !== undefined || wanted.deadLetter) {
    const maxReceiveCount = wanted.maxDeliveries ?? (typeof queue.maxDeliveries.value === 'number' ? queue.maxDeliveries.value : 5);
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn(queue, wanted), maxReceiveCount: String(maxReceiveCount) });
  }
  if (wanted.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(wanted.visibilityTimeoutSeconds);
  if (wanted.retryDelaySeconds !== undefined) attributes.DelaySeconds = String(Math.min(900, Math.ceil(wanted.retryDelaySeconds)));
  if (wanted.retentionSeconds !== undefined) attributes.MessageRetentionPeriod = String(wanted.retentionSeconds);
  return attributes;
}

const identifier = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_');

/** Provenance details of the queue's settings, e.g. `aws_sqs_queue.commands` or `CommandsQueue.RedrivePolicy`. */
function details(queue: QueueSettings): string[] {
  return [queue.maxDeliveries, queue.deadLetterTarget, queue.visibilityTimeoutSeconds, queue.retentionSeconds].map((setting) => setting.from.detail ?? '');
}

function terraformFix(queue: QueueSettings, wanted: Wanted): string[] {
  const attributes = sqsAttributes(queue, wanted);
  const address = details(queue).find((detail) => /(^|\.)aws_sqs_queue\./.test(detail)) ?? `aws_sqs_queue.${identifier(queue.name)}`;
  const body: string[] = [];
  if (attributes.RedrivePolicy) {
    const redrive = JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount: string };
    body.push(`  redrive_policy = jsonencode({`, `    deadLetterTargetArn = aws_sqs_queue.${identifier(queue.name)}_dlq.arn`, `    maxReceiveCount     = ${redrive.maxReceiveCount}`, `  })`);
  }
  if (attributes.VisibilityTimeout) body.push(`  visibility_timeout_seconds = ${attributes.VisibilityTimeout}`);
  if (attributes.DelaySeconds) body.push(`  delay_seconds = ${attributes.DelaySeconds}`);
  if (attributes.MessageRetentionPeriod) body.push(`  message_retention_seconds = ${attributes.MessageRetentionPeriod}`);
  return body.length === 0 ? [] : [`# ${address}`, `resource "aws_sqs_queue" "${address.split('.').at(-1) ?? identifier(queue.name)}" {`, ...body, '}'];
}

function cloudFormationFix(queue: QueueSettings, wanted: Wanted): string[] {
  const attributes = sqsAttributes(queue, wanted);
  const logicalId = details(queue).find((detail) => detail.includes('.'))?.split('.')[0] ?? identifier(queue.name);
  const body: string[] = [];
  if (attributes.RedrivePolicy) {
    const redrive = JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount: string };
    body.push('      RedrivePolicy:', `        deadLetterTargetArn: !GetAtt ${logicalId}Dlq.Arn`, `        maxReceiveCount: ${redrive.maxReceiveCount}`);
  }
  if (attributes.VisibilityTimeout) body.push(`      VisibilityTimeout: ${attributes.VisibilityTimeout}`);
  if (attributes.DelaySeconds) body.push(`      DelaySeconds: ${attributes.DelaySeconds}`);
  if (attributes.MessageRetentionPeriod) body.push(`      MessageRetentionPeriod: ${attributes.MessageRetentionPeriod}`);
  return body.length === 0 ? [] : [`  ${logicalId}:`, '    Type: AWS::SQS::Queue', '    Properties:', ...body];
}

function sqsCliFix(queue: QueueSettings, wanted: Wanted): string[] {
  const attributes = sqsAttributes(queue, wanted);
  if (Object.keys(attributes).length === 0) return [];
  const url = queue.id.startsWith('http') ? queue.id : `<url of ${queue.name}>`;
  return [`aws sqs set-queue-attributes --queue-url ${url} --attributes ${shellQuote(JSON.stringify(attributes))}`];
}

function consumerFix(queue: QueueSettings, wanted: Wanted): string[] {
  if (wanted.consumerAttempts === undefined && wanted.consumerRequeueRejected === undefined) return [];
  if (queue.broker === 'sqs') {
    return ['# Spring Cloud AWS deletes failed messages when the queue has no RedrivePolicy: give the queue a RedrivePolicy (above)'];
  }
  const lines = [`# ${queue.consumer?.from.file ?? 'application.yml'}`, 'spring.rabbitmq.listener.simple:'];
  if (wanted.consumerRequeueRejected !== undefined) lines.push(`  default-requeue-rejected: ${wanted.consumerRequeueRejected}`);
  if (wanted.consumerAttempts !== undefined) lines.push('  retry:', '    enabled: true', `    max-attempts: ${wanted.consumerAttempts}`, '    initial-interval: 1000ms');
  return lines;
}

/** A copy-pasteable fix in the form the queue is managed by: Terraform or CloudFormation when read from one, else the broker's CLI. */
export function fixFor(queue: QueueSettings, wanted: Wanted): string {
  const source = queue.maxDeliveries.from.source;
  const brokerLines =
    queue.broker === 'rabbitmq'
      ? rabbitmqFix(queue, wanted)
      : source === 'terraform-plan'
        ? terraformFix(queue, wanted)
        : source === 'cloudformation'
          ? cloudFormationFix(queue, wanted)
          : sqsCliFix(queue, wanted);
  return [...(wanted.note ? [`# ${wanted.note}`] : []), ...brokerLines, ...consumerFix(queue, wanted)].join('\n');
}
