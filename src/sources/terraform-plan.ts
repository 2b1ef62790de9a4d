/**
 * `terraform show -json plan.out`: the planned `aws_sqs_queue` (and `aws_sqs_queue_redrive_policy`)
 * resources. A value known only after apply is reported as unknown — neither a pass nor a failure.
 * When the RedrivePolicy is unknown (its ARN does not exist yet) the plan's configuration still names
 * the target resource, which is enough to know that queue's role: a dead-letter queue.
 * The plan JSON keeps neither comments nor the literals inside `jsonencode(…)`: when the `.tf` files
 * sit next to the plan (the root module's folder, and the local modules it calls) they are read
 * too, for the queue's line, its `policy-check:skip` comments, and a `maxReceiveCount` that is
 * known although the DLQ's ARN is not — only what truly waits for apply stays unknown.
 */
import { dirname, join } from 'node:path';
import { SourceError } from './errors.js';
import { jsonElementLines } from './json-lines.js';
import type { Provenance, QueueSettings, Setting, SourceLocation } from './queue-settings.js';
import { parseRedrivePolicy, sqsQueueSettings, type RedrivePolicy, type SqsQueueSpec } from './sqs-attributes.js';
import { configuredRedrive } from './terraform-config.js';
import { readTerraformDir, type TfResource } from './terraform-hcl.js';

type Json = Record<string, unknown>;

interface Change {
  address: string;
  /** Line of the change in the plan file. */
  line: number;
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

function changesOf(document: Json, text: string, file: string): Change[] {
  const raw = document.resource_changes ?? [];
  if (!Array.isArray(raw)) throw new SourceError(`${file}: 'resource_changes' must be a list`);
  const lines = jsonElementLines(text).get('resource_changes') ?? [];
  return raw.flatMap((rc, index): Change[] => {
    if (!isObject(rc)) return [];
    const change = isObject(rc.change) ? rc.change : {};
    const actions = Array.isArray(change.actions) ? change.actions : [];
    if (rc.mode === 'data' || (actions.length === 1 && actions[0] === 'delete')) return [];
    if (typeof rc.address !== 'string' || typeof rc.type !== 'string') {
      throw new SourceError(`${file}:${lines[index] ?? 1}: a resource change without a text address and type (terraform show -json writes both)`);
    }
    return [
      {
        address: rc.address,
        line: lines[index] ?? 1,
        type: rc.type,
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
        refs.set(key, isObject(expression) && Array.isArray(expression.references) ? expression.references.filter((ref): ref is string => typeof ref === 'string') : []);
      }
      if (typeof resource.address === 'string') found.set(`${prefix}${resource.address}`, refs);
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

/** The `.tf` resources of the plan's configuration, by configuration address, when the files sit next to the plan. */
async function configurationFiles(document: Json, file: string): Promise<Map<string, TfResource>> {
  const found = new Map<string, TfResource>();
  const walk = async (dir: string, module: unknown, prefix: string, depth: number): Promise<void> => {
    const read = await readTerraformDir(dir);
    if (read === null || depth > 8) return;
    for (const resource of read.resources) found.set(`${prefix}${resource.type}.${resource.name}`, resource);
    const calls = isObject(module) && isObject(module.module_calls) ? module.module_calls : {};
    for (const [name, call] of Object.entries(calls)) {
      if (!isObject(call) || typeof call.source !== 'string' || !/^\.\.?\//.test(call.source)) continue;
      await walk(join(dir, call.source), call.module, `${prefix}module.${name}.`, depth + 1);
    }
  };
  const configuration = isObject(document.configuration) ? document.configuration : {};
  await walk(dirname(file), { module_calls: isObject(configuration.root_module) ? configuration.root_module.module_calls : {} }, '', 0);
  return found;
}

export async function terraformPlanQueueSettings(document: unknown, text: string, file: string): Promise<QueueSettings[]> {
  if (!isObject(document)) throw new SourceError(`${file}: expected a JSON object (terraform show -json)`);
  const changes = changesOf(document, text, file);
  const configured = await configurationFiles(document, file);
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
    const expressions = references.get(configAddress(redriveChange.address));
    if (redriveChange.afterUnknown.redrive_policy === true && expressions !== undefined && !expressions.has('redrive_policy')) {
      // redrive_policy is computed: the plan marks it unknown even when the configuration sets none
      redrive = { value: null, from: redriveFrom };
    } else if (redriveChange.afterUnknown.redrive_policy === true) {
      const target = referencedQueue(redriveChange, 'redrive_policy');
      if (target !== undefined) redriveTargetName = nameOf(target);
      // the .tf text still holds what the plan reduced to references: a literal maxReceiveCount
      const written = configured.get(configAddress(redriveChange.address))?.body.redrive_policy;
      const resolved = configuredRedrive(written, () => redriveTargetName, redriveFrom).redrive;
      redrive = written === undefined || resolved.unknown === true ? { value: null, unknown: true, from: redriveFrom } : resolved;
    } else {
      redrive = { value: parseRedrivePolicy(redriveChange.after.redrive_policy, `${file} ${redriveChange.address}`), from: redriveFrom };
    }
    const name = nameOf(queue);
    const written = configured.get(configAddress(queue.address));
    const location: SourceLocation = written?.location ?? { file, line: queue.line };
    const suppressions = [...(written?.suppressions ?? []), ...(redriveChange === queue ? [] : (configured.get(configAddress(redriveChange.address))?.suppressions ?? []))];
    return {
      name,
      id: queue.address,
      location,
      suppressions,
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
