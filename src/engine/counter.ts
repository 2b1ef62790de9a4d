import { WriteConflictError } from '../store/errors.js';
import type { CounterStrategy, Store } from '../store/store.js';

/** Allocates the next file sequence number from the Counter collection, the way the strategy says. */
export async function allocateSequence(store: Store, strategy: CounterStrategy, counter: string): Promise<number> {
  switch (strategy) {
    case 'atomic':
      return store.incrementCounter(counter);
    case 'transaction':
      return store.incrementCounterInTransaction(counter);
    case 'optimistic': {
      // The 2021 behaviour: read, then write if nobody wrote in between. Simultaneous commands lose here.
      const { value, version } = await store.readCounter(counter);
      if (!(await store.compareAndSetCounter(counter, version, value + 1))) {
        throw new WriteConflictError(`counter ${counter} changed after version ${version} was read`);
      }
      return value + 1;
    }
  }
}
