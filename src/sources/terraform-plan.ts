/**
 * `terraform show -json plan.out`: the planned `aws_sqs_queue` (and `aws_sqs_queue_redrive_policy`)
 * resources. A value known only after apply is reported as unknown — neither a pass nor a failure.
 * When the RedrivePolicy is unknown (its ARN does not exist yet) the plan's configuration still names
 * the target resource, which is enough to know that queue's role: a dead-letter queue.
 */
import { SourceError } from './errors.js';
import type { Provenance, QueueSettings, Setting } from './queue-settings.js';
import { parseRedrivePolicy, sqsQueueSettings, type RedrivePolicy, type SqsQueueSpec } from './sqs-attributes.js';

type Json = Record<string, unknown>;

interface Change {
  address: string;
  type: string;
  after: Json;
  afterUnknown: Json;
}

export function isTerraformPlan(document: unknown): boolean {
  return isObject(document) && ('resource_changes' in document || ('terraform_version' in document && 'format_version' in document));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function changesOf(document: Json, file: string): Change[] {
  const raw = document.resource_changes ?? [];
  if (!Array.isArray(raw)) throw new SourceError(`${file}: 'resource_changes' must be a list`);
  return raw.filter(isObject).flatMap((rc): Change[] => {
    const change = isObject(rc.change) ? rc.change : {};
    const actions = Array.isArray(change.actions) ? change.actions : [];
    if (rc.mode === 'data' || (actions.length === 1 && actions[0] === 'delete')) return [];
    return [
      {
        address: String(rc.address),
        type: String(rc.type),
        after: isObject(change.after) ? change.after : {},
        afterUnknown: isObject(change.after_unknown) ? change.after_unknown : {},
      },
    ];
  });
}

/** Configuration address (no instance keys) → each expression set in the configuration → its references, across modules. */
function referencesByAddress(document: Json): Map<string, Map<string, string[]>> {
  const found = new Map<string, Map<string, string[]>>();
  const walk = (module: unknown, prefix: string, depth: number): void => {
    if (!isObject(module) || depth > 16) return;
    for (const resource of Array.isArray(module.resources) ? module.resources.filter(isObject) : []) {
      const expressions = isObject(resource.expressions) ? resource.expressions : {};
      const refs = new Map<string, string[]>();
      for (const [key, expression] of Object.entries(expressions)) {
        refs.set(key, isObject(expression) && Array.isArray(expression.references) ? expression.references.map(String) : []);
      }
      found.set(`${prefix}${String(resource.address)}`, refs);
    }
    const calls = isObject(module.module_calls) ? module.module_calls : {};
    for (const [name, call] of Object.entries(calls)) if (isObject(call)) walk(call.module, `${prefix}module.${name}.`, depth + 1);
  };
  const configuration = isObject(document.configuration) ? document.configuration : {};
  walk(configuration.root_module, '', 0);
  return found;
}

/** `module.m.aws_sqs_queue.q["x"]` → `module.m.aws_sqs_queue.q`; the module prefix of an address. */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, '');
}

function modulePrefix(address: string): string {
  return /^((?:module\.[^.]+\.)*)/.exec(configAddress(address))?.[1] ?? '';
}

function numberSetting(change: Change, attribute: string, from: Provenance): Setting<number> {
  if (change.afterUnknown[attribute] === true) return { value: null, unknown: true, from };
  const value = change.after[attribute];
  return { value: typeof value === 'number' ? value : null, from };
}

export function terraformPlanQueueSettings(document: unknown, file: string): QueueSettings[] {
  if (!isObject(document)) throw new SourceError(`${file}: expected a JSON object (terraform show -json)`);
  const changes = changesOf(document, file);
  const queues = changes.filter((c) => c.type === 'aws_sqs_queue');
  const references = referencesByAddress(document);

  /** The queue resource an expression of `change` refers to (e.g. `aws_sqs_queue.dlq.arn`), if exactly one. */
  const referencedQueue = (change: Change, expression: string): Change | undefined => {
    const prefix = modulePrefix(change.address);
    for (const ref of references.get(configAddress(change.address))?.get(expression) ?? []) {
      const base = /^aws_sqs_queue\.[A-Za-z0-9_-]+/.exec(ref)?.[0];
      if (base === undefined) continue;
      const wanted = `${prefix}${base}`;
      const matches = queues.filter((q) => configAddress(q.address) === wanted);
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  };
  const nameOf = (change: Change): string => (typeof change.after.name === 'string' ? change.after.name : change.address);

  /** A separate `aws_sqs_queue_redrive_policy` resource overrides the queue's own attribute. */
  const separateRedrive = new Map<string, Change>();
  for (const change of changes.filter((c) => c.type === 'aws_sqs_queue_redrive_policy')) {
    const queue = referencedQueue(change, 'queue_url');
    if (queue !== undefined) separateRedrive.set(queue.address, change);
  }

  const specs = queues.map((queue): SqsQueueSpec => {
    const from = (change: Change): Provenance => ({ source: 'terraform-plan', origin: 'file', detail: change.address, file });
    const redriveChange = separateRedrive.get(queue.address) ?? queue;
    const redriveFrom = from(redriveChange);
    let redrive: Setting<RedrivePolicy>;
    let redriveTargetName: string | undefined;
    const configured = references.get(configAddress(redriveChange.address));
    if (redriveChange.afterUnknown.redrive_policy === true && configured !== undefined && !configured.has('redrive_policy')) {
      // redrive_policy is computed: the plan marks it unknown even when the configuration sets none
      redrive = { value: null, from: redriveFrom };
    } else if (redriveChange.afterUnknown.redrive_policy === true) {
      redrive = { value: null, unknown: true, from: redriveFrom };
      const target = referencedQueue(redriveChange, 'redrive_policy');
      if (target !== undefined) redriveTargetName = nameOf(target);
    } else {
      redrive = { value: parseRedrivePolicy(redriveChange.after.redrive_policy, `${file} ${redriveChange.address}`), from: redriveFrom };
    }
    const name = nameOf(queue);
    return {
      name,
      id: queue.address,
      arn: typeof queue.after.arn === 'string' ? queue.after.arn : null,
      fifo: queue.after.fifo_queue === true || name.endsWith('.fifo'),
      visibilityTimeoutSeconds: numberSetting(queue, 'visibility_timeout_seconds', from(queue)),
      retentionSeconds: numberSetting(queue, 'message_retention_seconds', from(queue)),
      redrive,
      ...(redriveTargetName === undefined ? {} : { redriveTargetName }),
    };
  });
  return sqsQueueSettings(specs);
}
