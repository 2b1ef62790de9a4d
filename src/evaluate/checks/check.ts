import type { Provenance, QueueSettings } from '../../sources/queue-settings.js';

/** What one check concludes about one queue. Pure data: evaluation adds policy, env, severity and the fix. */
export interface Verdict {
  status: 'pass' | 'fail' | 'error';
  expected: string;
  actual: string;
  message: string;
  from: Provenance;
}

export interface CheckContext {
  /** Every queue the environment's sources read, to resolve dead-letter targets. */
  queues: readonly QueueSettings[];
}

/** A check over one queue; null when it does not apply (role-aware: a dead-letter queue needs no DLQ). */
export type Check<Config> = (queue: QueueSettings, config: Config, context: CheckContext) => Verdict | null;

/** Fail closed: a value the source cannot know (until apply, or without the broker version) never passes. */
export function unknownUntilApply(what: string, expected: string, from: Provenance): Verdict {
  return {
    status: 'error',
    expected,
    actual: 'unknown',
    message: `${what} is unknown: ${from.origin === 'broker-default' ? (from.detail ?? 'no default applies') : `known only after apply (${from.detail ?? from.source})`}; the check cannot be made`,
    from,
  };
}

const indexes = new WeakMap<readonly QueueSettings[], Map<string, QueueSettings[]>>();

/** The queues read with this name, through an index built once per list (an estate has thousands). */
export function queuesNamed(queues: readonly QueueSettings[], name: string): readonly QueueSettings[] {
  let index = indexes.get(queues);
  if (index === undefined) {
    index = new Map();
    for (const queue of queues) {
      const named = index.get(queue.name);
      if (named === undefined) index.set(queue.name, [queue]);
      else named.push(queue);
    }
    indexes.set(queues, index);
  }
  return index.get(name) ?? [];
}

/** broker → vhost → name → the first queue read there. */
type PlaceIndex = Map<string, Map<string | undefined, Map<string, QueueSettings>>>;

const placeIndexes = new WeakMap<readonly QueueSettings[], PlaceIndex>();

function placeIndexOf(queues: readonly QueueSettings[]): PlaceIndex {
  let index = placeIndexes.get(queues);
  if (index === undefined) {
    index = new Map();
    for (const queue of queues) {
      let vhosts = index.get(queue.broker);
      if (vhosts === undefined) index.set(queue.broker, (vhosts = new Map()));
      let names = vhosts.get(queue.vhost);
      if (names === undefined) vhosts.set(queue.vhost, (names = new Map()));
      if (!names.has(queue.name)) names.set(queue.name, queue);
    }
    placeIndexes.set(queues, index);
  }
  return index;
}

/**
 * The queue called `name` on the same broker and vhost as `queue` (where its dead-letters can go): the
 * first such queue read, through an index built once per list (an estate's 100 vhosts each have an `esr.dlq`).
 */
export function besideOf(queues: readonly QueueSettings[], queue: QueueSettings, name: string): QueueSettings | undefined {
  return placeIndexOf(queues).get(queue.broker)?.get(queue.vhost)?.get(name);
}
