/**
 * policy-check performance targets: 1,000 queues × the shipped policies read from files in under
 * 1 s wall (start-up included); an estate — 10,000 queues across 100 vhosts in one whole-broker
 * definitions export, under estate-wide selectors (`appliesTo: { pattern, role }`) — in under 2 s
 * wall (start-up included); and `policy-check --help` cold start under 150 ms. All spawn the
 * real binary (bin/policy-check.js → dist/, so `npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Paths from the repository root, wherever the bench is started from. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fromRoot = (path: string): string => join(ROOT, path);

const QUEUES = 1000;
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10;
}

/** definitions.json with QUEUES quorum work queues under a retry policy, dead-lettering to one DLQ. */
function definitions(): object {
  const work = Array.from({ length: QUEUES }, (_, index) => ({ name: `esr.queue.bench.${index}`, vhost: '/', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } }));
  return {
    rabbit_version: '3.13.7',
    queues: [...work, { name: 'esr.dlq', vhost: '/', durable: true, auto_delete: false, arguments: {} }],
    exchanges: [{ name: 'esr.dlx', vhost: '/', type: 'fanout', durable: true, auto_delete: false, internal: false, arguments: {} }],
    bindings: [{ source: 'esr.dlx', vhost: '/', destination: 'esr.dlq', destination_type: 'queue', routing_key: '', arguments: {} }],
    policies: [{ vhost: '/', name: 'esr-retry', pattern: '^esr\\.queue\\.', 'apply-to': 'queues', priority: 1, definition: { 'delivery-limit': 20, 'dead-letter-exchange': 'esr.dlx' } }],
  };
}

async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'policy-check-bench-'));
  const policies = join(dir, 'policies');
  await mkdir(join(policies, 'environments'), { recursive: true });
  await cp(fromRoot('policies/consumers'), join(policies, 'consumers'), { recursive: true });
  const logical = Array.from({ length: QUEUES }, (_, index) => `q${index}`);
  // The shipped policies, each applied to every one of the 1,000 queues.
  for (const entry of (await readdir(fromRoot('policies'))).filter((name) => name.endsWith('.yaml'))) {
    const text = await readFile(join(fromRoot('policies'), entry), 'utf8');
    await writeFile(join(policies, entry), text.replace(/^appliesTo: .*$/m, `appliesTo: [${logical.join(', ')}]`).replace(/^provenBy: .*$/m, ''));
  }
  await writeFile(join(dir, 'definitions.json'), JSON.stringify(definitions()));
  const bindings = logical.map((name, index) => `  ${name}:\n    name: esr.queue.bench.${index}\n    consumerConfig: ../consumers/esr-data-exporter.yml`).join('\n');
  await writeFile(join(policies, 'environments', 'bench.yaml'), `name: bench\nfiles: [../../definitions.json]\nqueues:\n${bindings}\n`);
  return dir;
}

const ESTATE_VHOSTS = 100;
const ESTATE_QUEUES_PER_VHOST = 100;
const ESTATE_RUNS = 3;

/**
 * A whole-broker export (the shape GET /api/definitions writes: every entry names its vhost) of
 * 100 vhosts × (99 quorum work queues + 1 DLQ), a dead-letter exchange and a retry policy each;
 * every tenth vhost's policy forgets the delivery-limit, so the check has failures to report.
 */
function estateExport(): object {
  const vhosts = Array.from({ length: ESTATE_VHOSTS }, (_, v) => `tenant-${v}`);
  const queues = vhosts.flatMap((vhost) => [
    ...Array.from({ length: ESTATE_QUEUES_PER_VHOST - 1 }, (_, q) => ({ name: `esr.queue.${q}`, vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } })),
    { name: 'esr.dlq', vhost, durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } },
  ]);
  return {
    rabbit_version: '3.10.8',
    rabbitmq_version: '3.10.8',
    vhosts: vhosts.map((name) => ({ name })),
    queues,
    exchanges: vhosts.map((vhost) => ({ name: 'esr.dlx', vhost, type: 'fanout', durable: true, auto_delete: false, internal: false, arguments: {} })),
    bindings: vhosts.map((vhost) => ({ source: 'esr.dlx', vhost, destination: 'esr.dlq', destination_type: 'queue', routing_key: '', arguments: {} })),
    policies: vhosts.map((vhost, v) => ({
      vhost,
      name: 'esr-retry',
      pattern: '^esr\\.queue\\.',
      'apply-to': 'queues',
      priority: 1,
      definition: { ...(v % 10 === 0 ? {} : { 'delivery-limit': 20 }), 'dead-letter-exchange': 'esr.dlx' },
    })),
  };
}

async function estateWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'policy-check-estate-'));
  await mkdir(join(dir, 'policies', 'environments'), { recursive: true });
  await writeFile(join(dir, 'broker.json'), JSON.stringify(estateExport()));
  await writeFile(
    join(dir, 'policies', 'estate.yaml'),
    "name: estate-retry\nappliesTo: { pattern: '^esr\\.', role: work }\nchecks:\n  retryBudget: { minDeliveries: 3, maxDeliveries: 50, severity: error }\n  deadLetter: { required: true, severity: error }\n",
  );
  await writeFile(join(dir, 'policies', 'environments', 'estate.yaml'), 'name: estate\nfiles: [../../broker.json]\n# environments bind at least one logical name; the selectors cover the rest\nqueues:\n  first-dlq: { name: esr.dlq }\n');
  return dir;
}

async function estate(): Promise<Record<string, unknown>> {
  const dir = await estateWorkspace();
  try {
    const args = ['--env', 'estate', '--policies', join(dir, 'policies'), '--format', 'json', '--output', join(dir, 'report.json')];
    const checks = Array.from({ length: ESTATE_RUNS }, () => timeSpawn(args));
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { summary: Record<string, number>; findings: { status: string }[] };
    return {
      queues: ESTATE_VHOSTS * ESTATE_QUEUES_PER_VHOST,
      vhosts: ESTATE_VHOSTS,
      findings: report.findings.length,
      summary: report.summary,
      exitCodes: [...new Set(checks.map((check) => check.status))],
      checkWallMsMedian: median(checks.map((check) => check.ms)),
      checkWallMsTarget: 2000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function timeSpawn(args: string[]): { ms: number; status: number | null } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [fromRoot('bin/policy-check.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { ms: performance.now() - started, status: result.status };
}

export async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(fromRoot('dist/cli/policy-check.js'))) throw new Error('bench/verifier.bench.ts needs `npm run build` first');
  const dir = await workspace();
  try {
    const args = ['--env', 'bench', '--policies', join(dir, 'policies'), '--format', 'json', '--output', join(dir, 'report.json')];
    const checks = Array.from({ length: RUNS }, () => timeSpawn(args));
    const statuses = [...new Set(checks.map((check) => check.status))];
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { summary: Record<string, number>; findings: unknown[] };
    const help = Array.from({ length: 11 }, () => timeSpawn(['--help']).ms);
    return {
      queues: QUEUES,
      findings: report.findings.length,
      summary: report.summary,
      exitCodes: statuses,
      checkWallMsMedian: median(checks.map((check) => check.ms)),
      checkWallMsTarget: 1000,
      helpColdStartMsMedian: median(help),
      helpColdStartMsTarget: 150,
      estate: await estate(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
