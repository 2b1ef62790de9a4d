/**
 * A queue's role, derived from where dead-letters go in the effective topology (not from its name).
 * A dead-letter queue is never judged as a work queue lacking a DLQ.
 */
import type { QueueRole } from '../../sources/queue-settings.js';

export interface RoleInput {
  name: string;
  /** The queue has an effective message TTL. */
  hasMessageTtl: boolean;
  /** Queues its dead-letters route to (empty when it has no dead-letter exchange or it routes nowhere). */
  deadLettersTo: readonly string[];
}

/**
 * wait: a message TTL and dead-letters that route on to a queue which itself dead-letters (the
 * delayed-retry pattern's wait queue, not a final DLQ: a work queue whose expired messages go to its
 * DLQ is not a wait queue); dead-letter: the target of a non-wait queue's dead-lettering; work:
 * everything else.
 */
export function queueRoles(queues: readonly RoleInput[]): Map<string, QueueRole> {
  const roles = new Map<string, QueueRole>();
  const targetsOf = (q: RoleInput): string[] => q.deadLettersTo.filter((target) => target !== q.name);
  const deadLetters = new Set(queues.filter((q) => q.deadLettersTo.length > 0).map((q) => q.name));
  for (const q of queues) if (q.hasMessageTtl && targetsOf(q).some((target) => deadLetters.has(target))) roles.set(q.name, 'wait');
  for (const q of queues) {
    if (roles.get(q.name) === 'wait') continue;
    for (const target of targetsOf(q)) if (!roles.has(target)) roles.set(target, 'dead-letter');
  }
  for (const q of queues) if (!roles.has(q.name)) roles.set(q.name, 'work');
  return roles;
}
