/**
 * Time is an interface: production passes `systemClock`, the simulator a virtual clock.
 * Engine code never reads the time or sleeps any other way.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  // eslint-disable-next-line no-restricted-properties -- the one real clock
  now: () => Date.now(),
  // eslint-disable-next-line no-restricted-globals -- the one real timer
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that stands still at a given instant: for commands run "as of" a date. */
export function fixedClock(epochMs: number): Clock {
  return { now: () => epochMs, sleep: async () => undefined };
}
