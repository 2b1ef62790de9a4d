/**
 * What a RabbitMQ file or the live management API tells about a broker, whichever tool wrote it (a
 * definitions export, a management API listing or answer, `rabbitmqctl list_* --formatter json`):
 * entries, read by the entry readers of rabbitmq-listings.ts, that may or may not name their vhost.
 * Several files of one source are merged here, then each vhost becomes one topology for the
 * semantics (rabbitQueueSettings): one path from every RabbitMQ artefact to its verdict. Pure.
 */
import type { RabbitPolicy, RabbitQueue } from '../semantics/rabbitmq/effective.js';
import type { RabbitBinding, RabbitExchange } from '../semantics/rabbitmq/routing.js';
import { SourceError } from './errors.js';
import type { QueueSettings, SourceLocation } from './queue-settings.js';
import { rabbitQueueSettings } from './rabbitmq-topology.js';

/** An entry of a file; `vhost` undefined when the file does not say (per-vhost export, rabbitmqctl). */
type InVhost<T> = T & { vhost?: string | undefined };

export interface RabbitArtefact {
  /** The file the entries come from (the management API for the live source): named in errors. */
  file: string;
  version?: string;
  /** `location`: the line of the file the queue is listed on (none when read live). */
  queues: InVhost<Omit<RabbitQueue, 'vhost'> & { location?: SourceLocation }>[];
  exchanges: InVhost<RabbitExchange>[];
  bindings: InVhost<RabbitBinding>[];
  policies: InVhost<RabbitPolicy>[];
  operatorPolicies: InVhost<RabbitPolicy>[];
}

export function emptyArtefact(file: string): RabbitArtefact {
  return { file, queues: [], exchanges: [], bindings: [], policies: [], operatorPolicies: [] };
}

/** Stands for "the file does not say": its queues get no vhost and an id without one. */
const UNNAMED = '\u0000unnamed vhost';

/**
 * The vhost of entries that do not name one: the only vhost any entry of the source names (a
 * per-vhost export names it on its policies), or none. Entries of several vhosts alongside
 * unnamed ones cannot be placed: refused rather than guessed.
 */
function vhostOfUnnamed(artefacts: readonly RabbitArtefact[]): string {
  const named = new Set<string>();
  let unnamedIn: string | undefined;
  for (const a of artefacts) {
    for (const entry of [...a.queues, ...a.exchanges, ...a.bindings, ...a.policies, ...a.operatorPolicies]) {
      if (entry.vhost === undefined) unnamedIn ??= a.file;
      else named.add(entry.vhost);
    }
  }
  if (named.size <= 1 || unnamedIn === undefined) return [...named][0] ?? UNNAMED;
  throw new SourceError(
    `${unnamedIn}: lists entries without their vhost (a per-vhost export or rabbitmqctl output) next to entries of vhosts ${[...named].sort().join(', ')}: give one vhost's files per source`,
  );
}

/** A queue entry of a file, in its vhost, for the semantics; written out, not spread (a hidden class shared by all). */
function rabbitQueue(entry: RabbitArtefact['queues'][number], vhost: string): RabbitQueue {
  const queue: RabbitQueue = { name: entry.name, vhost, type: entry.type, arguments: entry.arguments };
  if (entry.reportedPolicy !== undefined) queue.reportedPolicy = entry.reportedPolicy;
  if (entry.reportedOperatorPolicy !== undefined) queue.reportedOperatorPolicy = entry.reportedOperatorPolicy;
  return queue;
}

/**
 * Every queue of every vhost the artefacts describe, each with the file and line it is listed on.
 * `file`: the one file every value was read from, named in the values' provenance (none when live).
 */
export function artefactQueueSettings(artefacts: readonly RabbitArtefact[], source: string, file?: string): QueueSettings[] {
  const unnamed = vhostOfUnnamed(artefacts);
  const vhostOf = (entry: { vhost?: string | undefined }): string => entry.vhost ?? unnamed;
  const versions = [...new Set(artefacts.map((a) => a.version).filter((v): v is string => v !== undefined))];
  if (versions.length > 1) throw new SourceError(`${artefacts.map((a) => a.file).join(', ')}: files of different RabbitMQ versions (${versions.join(', ')})`);
  const byVhost = <T extends { vhost?: string | undefined }>(entries: readonly T[]): Map<string, T[]> => {
    const map = new Map<string, T[]>();
    for (const entry of entries) {
      const vhost = vhostOf(entry);
      const list = map.get(vhost);
      if (list === undefined) map.set(vhost, [entry]);
      else list.push(entry);
    }
    return map;
  };
  const queues = byVhost(artefacts.flatMap((a) => a.queues));
  const exchanges = byVhost(artefacts.flatMap((a) => a.exchanges));
  const bindings = byVhost(artefacts.flatMap((a) => a.bindings));
  const policies = byVhost(artefacts.flatMap((a) => a.policies));
  const operators = byVhost(artefacts.flatMap((a) => a.operatorPolicies));
  return [...queues.keys()].sort().flatMap((vhost) => {
    const inVhost = queues.get(vhost) ?? [];
    const locations = new Map(inVhost.flatMap((q) => (q.location === undefined ? [] : [[q.name, q.location] as const])));
    const settings = rabbitQueueSettings(
      {
        vhost: vhost === UNNAMED ? null : vhost,
        version: versions[0] ?? null,
        queues: inVhost.map((q) => rabbitQueue(q, vhost)),
        exchanges: exchanges.get(vhost) ?? [],
        bindings: bindings.get(vhost) ?? [],
        policies: policies.get(vhost) ?? [],
        operatorPolicies: operators.get(vhost) ?? [],
      },
      { source, ...(file === undefined ? {} : { file }) },
    );
    for (const s of settings) {
      // set on the new object, not spread into a copy: a copy with one more key gets a hidden class of its own (Node 20)
      const location = locations.get(s.name);
      if (location !== undefined) s.location = location;
    }
    return settings;
  });
}
