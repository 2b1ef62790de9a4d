import { loadScenario, withRetryBudget } from './scenario.js';
import { sweepScenario } from './sweep.js';

export const DEFAULT_PROVE_SEEDS = 200;

/**
 * The verifier's `--prove`: runs the scenario at exactly a policy's minimums (total deliveries and
 * the delay between them) over a sweep of seeds. Resolved means no seed left a record stuck or
 * broke an invariant.
 */
export async function proveScenario(
  file: string,
  overrides: { maxDeliveries: number; delayMs: number },
  options: { seeds?: number } = {},
): Promise<{ resolved: boolean; seeds: number; failingSeeds: number[]; summary: string }> {
  const scenario = withRetryBudget(await loadScenario(file), overrides);
  const seeds = options.seeds ?? DEFAULT_PROVE_SEEDS;
  const result = await sweepScenario(scenario, { seeds });
  const failingSeeds = result.failingSeeds.map((f) => f.seed);
  const at = `${scenario.name} at ${overrides.maxDeliveries} deliveries, ${overrides.delayMs / 1000} s apart`;
  const summary =
    failingSeeds.length === 0
      ? `${at}: resolved in all ${seeds} seeds`
      : `${at}: stuck records or violations in ${failingSeeds.length}/${seeds} seeds; replay: ${result.failingSeeds[0]!.replay}`;
  return { resolved: failingSeeds.length === 0, seeds, failingSeeds, summary };
}
