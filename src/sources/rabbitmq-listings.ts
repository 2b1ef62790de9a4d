/**
 * RabbitMQ's own JSON lists, byte for byte as the tools write them (shapes produced from the real
 * 3.10 broker, see test/fixtures/exports/):
 * - management API: `GET /api/queues[/<vhost>]`, `/api/policies`, `/api/operator-policies`,
 *   `/api/exchanges`, `/api/bindings` (entries name their vhost);
 * - `rabbitmqctl list_queues name type arguments policy --formatter json` (arguments as
 *   `[key, type, value]` triples, no vhost), `list_policies` / `list_operator_policies` (the
 *   definition as a JSON string), `list_exchanges name type`, `list_bindings`.
 * The kind of list is read from its entries. Policies and operator policies look the same in every
 * tool: a file whose name contains `operator` holds operator policies (docs/sources.md).
 * The entry readers here are shared with definitions exports and the live source.
 */
import { basename } from 'node:path';
import type { RabbitPolicy, RabbitQueue, RabbitQueueType } from '../semantics/rabbitmq/effective.js';
import type { RabbitBinding, RabbitExchange } from '../semantics/rabbitmq/routing.js';
import { SourceError } from './errors.js';
import { jsonElementLines } from './json-lines.js';
import { emptyArtefact, type RabbitArtefact } from './rabbitmq-artefact.js';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(entry: Json, key: string, fallback = ''): string {
  const value = entry[key];
  return typeof value === 'string' ? value : fallback;
}

function vhostField(entry: Json): { vhost?: string } {
  return typeof entry.vhost === 'string' ? { vhost: entry.vhost } : {};
}

/** rabbitmqctl writes a table as `[[key, type, value], …]`; the API and exports as an object. */
function argumentsOf(raw: unknown): Record<string, unknown> {
  if (isObject(raw)) return raw;
  if (!Array.isArray(raw)) return {};
  const args: Record<string, unknown> = {};
  for (const triple of raw) if (Array.isArray(triple) && typeof triple[0] === 'string') args[triple[0]] = triple[2];
  return args;
}

function queueTypeOf(declared: unknown): RabbitQueueType {
  return declared === 'quorum' || declared === 'stream' ? declared : 'classic';
}

/** A queue entry of an export, the API or rabbitmqctl (the type is `type`, else `x-queue-type`). */
export function queueEntry(entry: Json): Omit<RabbitQueue, 'vhost'> & { vhost?: string } {
  const args = argumentsOf(entry.arguments);
  const policy = entry.policy;
  const operatorPolicy = entry.operator_policy;
  return {
    name: text(entry, 'name'),
    ...vhostField(entry),
    type: queueTypeOf(typeof entry.type === 'string' ? entry.type : args['x-queue-type']),
    arguments: args,
    ...(typeof policy === 'string' ? { reportedPolicy: policy === '' ? null : policy } : {}),
    ...(typeof operatorPolicy === 'string' ? { reportedOperatorPolicy: operatorPolicy === '' ? null : operatorPolicy } : {}),
  };
}

/** A policy entry; rabbitmqctl writes the definition as a JSON string. */
export function policyEntry(entry: Json, where: string): RabbitPolicy & { vhost?: string } {
  let definition: unknown = entry.definition;
  if (typeof definition === 'string') {
    try {
      definition = JSON.parse(definition);
    } catch (error) {
      throw new SourceError(`${where}: the definition of policy '${text(entry, 'name')}' is not valid JSON`, { cause: error });
    }
  }
  const priority = Number(entry.priority ?? 0);
  return {
    name: text(entry, 'name'),
    ...vhostField(entry),
    pattern: text(entry, 'pattern'),
    applyTo: text(entry, 'apply-to', 'all'),
    priority: Number.isFinite(priority) ? priority : 0,
    definition: isObject(definition) ? definition : {},
  };
}

/** An exchange entry; its arguments carry `alternate-exchange` (rabbitmqctl writes them as triples too). */
export function exchangeEntry(entry: Json): RabbitExchange & { vhost?: string } {
  return { name: text(entry, 'name'), ...vhostField(entry), type: text(entry, 'type', 'direct'), arguments: argumentsOf(entry.arguments) };
}

/** A binding of the API / exports (`source`, `destination_type`) or rabbitmqctl (`source_name`, `destination_kind`). */
export function bindingEntry(entry: Json): RabbitBinding & { vhost?: string } {
  const kind = entry.destination_type ?? entry.destination_kind;
  return {
    source: text(entry, 'source', text(entry, 'source_name')),
    ...vhostField(entry),
    destination: text(entry, 'destination', text(entry, 'destination_name')),
    destinationType: kind === 'exchange' ? 'exchange' : 'queue',
    routingKey: text(entry, 'routing_key'),
  };
}

type ListKind = 'queues' | 'policies' | 'exchanges' | 'bindings' | 'vhosts';

const QUEUE_TYPES = new Set(['classic', 'quorum', 'stream']);

function kindOf(entry: Json): ListKind | null {
  if (typeof entry.pattern === 'string' && 'definition' in entry) return 'policies';
  if ('destination' in entry || 'destination_name' in entry) return 'bindings';
  if (typeof entry.name !== 'string') return null;
  if ('internal' in entry || (typeof entry.type === 'string' && !QUEUE_TYPES.has(entry.type))) return 'exchanges';
  if ('arguments' in entry || (typeof entry.type === 'string' && QUEUE_TYPES.has(entry.type)) || 'messages' in entry || 'consumers' in entry) return 'queues';
  if ('tracing' in entry || 'cluster_state' in entry) return 'vhosts';
  return null;
}

const HOW = 'rabbitmqctl list_queues name type arguments policy --formatter json';

/**
 * True when a parsed JSON document is one of RabbitMQ's lists, or a page of one (`{items, page_count}`).
 * The API's overview and `rabbitmqctl status` (the version) read as definitions without entries.
 */
export function isRabbitListing(document: unknown): boolean {
  if (isObject(document)) return Array.isArray(document.items) && 'page_count' in document;
  return Array.isArray(document) && document.every(isObject) && document.every((entry) => kindOf(entry) !== null);
}

/** One list file → what it tells; the lines are those of the file's own text. */
export function listingArtefact(document: unknown, textOfFile: string, file: string): RabbitArtefact {
  const artefact = emptyArtefact(file);
  const paged = isObject(document) && Array.isArray(document.items);
  const entries = (paged ? (document as Json).items : document) as Json[];
  const lines = jsonElementLines(textOfFile).get(paged ? 'items' : '') ?? [];
  const kinds = new Set(entries.map(kindOf));
  if (kinds.size > 1) throw new SourceError(`${file}: mixes ${[...kinds].join(' and ')} in one list: expected one RabbitMQ listing per file`);
  const kind = [...kinds][0];
  entries.forEach((entry, index) => {
    const line = lines[index] ?? 1;
    switch (kind) {
      case 'queues':
        if (!('arguments' in entry)) {
          throw new SourceError(`${file}:${line}: a queue listing without the arguments column cannot tell dead-lettering or limits: run \`${HOW}\``);
        }
        artefact.queues.push({ ...queueEntry(entry), location: { file, line } });
        break;
      case 'policies':
        (/operator/i.test(basename(file)) ? artefact.operatorPolicies : artefact.policies).push(policyEntry(entry, `${file}:${line}`));
        break;
      case 'exchanges':
        artefact.exchanges.push(exchangeEntry(entry));
        break;
      case 'bindings':
        artefact.bindings.push(bindingEntry(entry));
        break;
      default:
        break; // a vhost list tells nothing about queues
    }
  });
  return artefact;
}
