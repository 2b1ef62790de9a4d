import { SQS_DEFAULTS } from '../semantics/sqs/queue-attributes.js';
import { dlqOutlivesSource, dlqTypeMatches } from '../semantics/sqs/redrive.js';
import { deliveryLimitFor } from '../semantics/rabbitmq/versions.js';
import type { QueueSettings } from '../sources/queue-settings.js';
import { besideOf, queuesNamed } from './checks/check.js';
import { queueNameFromArnOrUrl } from './checks/dead-letter.js';

/** What a fix must set; only the fields a finding is about. */
export interface Wanted {
  maxDeliveries?: number;
  retryDelaySeconds?: number;
  deadLetter?: boolean;
  /** ESR-DLQ-002: the DLQ must match the queue's type and keep messages longer. */
  deadLetterQueue?: boolean;
  /** The dead-letter exchange (RabbitMQ) or DLQ ARN (SQS) to use, e.g. the baseline's. */
  deadLetterName?: string;
  /** Where the value to restore came from (parity: the baseline's policy), as a comment. */
  note?: string;
  visibilityTimeoutSeconds?: number;
  retentionSeconds?: number;
  consumerAttempts?: number;
  consumerRequeueRejected?: boolean;
}

/** The longest retention SQS allows: a new or fixed DLQ keeps messages this long. */
const MAX_RETENTION_SECONDS = 1_209_600;
const DAY_SECONDS = 86_400;

const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
const regexEscape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const identifier = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_');

/** The queue's dead-letter queue among the queues read, when it exists. */
function dlqOf(queue: QueueSettings, queues: readonly QueueSettings[]): QueueSettings | undefined {
  const target = queue.deadLetterTarget.value;
  if (target === null) return undefined;
  if (queue.broker === 'sqs') return queuesNamed(queues, queueNameFromArnOrUrl(target.name)).find((other) => other.broker === 'sqs');
  return (target.resolvedQueues ?? []).filter((name) => name !== queue.name).map((name) => besideOf(queues, queue, name)).find((other) => other !== undefined);
}

/** What the DLQ must become: a new one when there is none or its type is wrong; else a longer retention on the existing one. */
interface DlqPlan {
  existing?: QueueSettings;
  /** Create a DLQ of the queue's type with this name. */
  create?: string;
  /** Set on the existing DLQ. */
  retentionSeconds?: number;
  /** Lower the source's retention (it already keeps messages as long as SQS allows). */
  sourceRetentionSeconds?: number;
}

function sqsDlqPlan(queue: QueueSettings, queues: readonly QueueSettings[], wanted: Wanted): DlqPlan | null {
  const needsPath = wanted.deadLetter === true || wanted.maxDeliveries !== undefined;
  if (!needsPath && !wanted.deadLetterQueue) return null;
  const existing = dlqOf(queue, queues);
  const fifo = queue.queueType === 'fifo';
  const newName = `${queue.name.replace(/\.fifo$/, '')}-dlq${fifo ? '.fifo' : ''}`;
  const source = queue.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  // a new DLQ keeps messages as long as SQS allows: a source that already does must keep them a day less
  const create: DlqPlan = { create: newName, ...(source >= MAX_RETENTION_SECONDS ? { sourceRetentionSeconds: MAX_RETENTION_SECONDS - DAY_SECONDS } : {}) };
  if (existing === undefined) return queue.deadLetterTarget.value === null || wanted.deadLetterQueue || needsPath ? create : null;
  if (!dlqTypeMatches(fifo, existing.queueType === 'fifo')) return create;
  const dlq = existing.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  if (dlqOutlivesSource(source, dlq)) return { existing };
  if (source >= MAX_RETENTION_SECONDS) return { existing, retentionSeconds: MAX_RETENTION_SECONDS, sourceRetentionSeconds: MAX_RETENTION_SECONDS - DAY_SECONDS };
  return { existing, retentionSeconds: MAX_RETENTION_SECONDS };
}

/** The receive count a redrive policy needs: the policy's minimum, else what the queue has, else 5. */
function maxReceiveCountOf(queue: QueueSettings, wanted: Wanted): number {
  return wanted.maxDeliveries ?? (typeof queue.maxDeliveries.value === 'number' ? queue.maxDeliveries.value : 5);
}

