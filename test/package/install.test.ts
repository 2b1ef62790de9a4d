/**
 * Installed, not cloned: the packed tarball installed into an empty project (offline, from the
 * npm cache), where `npx policy-check`, `npx esr-sim` and `npx esr-export` must work and find the
 * shipped data. Slow by nature: one pack and one install per run, every step under a timeout.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitions } from '../verifier/workspace.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string>; license: string; engines: Record<string, string> };
const STEP_TIMEOUT_MS = 240_000;

let dir: string;
let project: string;
let tarball: string;

function run(command: string, args: string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' };
  // The user's shell does not carry ours: the test must not pass because we silenced the SDK ourselves.
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout });
}

/**
 * The lockfile npm would write for `npm install <tarball>`: the toolkit plus exactly its production
 * dependency tree as our own lock resolves it. `npm install --offline <tarball>` alone cannot run
 * here: it needs the registry's package documents, which the offline cache does not hold; the
 * tarballs it does hold are found by integrity.
 */
function consumerLock(tarballName: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer-project', version: '1.0.0', dependencies: { [PACKAGE.name]: `file:${tarballName}` } },
    [`node_modules/${PACKAGE.name}`]: { version: PACKAGE.version, resolved: `file:${tarballName}`, license: PACKAGE.license, dependencies: PACKAGE.dependencies, bin: PACKAGE.bin, engines: PACKAGE.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev === true || entry.link === true) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const { devOptional: _devOptional, ...rest } = entry;
    packages[path] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${String(entry.version)}.tgz`, ...rest };
  }
  return { name: 'consumer-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/cli/policy-check.js')), 'run `npm run build` first').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'esr-package-'));
  // --ignore-scripts: dist/ is already built by `npm run build`; `prepare` would build it again.
  const packed = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT, STEP_TIMEOUT_MS);
  expect(packed.status, packed.stderr).toBe(0);
  tarball = packed.stdout.trim().split('\n').at(-1) ?? '';
  project = join(dir, 'consumer');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer-project', version: '1.0.0', private: true, type: 'module', dependencies: { [PACKAGE.name]: `file:../${tarball}` } }, null, 2));
  await writeFile(join(project, 'package-lock.json'), JSON.stringify(consumerLock(`../${tarball}`), null, 2));
  const installed = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project, STEP_TIMEOUT_MS);
  expect(installed.status, `${installed.stdout}\n${installed.stderr}`).toBe(0);
}, 2 * STEP_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function npx(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = run('npx', ['--no-install', ...args], project);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectQuiet(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain('NodeVersionSupportWarning');
}

describe('the packed package, installed into an empty project', () => {
  it('ships what the CLIs need and no source maps pointing at unshipped src/', async () => {
    const listed = run('tar', ['tzf', join(dir, tarball)], dir);
    const files = listed.stdout.split('\n');
    expect(files).toContain('package/dist/cli/policy-check.js');
    expect(files).toContain('package/policies/environments/local.yaml');
    expect(files).toContain('package/scenarios/2021-burst.yaml');
    expect(files).toContain('package/schemas/policy-check-config.schema.json');
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('package/src/') || file.startsWith('package/test/'))).toEqual([]);
    const shipped = await readdir(join(project, 'node_modules', PACKAGE.name, 'dist', 'cli'));
    expect(shipped).toContain('policy-check.js');
  });

  it('exports paths to its data: esr-retry-toolkit/policies/… and …/scenarios/…', () => {
    const script = "for (const s of ['esr-retry-toolkit/policies/esr-export-commands.yaml', 'esr-retry-toolkit/scenarios/2021-burst.yaml', 'esr-retry-toolkit/package.json']) console.log(import.meta.resolve(s));";
    const resolved = run(process.execPath, ['--input-type=module', '-e', script], project);
    expect(resolved.status, resolved.stderr).toBe(0);
    expect(resolved.stdout.trim().split('\n')).toEqual([
      `file://${project}/node_modules/${PACKAGE.name}/policies/esr-export-commands.yaml`,
      `file://${project}/node_modules/${PACKAGE.name}/scenarios/2021-burst.yaml`,
      `file://${project}/node_modules/${PACKAGE.name}/package.json`,
    ]);
  });

  it('npx policy-check list-checks and --version', () => {
    const list = npx('policy-check', 'list-checks');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID +TITLE/);
    const version = npx('policy-check', '--version');
    expect(version.stdout.trim()).toBe(PACKAGE.version);
    expectQuiet(list.stderr + version.stderr);
  });

  it('npx policy-check uses the shipped policies when the project has none', () => {
    const result = npx('policy-check', '--env', 'local', '-f', 'json');
    expectQuiet(result.stderr);
    // Live RabbitMQ: whatever its queues, the shipped policies and environment were read (0 or 1, not 2).
    expect(result.code, result.stderr).toBeLessThan(2);
    const report = JSON.parse(result.stdout) as { env: string; findings: { location?: { file: string } }[] };
    expect(report.env).toBe('local');
    expect(report.findings.some((finding) => finding.location?.file.includes(`node_modules/${PACKAGE.name}/policies/`))).toBe(true);
  });

  it("the project's own policies win when present", async () => {
    const own = join(project, 'policies');
    await cp(join(ROOT, 'policies'), own, { recursive: true });
    await writeFile(join(project, 'legacy-definitions.json'), JSON.stringify(definitions(true)));
    await writeFile(
      join(own, 'environments', 'mine.yaml'),
      'name: mine\nfiles: [../../legacy-definitions.json]\nqueues:\n  export-commands: { name: esr.queue.appfilegenerationcommand, consumerConfig: ../consumers/esr-data-exporter.yml }\n  apprecord-created: { name: esr.queue.apprecord.created.dataexporter, consumerConfig: ../consumers/esr-data-exporter.yml }\n  dead-letters: { name: esr.dlq }\n',
    );
    try {
      const result = npx('policy-check', '-e', 'mine', '-f', 'json');
      expectQuiet(result.stderr);
      const report = JSON.parse(result.stdout) as { env: string; findings: { status: string; location?: { file: string } }[] };
      expect(report.env).toBe('mine');
      expect(report.findings.every((finding) => !finding.location || resolve(project, finding.location.file).startsWith(own))).toBe(true);
      expect(report.findings.filter((finding) => finding.status === 'fail' || finding.status === 'error')).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('npx esr-sim replays a shipped scenario by its plain path and by its package path', () => {
    for (const scenario of ['scenarios/2021-burst.yaml', `${PACKAGE.name}/scenarios/2021-burst.yaml`]) {
      const result = npx('esr-sim', 'replay', scenario, '--no-timeline', '--expect');
      expectQuiet(result.stderr);
      expect(result.stdout).toContain('Expectation: met');
      expect(result.code).toBe(0);
    }
    const missing = npx('esr-sim', 'replay', 'scenarios/nope.yaml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/scenarios\/nope\.yaml: file not found/);
  });

  it('npx esr-export answers --help and --version', () => {
    const help = npx('esr-export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: esr-export');
    expect(npx('esr-export', '--version').stdout.trim()).toBe(PACKAGE.version);
    expectQuiet(help.stderr);
  });
});
