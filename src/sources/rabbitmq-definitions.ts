/**
 * A RabbitMQ definitions export (`rabbitmqctl export_definitions`, GET /api/definitions), every vhost
 * in it. The same effective-settings computation as the live source; the version comes from the file.
 */
import { SourceError } from './errors.js';
import type { QueueSettings } from './queue-settings.js';
import type { RabbitPolicy, RabbitQueue } from '../semantics/rabbitmq/effective.js';
import type { RabbitBinding, RabbitExchange } from '../semantics/rabbitmq/routing.js';
import { rabbitQueueSettings, type RabbitTopology } from './rabbitmq-topology.js';

type Json = Record<string, unknown>;

/** True when a parsed JSON document looks like a definitions export. */
export function isDefinitions(document: unknown): boolean {
  if (!isObject(document)) return false;
  return 'rabbit_version' in document || 'rabbitmq_version' in document || (Array.isArray(document.queues) && 'policies' in document);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(document: Json, key: string, file: string): Json[] {
  const value = document[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) throw new SourceError(`${file}: '${key}' must be a list of objects`);
  return value;
}

function text(entry: Json, key: string, fallback: string): string {
  const value = entry[key];
  return typeof value === 'string' ? value : fallback;
}

function toPolicy(entry: Json): RabbitPolicy {
  const priority = entry.priority;
  return {
    name: text(entry, 'name', ''),
    pattern: text(entry, 'pattern', ''),
    applyTo: text(entry, 'apply-to', 'all'),
    priority: typeof priority === 'number' ? priority : 0,
    definition: isObject(entry.definition) ? entry.definition : {},
  };
}

function vhostOf(entry: Json): string {
  return text(entry, 'vhost', '/');
}

/** Operator policies are exported as runtime parameters of component `operator_policy`. */
function operatorPolicies(document: Json, file: string): Json[] {
  const fromParameters = list(document, 'parameters', file)
    .filter((p) => p.component === 'operator_policy' && isObject(p.value))
    .map((p) => ({ ...(p.value as Json), name: p.name, vhost: p.vhost }));
  return [...fromParameters, ...list(document, 'operator_policies', file)];
}

function queueOf(entry: Json): RabbitQueue {
  const args = isObject(entry.arguments) ? entry.arguments : {};
  const declared = typeof entry.type === 'string' ? entry.type : args['x-queue-type'];
  return {
    name: text(entry, 'name', ''),
    vhost: vhostOf(entry),
    type: declared === 'quorum' || declared === 'stream' ? declared : 'classic',
    arguments: args,
  };
}

export function definitionsQueueSettings(document: unknown, file: string): QueueSettings[] {
  if (!isObject(document)) throw new SourceError(`${file}: expected a JSON object (a RabbitMQ definitions export)`);
  const version = [document.rabbitmq_version, document.rabbit_version, document.product_version].find((v) => typeof v === 'string');
  const queues = list(document, 'queues', file).map(queueOf);
  const exchanges = list(document, 'exchanges', file);
  const bindings = list(document, 'bindings', file);
  const policies = list(document, 'policies', file);
  const operators = operatorPolicies(document, file);
  const vhosts = [...new Set(queues.map((q) => q.vhost))].sort();
  return vhosts.flatMap((vhost) => {
    const inVhost = (entry: Json): boolean => vhostOf(entry) === vhost;
    const topology: RabbitTopology = {
      vhost,
      version: typeof version === 'string' ? version : null,
      queues: queues.filter((q) => q.vhost === vhost),
      exchanges: exchanges.filter(inVhost).map((e): RabbitExchange => ({ name: text(e, 'name', ''), type: text(e, 'type', 'direct'), arguments: isObject(e.arguments) ? e.arguments : {} })),
      bindings: bindings.filter(inVhost).map(
        (b): RabbitBinding => ({
          source: text(b, 'source', ''),
          destination: text(b, 'destination', ''),
          destinationType: b.destination_type === 'exchange' ? 'exchange' : 'queue',
          routingKey: text(b, 'routing_key', ''),
        }),
      ),
      policies: policies.filter(inVhost).map(toPolicy),
      operatorPolicies: operators.filter(inVhost).map(toPolicy),
    };
    return rabbitQueueSettings(topology, { source: 'definitions', file });
  });
}
