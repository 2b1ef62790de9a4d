import type { Broker, ConsumeOptions } from './broker.js';
import type { Outcome } from './outcome.js';
import { createDeliveryHandler, type EngineOptions } from './create-handler.js';

export interface RunSummary {
  deliveries: number;
  outcomes: Partial<Record<Outcome['kind'], number>>;
  files: string[];
}

/**
 * Consumes export commands from the broker with the engine's handler until stopped (or idle).
 * `onOutcome` sees every outcome, for progress output.
 */
export async function runExports(
  broker: Broker,
  engine: EngineOptions,
  options: ConsumeOptions & { onOutcome?: (outcome: Outcome) => void; signal?: AbortSignal },
): Promise<RunSummary> {
  const handle = createDeliveryHandler(engine);
  const summary: RunSummary = { deliveries: 0, outcomes: {}, files: [] };
  const consumption = await broker.consume(async (delivery) => {
    const outcome = await handle(delivery);
    summary.deliveries++;
    summary.outcomes[outcome.kind] = (summary.outcomes[outcome.kind] ?? 0) + 1;
    if (outcome.kind === 'exported') summary.files.push(outcome.fileName);
    options.onOutcome?.(outcome);
    return outcome;
  }, options);
  options.signal?.addEventListener('abort', () => void consumption.stop(), { once: true });
  await consumption.stopped;
  summary.files.sort();
  return summary;
}
