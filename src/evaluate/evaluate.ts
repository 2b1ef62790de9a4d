import type { CheckName, Checks, Policy, QueueSelector } from '../policy/types.js';
import { patternMatches } from '../semantics/rabbitmq/policies.js';
import type { QueueSettings } from '../sources/queue-settings.js';
import type { LoadedEnvironment, ReadQueue } from './bind.js';
import { CHECKS, type Check, type CheckContext, type Verdict } from './checks/index.js';
import type { CheckId } from './checks/registry.js';
import { requiredVisibilitySeconds } from './checks/visibility-timeout.js';
import { describeProvenance } from './effective.js';
import { parityFindings } from './parity.js';
import { fixFor, type Wanted } from './remediation.js';
import { buildReport, type Finding, type Report, type UncoveredQueue } from './report.js';
import { applySuppressions, applyWaivers } from './waivers.js';

export interface EvaluationInput {
  policies: readonly Policy[];
  target: LoadedEnvironment;
  /** With a baseline, every retry/redrive setting the target lost or weakened is a finding too. */
  baseline?: LoadedEnvironment;
  /** Today, YYYY-MM-DD: waivers expire against it. */
  asOf: string;
  /** Findings made elsewhere (proofs by simulation) that belong in the same report. */
  extraFindings?: readonly Finding[];
  /** A queue no policy covers fails the run (`--strict`); otherwise it is only listed in `report.notCovered`. */
  strict?: boolean;
}

/** What a fix must set for a failed check: the policy's own minimums. */
function wantedFor(checks: Checks, id: CheckId): Wanted {
  switch (id) {
    case 'ESR-RETRY-001':
      return { maxDeliveries: checks.retryBudget?.minDeliveries ?? 1, deadLetter: true };
    case 'ESR-RETRY-002':
      return { retryDelaySeconds: checks.retryDelay?.minSeconds ?? 1 };
    case 'ESR-DLQ-001':
      return { deadLetter: true };
    case 'ESR-DLQ-002':
      return { deadLetterQueue: true };
    case 'ESR-VIS-001':
      return { visibilityTimeoutSeconds: Math.ceil(checks.visibilityTimeout === undefined ? 30 : requiredVisibilitySeconds(checks.visibilityTimeout)) };
    case 'ESR-CONSUMER-001': {
      // A loss on failure is fixed on the queue (a dead-letter path); attempts and requeue in the consumer.
      const config = checks.consumerRetry;
      return {
        deadLetter: config?.noLossOnFailure !== false,
        ...(config?.maxAttempts === undefined ? {} : { consumerAttempts: config.maxAttempts }),
        ...(config?.requeueRejected === undefined ? {} : { consumerRequeueRejected: config.requeueRejected }),
      };
    }
    default:
      return {};
  }
}

interface Target {
  /** The logical name, or the real queue's name for a selector match. */
  label: string;
  read: ReadQueue;
  /** The policy line that brought the queue in, for the "exists" finding. */
  line: number;
}

/** The fixes of several findings on one queue, as one: what each asks, together (a fix never undoes another). */
function mergeWanted(all: readonly Wanted[]): Wanted {
  return all.reduce<Wanted>((merged, wanted) => ({ ...merged, ...wanted, deadLetter: merged.deadLetter === true || wanted.deadLetter === true }), {});
}

/**
 * Every check of the policy on one queue; streams neither requeue nor dead-letter, so no check applies
 * to them. Every problem of the queue gets the same fix, which repairs them all: applying the fix of
 * one finding never undoes another's (two set_policy on one queue would replace each other).
 */
function queueFindings(policy: Policy, env: string, target: Target, context: CheckContext): Finding[] {
  const { settings } = target.read;
  const verdicts: { name: CheckName; id: CheckId; severity: Finding['severity']; verdict: Verdict }[] = [];
  if (settings.queueType !== 'stream') {
    for (const name of Object.keys(policy.checks) as CheckName[]) {
      const config = policy.checks[name];
      if (!config) continue;
      for (const { id, run } of CHECKS[name]) {
        const verdict = (run as Check<typeof config>)(settings, config, context);
        if (verdict) verdicts.push({ name, id, severity: config.severity, verdict });
      }
    }
  }
  if (verdicts.length > 0) {
    const problems = verdicts.filter(({ verdict }) => verdict.status !== 'pass');
    const fix = problems.length === 0 ? undefined : fixFor(settings, mergeWanted(problems.map(({ id }) => wantedFor(policy.checks, id))), context.queues);
    return verdicts.map(({ name, id, severity, verdict }) => {
      // Written out, not spread from a base: on Node 20, `{ ...base, more }` gives every object its own
      // hidden class, and 40,000 findings of as many shapes made each later read of them megamorphic.
      const finding: Finding = {
        policy: policy.name,
        env,
        queue: target.label,
        queueId: settings.id,
        check: id,
        severity,
        status: verdict.status,
        expected: verdict.expected,
        actual: verdict.actual,
        message: verdict.message,
        source: `${target.read.source}: ${describeProvenance(verdict.from)}`,
        location: { file: policy.file, line: policy.checkLines[name] ?? 1 },
      };
      if (verdict.status !== 'pass' && fix !== undefined) finding.fix = fix;
      return finding;
    });
  }
  // Role-aware checks all stood aside (a dead-letter queue, a stream): still show that it was found.
  const why = settings.queueType === 'stream' ? 'a stream: no retry check applies (streams neither requeue nor dead-letter)' : `as a ${settings.role} queue none of the policy's checks apply to it`;
  return [
    {
      policy: policy.name,
      env,
      queue: target.label,
      queueId: settings.id,
      check: 'ESR-EXISTS-001',
      severity: 'error',
      status: 'pass',
      expected: `queue ${settings.name} exists`,
      actual: `exists (role ${settings.role}, ${settings.queueType})`,
      message: `${settings.id} exists; ${why}`,
      source: target.read.source,
      location: { file: policy.file, line: target.line },
    },
  ];
}

