import type { CounterStrategy, Store } from '../store/store.js';

/**
 * A sequence number, or the optimistic write's lost race: an expected outcome of that strategy,
 * returned rather than thrown (throwing it through the handler's async frames cost a twelfth of a
 * simulated run). A transaction's conflict comes from the store as a WriteConflictError.
 */
export type Allocation = { sequence: number } | { conflict: string };

/** Allocates the next file sequence number from the Counter collection, the way the strategy says. */
export async function allocateSequence(store: Store, strategy: CounterStrategy, counter: string): Promise<Allocation> {
  switch (strategy) {
    case 'atomic':
      return { sequence: await store.incrementCounter(counter) };
    case 'transaction':
      return { sequence: await store.incrementCounterInTransaction(counter) };
    case 'optimistic': {
      // The 2021 behaviour: read, then write if nobody wrote in between. Simultaneous commands lose here.
      const { value, version } = await store.readCounter(counter);
      if (!(await store.compareAndSetCounter(counter, version, value + 1))) return { conflict: `counter ${counter} changed after version ${version} was read` };
      return { sequence: value + 1 };
    }
  }
}
