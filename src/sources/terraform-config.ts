/**
 * `.tf` files read directly (no plan): the `aws_sqs_queue` and `aws_sqs_queue_redrive_policy`
 * resources of a root module and of the local modules it calls. A literal is known; a reference to
 * another queue resource (`aws_sqs_queue.dlq.arn`) names that queue; anything else (a variable, a
 * function) is unknown until a plan — the message says how to make one.
 */
import { join } from 'node:path';
import type { Provenance, Setting } from './queue-settings.js';
import { parseRedrivePolicy, sqsQueueSettings, type RedrivePolicy, type SqsQueueSpec } from './sqs-attributes.js';
import { literalIn, queueReferenceIn, readTerraformDir, type TfModule, type TfResource } from './terraform-hcl.js';
import type { QueueSettings } from './queue-settings.js';

/** A value written in HCL that is an expression, not a literal. */
function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

export interface ConfiguredRedrive {
  redrive: Setting<RedrivePolicy>;
  targetName?: string;
}

/**
 * A `redrive_policy` as configured → what is known before apply: `maxReceiveCount` when a literal,
 * the target when a literal ARN or a queue of the same module (its ARN is made at apply; its name is
 * known: `arn:aws:sqs:<region>:<account-id>:<name>`).
 */
export function configuredRedrive(expression: unknown, nameOfQueue: (resource: string) => string | undefined, from: Provenance): ConfiguredRedrive {
  if (expression === undefined || expression === null) return { redrive: { value: null, from } };
  if (!isExpression(expression)) return { redrive: { value: parseRedrivePolicy(expression, `${from.file ?? ''}:${from.line ?? 1}`), from } };
  const reference = queueReferenceIn(expression, 'deadLetterTargetArn');
  const targetName = reference === undefined ? undefined : nameOfQueue(reference);
  const literalArn = literalIn(expression, 'deadLetterTargetArn');
  const arn = typeof literalArn === 'string' ? literalArn : targetName === undefined ? undefined : `arn:aws:sqs:<region>:<account-id>:${targetName}`;
  const count = literalIn(expression, 'maxReceiveCount');
  if (arn === undefined || typeof count !== 'number') {
    return { redrive: { value: null, unknown: true, from }, ...(targetName === undefined ? {} : { targetName }) };
  }
  return { redrive: { value: { deadLetterTargetArn: arn, maxReceiveCount: count }, from }, ...(targetName === undefined ? {} : { targetName }) };
}

function numberOf(body: Record<string, unknown>, attribute: string, from: Provenance): Setting<number> {
  const raw = body[attribute];
  if (raw === undefined || raw === null) return { value: null, from };
  if (typeof raw === 'number') return { value: raw, from };
  const value = Number(raw);
  return isExpression(raw) || !Number.isFinite(value) ? { value: null, unknown: true, from } : { value, from };
}

interface Placed {
  resource: TfResource;
  address: string;
  prefix: string;
}

async function collect(module: TfModule, prefix: string, depth: number, into: Placed[]): Promise<void> {
  for (const resource of module.resources) into.push({ resource, address: `${prefix}${resource.type}.${resource.name}`, prefix });
  if (depth >= 8) return;
  for (const [call, source] of module.moduleCalls) {
    if (!source.startsWith('./') && !source.startsWith('../')) continue; // registry modules: only a plan knows them
    const child = await readTerraformDir(join(module.dir, source));
    if (child !== null) await collect(child, `${prefix}module.${call}.`, depth + 1, into);
  }
}

/** The queues of a Terraform root module folder. */
export async function terraformConfigQueueSettings(dir: string): Promise<QueueSettings[]> {
  const root = await readTerraformDir(dir);
  if (root === null) return [];
  const placed: Placed[] = [];
  await collect(root, '', 0, placed);
  return sqsQueueSettings(terraformConfigSpecs(placed));
}

function terraformConfigSpecs(placed: readonly Placed[]): SqsQueueSpec[] {
  const queues = placed.filter((p) => p.resource.type === 'aws_sqs_queue');
  const nameOf = (p: Placed): string => {
    const name = p.resource.body.name;
    return typeof name === 'string' && !isExpression(name) ? name : p.address;
  };
  const byAddress = new Map(queues.map((q) => [q.address, q]));
  const nameOfIn = (prefix: string) => (resource: string): string | undefined => {
    const target = byAddress.get(`${prefix}aws_sqs_queue.${resource}`);
    return target === undefined ? undefined : nameOf(target);
  };
  const separate = new Map<string, Placed>();
  for (const p of placed.filter((r) => r.resource.type === 'aws_sqs_queue_redrive_policy')) {
    const queue = queueReferenceIn(p.resource.body.queue_url);
    if (queue !== undefined) separate.set(`${p.prefix}aws_sqs_queue.${queue}`, p);
  }
  return queues.map((q): SqsQueueSpec => {
    const from = (p: Placed): Provenance => ({ source: 'terraform-config', origin: 'file', detail: p.address, file: p.resource.location.file, line: p.resource.location.line });
    const redriveAt = separate.get(q.address) ?? q;
    const { redrive, targetName } = configuredRedrive(redriveAt.resource.body.redrive_policy, nameOfIn(q.prefix), from(redriveAt));
    const name = nameOf(q);
    return {
      name,
      id: q.address,
      arn: null,
      fifo: q.resource.body.fifo_queue === true || name.endsWith('.fifo'),
      visibilityTimeoutSeconds: numberOf(q.resource.body, 'visibility_timeout_seconds', from(q)),
      retentionSeconds: numberOf(q.resource.body, 'message_retention_seconds', from(q)),
      redrive,
      ...(targetName === undefined ? {} : { redriveTargetName: targetName }),
      location: q.resource.location,
      suppressions: [...q.resource.suppressions, ...(redriveAt === q ? [] : redriveAt.resource.suppressions)],
    };
  });
}
