import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dateOf } from '../domain/dates.js';
import { auditStuckRecords, type AuditReport } from '../engine/audit.js';
import { systemClock } from '../engine/clock.js';
import { exitCode, type Finding } from '../evaluate/report.js';
import { runPolicyCheck } from '../evaluate/run.js';
import { runReal, type RealComparison } from '../live/real.js';
import { renderComparison } from '../live/compare.js';
import { describeReachability, probeRabbitMq } from '../live/reachability.js';
import { renderReportHtml } from '../sim/report-html.js';
import { runScenario } from '../sim/run.js';
import { loadScenario, type Scenario } from '../sim/scenario.js';
import { LOCAL_SQS_ENVIRON, stageRabbitMq, stageSqs, type StagedBrokers } from '../live/staging.js';

export interface StoryOptions {
  /** Where the HTML reports go. */
  outDir: string;
  /** The shipped `policies/` and `scenarios/` folders. */
  policiesDir: string;
  scenariosDir: string;
  amqpUrl: string;
  managementUrl: string;
  mongodbUri?: string;
  /** Delays of the live replays are divided by this (10 s of retry delay → 100 ms). */
  compression: number;
  progress: (line: string) => void;
}

export interface StoryStep {
  title: string;
  /** Did it behave as the story says it must? */
  ok: boolean;
  lines: string[];
}

export interface StoryResult {
  broker: string;
  store: string;
  steps: StoryStep[];
  reports: string[];
  ok: boolean;
}

const SATURDAY = '2021-07-31';
/** The model's side of the story's comparison: one live run dominates the bound (sd²/1 against sd²/M), so a few seeds do. */
const STORY_MODEL_SEEDS = 40;

/** The Saturday 31/07 burst alone, as live brokers can run it (faults are the model's own). */
function saturdayOnly(scenario: Scenario): Scenario {
  return {
    ...scenario,
    description: `${scenario.description.trim()} Replayed here: the Saturday 14:00 run alone.`,
    commands: scenario.commands.slice(0, 1),
    horizon: '2021-08-01T00:00:00Z',
    faults: undefined,
  };
}

/**
 * The 2021 incident told end to end with the real parts: the Saturday burst replayed on a live broker
 * with the retry policy lost, the verifier catching the lost policy against the legacy broker, the
 * fix applied and proven, the audit that would have alerted on 31/07, and the HTML report.
 */
