/**
 * The seed ranges, in one place, so that no verdict is drawn from the seeds another step already
 * looked at: `recommend` searches on `search` seeds, confirms its answer on `confirm` seeds, and
 * `--prove` (`policy-check --prove`, `proveScenario`) judges a budget on `prove` seeds it has never
 * seen. The ranges are disjoint; a request that would run past its range's end is refused.
 */
export const SEED_RANGES = {
  search: { first: 1, size: 999_999 },
  confirm: { first: 1_000_000, size: 99_000_000 },
  prove: { first: 1_000_000_000, size: 1_000_000_000 },
} as const;

export type SeedPurpose = keyof typeof SEED_RANGES;

export interface SeedSpan {
  first: number;
  count: number;
}

/** `count` seeds of the purpose's range, starting `offset` seeds into it. */
export function seedsFor(purpose: SeedPurpose, count: number, offset = 0): SeedSpan {
  const range = SEED_RANGES[purpose];
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(offset) || offset < 0 || offset + count > range.size) {
    throw new RangeError(`${count} ${purpose} seeds from offset ${offset} do not fit the ${purpose} range (${range.size} seeds from ${range.first})`);
  }
  return { first: range.first + offset, count };
}

/** Which range a seed belongs to (for messages), or null outside them all. */
export function purposeOf(seed: number): SeedPurpose | null {
  for (const [purpose, range] of Object.entries(SEED_RANGES) as [SeedPurpose, (typeof SEED_RANGES)[SeedPurpose]][]) {
    if (seed >= range.first && seed < range.first + range.size) return purpose;
  }
  return null;
}
