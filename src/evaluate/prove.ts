import { resolve } from 'node:path';
import type { Policy } from '../policy/types.js';
import type { Finding } from './report.js';

/** What `--prove` asks of the simulator: does the scenario resolve at exactly the policy's minimums? */
export interface ProofRequest {
  maxDeliveries: number;
  delayMs: number;
}
export interface ProofOutcome {
  resolved: boolean;
  detail: string;
}
export type Prover = (scenarioFile: string, request: ProofRequest) => Promise<ProofOutcome>;

/** The simulator is heavy: imported only when --prove is given. */
async function simulatorProver(): Promise<Prover> {
  const { proveScenario } = await import('../sim/prove.js');
  return async (file, request) => {
    const result = await proveScenario(file, request);
    return { resolved: result.resolved, detail: result.summary };
  };
}

/** One finding per policy with `provenBy`: pass when the scenario resolves at the policy's minimums. */
export async function proveFindings(policies: readonly Policy[], env: string, projectRoot: string, prover?: Prover): Promise<Finding[]> {
  const proven = policies.filter((policy) => policy.provenBy !== undefined);
  if (proven.length === 0) return [];
  const prove = prover ?? (await simulatorProver());
  return Promise.all(
    proven.map(async (policy): Promise<Finding> => {
      const scenario = policy.provenBy ?? '';
      const request = { maxDeliveries: policy.checks.retryBudget?.minDeliveries ?? 1, delayMs: (policy.checks.retryDelay?.minSeconds ?? 0) * 1000 };
      const expected = `${scenario} resolves with ${request.maxDeliveries} deliveries, ${request.delayMs} ms apart`;
      const base = { policy: policy.name, env, queue: policy.appliesTo.join(','), check: 'ESR-PROVE-001', severity: 'error' as const, expected, source: `esr-sim ${scenario}` };
      const location = { file: policy.file, line: policy.provenByLine ?? 1 };
      try {
        const outcome = await prove(resolve(projectRoot, scenario), request);
        return {
          ...base,
          status: outcome.resolved ? 'pass' : 'fail',
          actual: outcome.resolved ? 'resolves' : 'does not resolve',
          message: outcome.resolved ? `the simulator confirms the minimums: ${outcome.detail}` : `the scenario does not resolve at the policy's minimums: ${outcome.detail}`,
          location,
          ...(outcome.resolved ? {} : { fix: `esr-sim recommend ${scenario}   # then raise checks.retryBudget.minDeliveries in ${policy.file}` }),
        };
      } catch (error) {
        return { ...base, status: 'error', actual: 'not run', message: `could not run ${scenario}: ${(error as Error).message.split('\n')[0] ?? ''}`, location };
      }
    }),
  );
}