/** The queue's own attributes to set (the DLQ's are planned apart). */
function ownAttributes(queue: QueueSettings, wanted: Wanted, plan: DlqPlan | null): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (wanted.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(wanted.visibilityTimeoutSeconds);
  if (wanted.retryDelaySeconds !== undefined) attributes.DelaySeconds = String(Math.min(900, Math.ceil(wanted.retryDelaySeconds)));
  const retention = plan?.sourceRetentionSeconds ?? wanted.retentionSeconds;
  if (retention !== undefined) attributes.MessageRetentionPeriod = String(retention);
  return attributes;
}

/** The region and account of an SQS queue, from its URL or ARN. */
function accountOf(queue: QueueSettings): { region: string; account: string } {
  const fromArn = /^arn:aws:sqs:([^:]+):([^:]+):/.exec(queue.id);
  const fromUrl = /^https?:\/\/(?:sqs\.([a-z0-9-]+)\.amazonaws\.com|[^/]+)\/(\d+)\//.exec(queue.id);
  return { region: fromArn?.[1] ?? fromUrl?.[1] ?? '<region>', account: fromArn?.[2] ?? fromUrl?.[2] ?? '<account-id>' };
}

/** The shell variable a CLI fix fills with the new DLQ's ARN when the URL does not tell the region (a local endpoint). */
const DLQ_ARN_VARIABLE = '$DLQ_ARN';

/** A shell word in double quotes, with `$DLQ_ARN` left to expand. */
function shellDoubleQuote(text: string): string {
  return `"${text.replace(/[\\"$`]/g, '\\$&').replaceAll(`\\${DLQ_ARN_VARIABLE}`, DLQ_ARN_VARIABLE)}"`;
}

function sqsCliFix(queue: QueueSettings, wanted: Wanted, queues: readonly QueueSettings[]): string[] {
  const plan = sqsDlqPlan(queue, queues, wanted);
  const url = queue.id.startsWith('http') ? queue.id : `<url of ${queue.name}>`;
  const lines: string[] = [];
  const attributes = ownAttributes(queue, wanted, plan);
  let dlqArn = queue.deadLetterTarget.value?.name ?? wanted.deadLetterName;
  if (plan?.create !== undefined) {
    const { region, account } = accountOf(queue);
    const dlqAttributes: Record<string, string> = { MessageRetentionPeriod: String(MAX_RETENTION_SECONDS), ...(queue.queueType === 'fifo' ? { FifoQueue: 'true' } : {}) };
    lines.push(`aws sqs create-queue${endpointOf(url)} --queue-name ${plan.create} --attributes ${shellQuote(JSON.stringify(dlqAttributes))}`);
    if (region === '<region>' && url.startsWith('http')) {
      // the URL of a local endpoint does not name its region: ask the endpoint for the new DLQ's ARN
      const dlqUrl = url.replace(/[^/]+$/, plan.create);
      lines.push(`DLQ_ARN=$(aws sqs get-queue-attributes${endpointOf(url)} --queue-url ${dlqUrl} --attribute-names QueueArn --query Attributes.QueueArn --output text)`);
      dlqArn = DLQ_ARN_VARIABLE;
    } else {
      dlqArn = `arn:aws:sqs:${region}:${account}:${plan.create}`;
    }
  }
  if (plan?.retentionSeconds !== undefined && plan.existing !== undefined) {
    const dlqUrl = plan.existing.id.startsWith('http') ? plan.existing.id : `<url of ${plan.existing.name}>`;
    lines.push(`aws sqs set-queue-attributes${endpointOf(dlqUrl)} --queue-url ${dlqUrl} --attributes ${shellQuote(JSON.stringify({ MessageRetentionPeriod: String(plan.retentionSeconds) }))}`);
  }
  if (plan !== null && (plan.create !== undefined || wanted.maxDeliveries !== undefined || queue.deadLetterTarget.value === null) && dlqArn !== undefined) {
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(maxReceiveCountOf(queue, wanted)) });
  }
  if (Object.keys(attributes).length > 0) {
    const json = JSON.stringify(sortedKeys(attributes));
    lines.push(`aws sqs set-queue-attributes${endpointOf(url)} --queue-url ${url} --attributes ${dlqArn === DLQ_ARN_VARIABLE ? shellDoubleQuote(json) : shellQuote(json)}`);
  }
  return lines;
}

/** A local or non-AWS endpoint (ElasticMQ, LocalStack, the toolkit's own) must be named, or the CLI calls AWS. */
function endpointOf(url: string): string {
  return /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\//.test(url) || !url.startsWith('http') ? '' : ` --endpoint-url ${new URL(url).origin}`;
}