/** A selector matches a queue when every condition it gives holds. */
export function selects(selector: QueueSelector, queue: QueueSettings): boolean {
  return (
    (selector.pattern === undefined || patternMatches(selector.pattern, queue.name)) &&
    (selector.role === undefined || selector.role === queue.role) &&
    (selector.vhost === undefined || selector.vhost === queue.vhost) &&
    (selector.broker === undefined || selector.broker === queue.broker)
  );
}

/** The queues a policy covers: bound logical names (old contract) and selector matches, each queue once. */
function targetsOf(policy: Policy, loaded: LoadedEnvironment, findings: Finding[]): Target[] {
  const env = loaded.environment;
  const targets: Target[] = [];
  policy.appliesTo.forEach((logical, index) => {
    const base = { policy: policy.name, env: env.name, queue: logical };
    const binding = env.queues[logical];
    if (!binding) {
      findings.push({
        ...base,
        check: 'ESR-BIND-001',
        severity: 'error',
        status: 'error',
        expected: `environment ${env.name} binds ${logical}`,
        actual: 'not bound',
        message: `policy ${policy.name} applies to '${logical}' but ${env.file} does not bind it under queues:`,
        source: env.file,
        location: { file: policy.file, line: policy.appliesToLines[index] ?? 1 },
      });
      return;
    }
    const bound = loaded.bound.get(logical);
    if (!bound) {
      findings.push({
        ...base,
        check: 'ESR-EXISTS-001',
        severity: 'error',
        status: 'fail',
        expected: `queue ${binding.name} exists`,
        actual: 'not found',
        message: `queue ${binding.name} (bound to '${logical}') was not found by any source of environment ${env.name}`,
        source: env.file,
        location: { file: env.file, line: env.queueLines[logical] ?? 1 },
        fix: `# declare ${binding.name} (esr-export declares its topology at start), or correct queues.${logical}.name in ${env.file}`,
      });
      return;
    }
    targets.push({ label: logical, read: bound, line: policy.appliesToLines[index] ?? 1 });
  });
  const taken = new Set(targets.map((target) => target.read.settings.id));
  for (const { selector, line } of policy.selectors) {
    for (const read of loaded.read) {
      if (taken.has(read.settings.id) || !selects(selector, read.settings)) continue;
      taken.add(read.settings.id);
      targets.push({ label: read.settings.name, read, line });
    }
  }
  return targets;
}

/** Queues read that no policy covers, nor as the dead-letter or wait queue of a covered one. */
function uncovered(loaded: LoadedEnvironment, covered: readonly ReadQueue[]): UncoveredQueue[] {
  const ids = new Set(covered.map((read) => read.settings.id));
  const reached = new Set(
    covered.flatMap((read) => (read.settings.deadLetterTarget.value?.resolvedQueues ?? []).map((name) => `${read.settings.broker}:${read.settings.vhost ?? ''}:${name}`)),
  );
  const listed = new Map<string, UncoveredQueue>();
  for (const read of loaded.read) {
    if (ids.has(read.settings.id) || reached.has(`${read.settings.broker}:${read.settings.vhost ?? ''}:${read.settings.name}`)) continue;
    // overlapping prefixes or several sources may read one queue twice: list it once
    if (!listed.has(read.settings.id)) listed.set(read.settings.id, { queueId: read.settings.id, name: read.settings.name, role: read.settings.role, source: read.source });
  }
  return [...listed.values()];
}

function coverageFinding(queue: UncoveredQueue, env: string): Finding {
  return {
    policy: 'coverage',
    env,
    queue: queue.name,
    queueId: queue.queueId,
    check: 'ESR-COVER-001',
    severity: 'error',
    status: 'fail',
    expected: 'a policy covers every queue the sources find',
    actual: `not covered (role ${queue.role})`,
    message: `${queue.queueId} is not covered by any policy: no check was made (--strict)`,
    source: queue.source,
    fix: `# add it to a policy: appliesTo: [{ pattern: '^${queue.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$' }], or a broader pattern`,
  };
}

/** Policies × the queues they cover → findings, then coverage, parity, waivers: one report, one exit code. */
export function evaluate(input: EvaluationInput): Report {
  const env = input.target.environment.name;
  const context: CheckContext = { queues: input.target.queues };
  const findings: Finding[] = [];
  const covered: ReadQueue[] = [];
  for (const policy of input.policies) {
    for (const target of targetsOf(policy, input.target, findings)) {
      covered.push(target.read);
      findings.push(...queueFindings(policy, env, target, context));
    }
  }
  const notCovered = uncovered(input.target, covered);
  findings.push(
    // listed in the report always; a failure of its own under --strict
    ...(input.strict === true ? notCovered.map((queue) => coverageFinding(queue, env)) : []),
    ...(input.baseline ? parityFindings(input.baseline, input.target) : []),
    ...(input.extraFindings ?? []),
  );
  return buildReport(env, input.baseline?.environment.name, applyWaivers(applySuppressions(findings, input.target.queues), input.policies, env, input.asOf), notCovered);
}