export async function tellStory(options: StoryOptions): Promise<StoryResult> {
  const say = options.progress;
  // The story needs both: AMQP for the live replays, the management API for staging and the verifier.
  const reachable = await probeRabbitMq(options.amqpUrl, options.managementUrl);
  const onRabbitMq = reachable.amqp.ok && reachable.management.ok;
  const broker = onRabbitMq ? `RabbitMQ at ${reachable.management.url}` : `the local SQS endpoint (${describeReachability(reachable)})`;
  const store = options.mongodbUri ? 'MongoDB (MONGODB_URI)' : 'the in-memory store with MongoDB-like latency (no MONGODB_URI)';
  say(`broker: ${broker}; store: ${store}`);
  const [lostFile, fixedFile] = onRabbitMq
    ? ['2021-burst.yaml', '2021-burst-pre-migration.yaml']
    : ['2021-burst-sqs-no-redrive-spring.yaml', '2021-burst-sqs-redrive.yaml'];
  const lost = saturdayOnly(await loadScenario(join(options.scenariosDir, lostFile)));
  const fixed = saturdayOnly(await loadScenario(join(options.scenariosDir, fixedFile)));
  const steps: StoryStep[] = [];
  const step = (title: string, ok: boolean, lines: string[]) => {
    steps.push({ title, ok, lines });
    say(`${ok ? '✔' : '✘'} ${title}`);
    for (const line of lines) say(`    ${line}`);
  };

  // 1. The Saturday burst with the retry policy lost.
  say(`1/5 Friday 30/07/2021 16:30: ${lost.records.perOffice} placements per office added for trainees starting Wed 04/08; replaying the Saturday 14:00 burst with the retry policy lost…`);
  const { run: lostRun, audit } = await replayLive(lost, options);
  const lostTotals = lostRun.live[0]!.totals;
  step('the Saturday burst, retry policy lost: records stuck, commands lost, as the model says', lostTotals.stuck > 0 && lostTotals.lost > 0 && lostRun.comparison.agree, describeRun(lostRun));

  // 2. The verifier against the legacy broker.
  say('2/5 policy-check --env aws --baseline legacy: would the migration gate have caught it?');
  const suffix = `${process.pid}-${systemClock.now().toString(36)}`;
  const staged = onRabbitMq ? await stageRabbitMq(options.managementUrl, suffix) : await stageSqs(suffix);
  const workspace = await policyWorkspace(options.policiesDir, staged);
  const environ = { ...process.env, ...(onRabbitMq ? {} : LOCAL_SQS_ENVIRON) };
  let fixedRun: RealComparison | undefined;
  try {
    const before = await runPolicyCheck({ env: 'aws', baseline: 'legacy', policiesDir: workspace, asOf: dateOf(systemClock.now()), environ });
    const lostSettings = before.findings.filter((f) => f.status === 'fail' && f.check === 'ESR-PARITY-001');
    step('policy-check finds the lost retry policy before cut-over (exit 1)', exitCode(before) === 1 && lostSettings.length > 0, lostSettings.map(describeFinding));

    // 3. The fix, checked and proven.
    say('3/5 applying the fix to the new broker, checking again, replaying the burst…');
    await staged.applyFix();
    const after = await runPolicyCheck({ env: 'aws', baseline: 'legacy', policiesDir: workspace, asOf: dateOf(systemClock.now()), environ });
    const replayed = await replayLive(fixed, options);
    fixedRun = replayed.run;
    const fixedAudit = replayed.audit;
    const fixedLive = fixedRun.live[0]!;
    const resolved = fixedLive.totals.stuck === 0 && fixedLive.totals.lost === 0 && fixedLive.otherViolations === 0 && fixedLive.totals.files === 13 && fixedRun.comparison.agree;
    step(
      'with the policy restored: policy-check passes (exit 0), every office exported, invariants hold',
      exitCode(after) === 0 && resolved && fixedAudit?.stuck.length === 0,
      [`policy-check: ${after.summary.passed} passed, ${after.summary.failed} failed, ${after.summary.errors} could not be checked`, ...describeRun(fixedRun)],
    );
  } finally {
    await staged.cleanup();
    await rm(workspace, { recursive: true, force: true });
  }

  // 4. The audit that would have alerted on Saturday.
  say(`4/5 esr-export audit --as-of ${SATURDAY}, after Saturday's run…`);
  step(
    'the audit alerts on Saturday 31/07 (exit 1), not Monday 02/08 when users noticed',
    audit !== null && audit.stuck.length > 0 && audit.incompleteRuns.length > 0,
    audit === null
      ? ['the audit did not run']
      : [`${audit.stuck.length} record(s) stuck; runs that did not complete: ${audit.incompleteRuns.join(', ')}`],
  );

  // 5. The pictures.
  say('5/5 writing the HTML reports…');
  await mkdir(options.outDir, { recursive: true });
  const reports: string[] = [];
  for (const [scenario, run, name, title] of [
    [lost, lostRun, '2021-policy-lost.html', 'Saturday 31/07/2021, the retry policy lost'],
    [fixed, fixedRun, '2021-policy-restored.html', 'The same burst with the retry policy restored'],
  ] as const) {
    const model = await runScenario(scenario, scenario.seed ?? 1);
    const path = resolve(options.outDir, name);
    const text = [`Replayed by npm start on ${broker}; store: ${store}.`, ...(run ? describeRun(run) : [])].join('\n');
    await writeFile(path, renderReportHtml(scenario, model, { title, text }));
    reports.push(path);
  }
  step('HTML reports written', reports.length === 2, reports);

  return { broker, store, steps, reports, ok: steps.every((s) => s.ok) };
}

/** The scenario on the live broker, and the audit of Saturday on the store it leaves behind. */
async function replayLive(scenario: Scenario, options: StoryOptions): Promise<{ run: RealComparison; audit: AuditReport | null }> {
  let audit: AuditReport | null = null;
  const run = await runReal(scenario, {
    runs: 1,
    modelSeeds: STORY_MODEL_SEEDS,
    compression: options.compression,
    amqpUrl: options.amqpUrl,
    mongodbUri: options.mongodbUri,
    inspect: async (liveStore) => void (audit = await auditStuckRecords(liveStore, SATURDAY)),
  });
  return { run, audit };
}

function describeRun(run: RealComparison): string[] {
  const { totals: r, fates } = run.live[0]!;
  return [
    `live ${run.broker}: ${r.files} of 13 office files written, ${r.conflicts} Counter conflicts, ${r.stuck} record(s) stuck, ${r.lost} command(s) lost, ${r.deadLettered} dead-lettered, ${fates['on-broker']} still on the broker`,
    `against the model over ${run.comparison.metrics[0]!.model.n} seeds:`,
    ...renderComparison(run.comparison),
  ];
}

function describeFinding(finding: Finding): string {
  const fix = finding.fix ? `\n      fix: ${finding.fix.split('\n').join('\n           ')}` : '';
  return `${finding.queue}: ${finding.check} expected ${finding.expected}, actual ${finding.actual}${fix}`;
}

/** A copy of the shipped policies with the two staged brokers as environments `legacy` and `aws`. */
async function policyWorkspace(policiesDir: string, staged: StagedBrokers): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'esr-story-policies-'));
  for (const entry of await readdir(policiesDir)) {
    if (entry !== 'environments') await cp(join(policiesDir, entry), join(workspace, entry), { recursive: true });
  }
  await mkdir(join(workspace, 'environments'));
  await writeFile(join(workspace, 'environments', 'legacy.yaml'), staged.legacyEnvironment);
  await writeFile(join(workspace, 'environments', 'aws.yaml'), staged.targetEnvironment);
  return workspace;
}