function sortedKeys(attributes: Record<string, string>): Record<string, string> {
  const order = ['RedrivePolicy', 'VisibilityTimeout', 'DelaySeconds', 'MessageRetentionPeriod'];
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

/** `module.m.aws_sqs_queue.commands` → its resource label `commands`. */
const labelOf = (address: string): string => address.split('.').at(-1) ?? address;

function terraformAddressOf(queue: QueueSettings): string {
  if (/(^|\.)aws_sqs_queue\./.test(queue.id)) return queue.id;
  const detail = [queue.maxDeliveries, queue.deadLetterTarget, queue.visibilityTimeoutSeconds, queue.retentionSeconds].map((s) => s.from.detail ?? '').find((d) => /(^|\.)aws_sqs_queue\./.test(d));
  return detail ?? `aws_sqs_queue.${identifier(queue.name)}`;
}

/**
 * The `aws_sqs_queue_redrive_policy` resource that holds the queue's redrive, when it has one: the
 * readers let it override the queue's own attribute, and so does AWS (the two would fight over it),
 * so a new redrive goes there, not onto the queue.
 */
function separateRedriveOf(queue: QueueSettings): string | undefined {
  const detail = queue.deadLetterTarget.from.detail ?? queue.maxDeliveries.from.detail ?? '';
  return /(^|\.)aws_sqs_queue_redrive_policy\.[A-Za-z0-9_-]+$/.test(detail) ? detail : undefined;
}

function terraformFix(queue: QueueSettings, wanted: Wanted, queues: readonly QueueSettings[]): string[] {
  const plan = sqsDlqPlan(queue, queues, wanted);
  const address = terraformAddressOf(queue);
  const redriveAddress = separateRedriveOf(queue);
  const attributes = ownAttributes(queue, wanted, plan);
  const blocks: string[][] = [];
  let dlqReference: string | undefined = plan?.existing ? `${terraformAddressOf(plan.existing)}.arn` : undefined;
  if (plan?.create !== undefined) {
    const label = `${labelOf(address)}_dlq`;
    dlqReference = `aws_sqs_queue.${label}.arn`;
    blocks.push([
      `resource "aws_sqs_queue" "${label}" {`,
      `  name                      = "${plan.create}"`,
      ...(queue.queueType === 'fifo' ? ['  fifo_queue                = true'] : []),
      `  message_retention_seconds = ${MAX_RETENTION_SECONDS}`,
      '}',
    ]);
  }
  if (plan?.retentionSeconds !== undefined && plan.existing !== undefined) {
    const dlqAddress = terraformAddressOf(plan.existing);
    blocks.push([`# ${dlqAddress}`, `resource "aws_sqs_queue" "${labelOf(dlqAddress)}" {`, `  message_retention_seconds = ${plan.retentionSeconds}`, '}']);
  }
  const body: string[] = [];
  if (plan !== null && (plan.create !== undefined || wanted.maxDeliveries !== undefined || queue.deadLetterTarget.value === null)) {
    const redrive = ['  redrive_policy = jsonencode({', `    deadLetterTargetArn = ${dlqReference ?? `"${wanted.deadLetterName ?? ''}"`}`, `    maxReceiveCount     = ${maxReceiveCountOf(queue, wanted)}`, '  })'];
    if (redriveAddress === undefined) body.push(...redrive);
    else blocks.push([`# ${redriveAddress}`, `resource "aws_sqs_queue_redrive_policy" "${labelOf(redriveAddress)}" {`, ...redrive, '}']);
  }
  if (attributes.VisibilityTimeout) body.push(`  visibility_timeout_seconds = ${attributes.VisibilityTimeout}`);
  if (attributes.DelaySeconds) body.push(`  delay_seconds = ${attributes.DelaySeconds}`);
  if (attributes.MessageRetentionPeriod) body.push(`  message_retention_seconds = ${attributes.MessageRetentionPeriod}`);
  if (body.length > 0) blocks.push([`# ${address}`, `resource "aws_sqs_queue" "${labelOf(address)}" {`, ...body, '}']);
  return blocks.flatMap((block, index) => (index === 0 ? block : ['', ...block]));
}

/** `template.yaml#CommandsQueue` or a provenance detail `CommandsQueue.RedrivePolicy` → `CommandsQueue`. */
function logicalIdOf(queue: QueueSettings): string {
  const fromId = /#([A-Za-z0-9]+)$/.exec(queue.id)?.[1];
  if (fromId !== undefined) return fromId;
  const detail = [queue.maxDeliveries, queue.deadLetterTarget, queue.visibilityTimeoutSeconds, queue.retentionSeconds].map((s) => s.from.detail ?? '').find((d) => d.includes('.'));
  return detail?.split('.')[0] ?? identifier(queue.name);
}

/** A resource as a CloudFormation fix sets it: its type when the fix declares it, the properties it sets. */
interface CfnResource {
  Type?: string;
  Properties: Record<string, unknown>;
}

/** `!GetAtt Id.Arn`, as JSON writes it (a JSON template has no short tags). */
const getArn = (id: string): { 'Fn::GetAtt': [string, string] } => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Entries to merge into the template's Resources, in its own language: YAML (short tags) or JSON. */
function renderCloudFormation(resources: readonly [string, CfnResource][], json: boolean): string[] {
  if (json) return resources.map(([id, resource]) => `${JSON.stringify(id)}: ${JSON.stringify(resource, null, 2)}`).join(',\n').split('\n');
  const yamlValue = (value: unknown): string => {
    const arn = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    return arn === undefined ? String(value) : `!GetAtt ${arn.join('.')}`;
  };
  return resources.flatMap(([id, { Type, Properties }]) => [
    `  ${id}:`,
    ...(Type === undefined ? [] : [`    Type: ${Type}`]),
    '    Properties:',
    ...Object.entries(Properties).flatMap(([key, value]) =>
      typeof value === 'object' && value !== null && !('Fn::GetAtt' in value)
        ? [`      ${key}:`, ...Object.entries(value).map(([inner, innerValue]) => `        ${inner}: ${yamlValue(innerValue)}`)]
        : [`      ${key}: ${yamlValue(value)}`],
    ),
  ]);
}

function cloudFormationFix(queue: QueueSettings, wanted: Wanted, queues: readonly QueueSettings[], json: boolean): string[] {
  const plan = sqsDlqPlan(queue, queues, wanted);
  const logicalId = logicalIdOf(queue);
  const attributes = ownAttributes(queue, wanted, plan);
  const resources: [string, CfnResource][] = [];
  let dlqId: string | undefined = plan?.existing ? logicalIdOf(plan.existing) : undefined;
  if (plan?.create !== undefined) {
    dlqId = `${logicalId}Dlq`;
    resources.push([dlqId, { Type: 'AWS::SQS::Queue', Properties: { QueueName: plan.create, ...(queue.queueType === 'fifo' ? { FifoQueue: true } : {}), MessageRetentionPeriod: MAX_RETENTION_SECONDS } }]);
  }
  if (plan?.retentionSeconds !== undefined && dlqId !== undefined && plan.create === undefined) {
    resources.push([dlqId, { Properties: { MessageRetentionPeriod: plan.retentionSeconds } }]);
  }
  const properties: Record<string, unknown> = {};
  if (plan !== null && dlqId !== undefined && (plan.create !== undefined || wanted.maxDeliveries !== undefined || queue.deadLetterTarget.value === null)) {
    properties.RedrivePolicy = { deadLetterTargetArn: getArn(dlqId), maxReceiveCount: maxReceiveCountOf(queue, wanted) };
  }
  for (const key of ['VisibilityTimeout', 'DelaySeconds', 'MessageRetentionPeriod']) {
    if (attributes[key]) properties[key] = Number(attributes[key]);
  }
  if (Object.keys(properties).length > 0) resources.push([logicalId, { Type: 'AWS::SQS::Queue', Properties: properties }]);
  return renderCloudFormation(resources, json);
}

/**
 * RabbitMQ: a policy for the keys a policy can set, and the declarations a dead-letter path needs
 * (exchange, queue, binding) when the input has none. A quorum queue dead-letters after
 * delivery-limit + 1 deliveries; an x-delivery-limit argument lower than the policy's still wins (min).
 */
function rabbitmqFix(queue: QueueSettings, wanted: Wanted, queues: readonly QueueSettings[]): string[] {
  const vhost = shellQuote(queue.vhost ?? '/');
  const definition: Record<string, string | number> = {};
  const lines: string[] = [];
  const target = queue.deadLetterTarget.value;
  // a policy carrying delivery-limit does not apply to a classic queue at all (policies.ts): keep it out
  if (wanted.maxDeliveries !== undefined && queue.queueType === 'quorum') definition['delivery-limit'] = deliveryLimitFor(wanted.maxDeliveries);
  const needsPath = wanted.deadLetter === true || wanted.maxDeliveries !== undefined;
  const exchange = target?.name || wanted.deadLetterName || `${queue.name}.dlx`;
  // the new policy displaces the one that applies now: carry its dead-letter keys over
  const carried = target !== null && queue.deadLetterTarget.from.origin === 'policy';
  if ((needsPath && target === null) || (carried && Object.keys(definition).length > 0)) definition['dead-letter-exchange'] = exchange;
  if (carried && target.routingKey !== undefined && Object.keys(definition).length > 0) definition['dead-letter-routing-key'] = target.routingKey;
  if (needsPath && dlqOf(queue, queues) === undefined && !wanted.deadLetterName) {
    const dlq = `${queue.name}.dlq`;
    const key = target?.routingKey ?? queue.name;
    if (target === null || !target.name) lines.push(`rabbitmqadmin --vhost ${vhost} declare exchange name=${shellQuote(exchange)} type=fanout durable=true`);
    lines.push(
      `rabbitmqadmin --vhost ${vhost} declare queue name=${shellQuote(dlq)} durable=true`,
      `rabbitmqadmin --vhost ${vhost} declare binding source=${shellQuote(exchange)} destination=${shellQuote(dlq)} routing_key=${shellQuote(key)}`,
    );
  }
  if (Object.keys(definition).length > 0) {
    lines.unshift(
      `rabbitmqctl set_policy --vhost ${vhost} --apply-to queues --priority 10 ${shellQuote(`retry-${queue.name}`)} ${shellQuote(`^${regexEscape(queue.name)}$`)} ${shellQuote(JSON.stringify(definition))}`,
    );
    if (queue.maxDeliveries.from.origin === 'x-argument' && definition['delivery-limit'] !== undefined) {
      lines.push(`# the queue's ${queue.maxDeliveries.from.detail ?? 'x-delivery-limit'} argument wins when lower (the broker takes the minimum): redeclare the queue without it`);
    }
    const policy = [queue.maxDeliveries, queue.deadLetterTarget].find((s) => s.from.origin === 'policy');
    if (policy) lines.push(`# only one policy applies per queue: merge these keys into policy '${policy.from.detail ?? ''}' instead if it matches`);
  }
  if (wanted.maxDeliveries !== undefined && queue.queueType !== 'quorum') {
    lines.push(
      `# only quorum queues bound deliveries: redeclare ${queue.name} with x-queue-type=quorum (a queue type cannot change in place), then:`,
      `rabbitmqctl set_policy --vhost ${vhost} --apply-to queues --priority 10 ${shellQuote(`retry-${queue.name}`)} ${shellQuote(`^${regexEscape(queue.name)}$`)} ${shellQuote(JSON.stringify({ ...definition, 'delivery-limit': deliveryLimitFor(wanted.maxDeliveries) }))}`,
    );
  }
  if (wanted.deadLetterQueue) {
    const expiring = (target?.resolvedQueues ?? []).map((name) => besideOf(queues, queue, name)).filter((dlq): dlq is QueueSettings => dlq !== undefined && dlq.messageTtlSeconds.value !== null);
    for (const dlq of expiring) {
      lines.push(`# ${dlq.vhost ?? '/'}/${dlq.name} expires messages (${dlq.messageTtlSeconds.from.detail ?? 'message-ttl'}): remove that key from its policy, or redeclare it without x-message-ttl`);
    }
  }
  if (wanted.retryDelaySeconds !== undefined && wanted.consumerAttempts === undefined) {
    lines.push(
      `# ${queue.consumer?.from.file ?? 'application.yml'}: space the attempts ${wanted.retryDelaySeconds} s apart`,
      'spring.rabbitmq.listener.simple.retry:',
      '  enabled: true',
      `  initial-interval: ${Math.ceil(wanted.retryDelaySeconds * 1000)}ms`,
    );
  }
  return lines;
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

/**
 * One copy-pasteable fix per finding, in the language of the source the queue was read from
 * (Terraform, CloudFormation, the AWS CLI, rabbitmqctl/rabbitmqadmin), naming the resources of the
 * input (`queues`: every queue read, to find the DLQ) and setting the policy's values.
 */
export function fixFor(queue: QueueSettings, wanted: Wanted, queues: readonly QueueSettings[] = []): string {
  const source = queue.maxDeliveries.from.source;
  const brokerLines =
    queue.broker === 'rabbitmq'
      ? rabbitmqFix(queue, wanted, queues)
      : source === 'terraform-plan' || source === 'terraform-config'
        ? terraformFix(queue, wanted, queues)
        : source === 'cloudformation' || source === 'cloudformation-json'
          ? cloudFormationFix(queue, wanted, queues, source === 'cloudformation-json')
          : sqsCliFix(queue, wanted, queues);
  return [...(wanted.note ? [`# ${wanted.note}`] : []), ...brokerLines, ...consumerFix(queue, wanted)].join('\n');
}
