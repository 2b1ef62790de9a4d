import { dirname, resolve } from 'node:path';
import { loadEnvironment, loadPolicies } from '../policy/load.js';
import { evaluate } from './evaluate.js';
import { readEnvironment } from './load-environment.js';
import { proveFindings } from './prove.js';
import type { Report } from './report.js';

export interface PolicyCheckOptions {
  env: string;
  /** Default `policies`; environments live in `<policiesDir>/environments`. */
  policiesDir: string;
  /** `--source FILE...`: extra file sources for the target environment. */
  sources?: readonly string[];
  baseline?: string;
  /** Run the simulator for policies with `provenBy`. */
  prove?: boolean;
  /** A queue the sources find that no policy covers fails the run. */
  strict?: boolean;
  /** Today, YYYY-MM-DD, against which waivers expire. */
  asOf: string;
  environ: Readonly<Record<string, string | undefined>>;
  registerSecret?: (secret: string) => void;
}

/**
 * The whole check as one library call: load and validate policies and environments, read the
 * sources (read-only), evaluate, compare with the baseline, prove. Returns data, prints nothing;
 * bad input and unreadable sources throw InputError / SourceError (exit code 2).
 */
export async function runPolicyCheck(options: PolicyCheckOptions): Promise<Report> {
  const [policies, targetEnvironment, baselineEnvironment] = await Promise.all([
    loadPolicies(options.policiesDir),
    loadEnvironment(options.policiesDir, options.env),
    options.baseline === undefined ? undefined : loadEnvironment(options.policiesDir, options.baseline),
  ]);
  const read = { environ: options.environ, ...(options.registerSecret ? { registerSecret: options.registerSecret } : {}) };
  const [target, baseline, proofs] = await Promise.all([
    readEnvironment(targetEnvironment, { ...read, extraFiles: options.sources ?? [] }),
    baselineEnvironment && readEnvironment(baselineEnvironment, read),
    options.prove ? proveFindings(policies, targetEnvironment.name, dirname(resolve(options.policiesDir))) : [],
  ]);
  return evaluate({ policies, target, ...(baseline ? { baseline } : {}), asOf: options.asOf, extraFindings: proofs, strict: options.strict === true });
}
