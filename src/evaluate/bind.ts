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

/** Binds logical names to the queues read; the consumer config of a binding is attached to its queue (a copy). */
export function bindQueues(environment: Environment, read: readonly ReadQueue[], consumers: ReadonlyMap<string, ConsumerRetry>): LoadedEnvironment {
  const bound = new Map<string, BoundQueue | undefined>();
  for (const logical of Object.keys(environment.queues)) {
    const found = read.find((candidate) => matches(environment, logical, candidate.settings));
    const consumer = consumers.get(logical);
    bound.set(
      logical,
      found && { logical, source: found.source, settings: consumer ? { ...found.settings, consumer } : found.settings },
    );
  }
  return { environment, queues: read.map((candidate) => candidate.settings), read: [...read], bound };
}
