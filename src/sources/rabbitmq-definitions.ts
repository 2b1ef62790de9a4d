/**
 * A RabbitMQ definitions export, as the broker writes it:
 * - whole broker (`GET /api/definitions`, `rabbitmqctl export_definitions`, `rabbitmqadmin export`):
 *   every entry names its vhost, and a `vhosts` list is there;
 * - one vhost (`GET /api/definitions/<vhost>`, `rabbitmqadmin -V <vhost> export`): queues, exchanges
 *   and bindings carry NO `vhost` field while policies and operator policies still do — read naively
 *   (defaulting to `/`), every policy is lost. The unnamed entries belong to the vhost the policies
 *   name (rabbitmq-artefact.ts).
 * Operator policies are exported as runtime `parameters` of component `operator_policy`. The API's
 * `/api/overview` and `rabbitmqctl status --formatter json` read as an export without entries: they
 * give the version to listings that lack it.
 */
import { SourceError } from './errors.js';
import { jsonElementLines } from './json-lines.js';
import { emptyArtefact, type RabbitArtefact } from './rabbitmq-artefact.js';
import { bindingEntry, exchangeEntry, isObject, policyEntry, queueEntry } from './rabbitmq-listings.js';

type Json = Record<string, unknown>;

/** True when a parsed JSON document looks like a definitions export. */
export function isDefinitions(document: unknown): boolean {
  if (!isObject(document)) return false;
  return 'rabbit_version' in document || 'rabbitmq_version' in document || (Array.isArray(document.queues) && 'policies' in document);
}

function list(document: Json, key: string, file: string): Json[] {
  const value = document[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) throw new SourceError(`${file}: '${key}' must be a list of objects`);
  return value;
}

export function definitionsArtefact(document: unknown, textOfFile: string, file: string): RabbitArtefact {
  if (!isObject(document)) throw new SourceError(`${file}: expected a JSON object (a RabbitMQ definitions export)`);
  const version = [document.rabbitmq_version, document.rabbit_version, document.product_version].find((v) => typeof v === 'string');
  const lines = jsonElementLines(textOfFile).get('queues') ?? [];
  const operators = [
    ...list(document, 'parameters', file)
      .filter((p) => p.component === 'operator_policy' && isObject(p.value))
      .map((p) => ({ ...(p.value as Json), name: p.name, vhost: p.vhost })),
    ...list(document, 'operator_policies', file),
  ];
  return {
    ...emptyArtefact(file),
    ...(typeof version === 'string' ? { version } : {}),
    queues: list(document, 'queues', file).map((entry, index) => ({ ...queueEntry(entry), location: { file, line: lines[index] ?? 1 } })),
    exchanges: list(document, 'exchanges', file).map(exchangeEntry),
    bindings: list(document, 'bindings', file).map(bindingEntry),
    policies: list(document, 'policies', file).map((p) => policyEntry(p, file)),
    operatorPolicies: operators.map((p) => policyEntry(p, file)),
  };
}
