import type { Environment } from '../policy/types.js';
import type { ConsumerRetry, QueueSettings } from '../sources/queue-settings.js';

/** A queue as one source read it, with that source's description (never credentials). */
export interface ReadQueue {
  settings: QueueSettings;
  source: string;
}

export interface BoundQueue extends ReadQueue {
  logical: string;
}

/** One environment after its sources were read: what evaluation and parity work on. */
export interface LoadedEnvironment {
  environment: Environment;
  /** Every queue read, to resolve dead-letter targets that are not bound themselves. */
  queues: QueueSettings[];
  /** Every queue read with its source: what selectors and the coverage report run over. */
  read: ReadQueue[];
  /** Logical name → the real queue; undefined when no source has it. */
  bound: Map<string, BoundQueue | undefined>;
}

function matches(environment: Environment, logical: string, queue: QueueSettings): boolean {
  const binding = environment.queues[logical];
  if (!binding) return false;
  if (binding.url !== undefined && queue.id === binding.url) return true;
  if (queue.name !== binding.name) return false;
  const vhost = environment.rabbitmq?.vhost;
  return vhost === undefined || queue.vhost === undefined || queue.vhost === vhost;
}

/** Positions in `read` by a key of the queue, in read order. */
function positionsBy(read: readonly ReadQueue[], key: (queue: QueueSettings) => string): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  read.forEach((candidate, position) => {
    const list = positions.get(key(candidate.settings));
    if (list === undefined) positions.set(key(candidate.settings), [position]);
    else list.push(position);
  });
  return positions;
}

/** Binds logical names to the queues read (the first that matches); the consumer config of a binding is attached to its queue (a copy). */
export function bindQueues(environment: Environment, read: readonly ReadQueue[], consumers: ReadonlyMap<string, ConsumerRetry>): LoadedEnvironment {
  const bound = new Map<string, BoundQueue | undefined>();
  // only queues of the binding's name or URL can match: an index, not a scan of every queue per binding
  const byName = positionsBy(read, (queue) => queue.name);
  const byId = positionsBy(read, (queue) => queue.id);
  for (const [logical, binding] of Object.entries(environment.queues)) {
    const candidates = [...(byName.get(binding.name) ?? []), ...(binding.url === undefined ? [] : (byId.get(binding.url) ?? []))];
    const first = Math.min(...candidates.filter((position) => matches(environment, logical, (read[position] as ReadQueue).settings)));
    const found = read[first];
    const consumer = consumers.get(logical);
    // Object.assign, not a spread plus a key: on Node 20 that gives each copy a hidden class of its own
    bound.set(logical, found && { logical, source: found.source, settings: consumer ? Object.assign({}, found.settings, { consumer }) : found.settings });
  }
  return { environment, queues: read.map((candidate) => candidate.settings), read: [...read], bound };
}
