import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('esr-sim CLI', () => {
  const dir = mkdtemp(join(tmpdir(), 'esr-sim-cli-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('replay: timeline and outcome table; exit 1 when records are stuck, 0 with --expect when that was expected', async () => {
    const lost = await run(['replay', 'scenarios/2021-burst.yaml']);
    expect(lost.code).toBe(1);
    expect(lost.out).toMatch(/^seed 2021 · scenario 2021-burst/);
    expect(lost.out).toMatch(/2021-07-31 14:00:00\.\d{3} {2}\w{3} {2}conflict/);
    expect(lost.out).toMatch(/office\s+commands\s+attempts\s+conflicts\s+redeliveries\s+dead-letters\s+lost\s+exported\s+stuck\s+file/);
    expect(lost.out).toContain('Replay: esr-sim replay scenarios/2021-burst.yaml --seed 2021');
    expect((await run(['replay', 'scenarios/2021-burst.yaml', '--expect', '--no-timeline'])).code).toBe(0);
    expect((await run(['replay', 'scenarios/2021-burst-pre-migration.yaml', '--no-timeline'])).code).toBe(0);
  });

  it('replay --json is the RunResult, and a budget override is repeated in the replay command', async () => {
    const { code, out } = await run(['replay', 'scenarios/2021-burst.yaml', '--seed', '5', '--json', '--max-deliveries', '13', '--delay-ms', '10000']);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ scenario: '2021-burst', seed: 5, stuck: [], violations: [] });
    expect(result.replay).toBe('esr-sim replay scenarios/2021-burst.yaml --seed 5 --max-deliveries 13 --delay-ms 10000');
  });

  it('sweep: statistics, the exact bound, and at most 20 failing seeds with their replay commands (all in --json)', async () => {
    const { code, out } = await run(['sweep', 'scenarios/2021-burst.yaml', '--seeds', '30', '--workers', '0']);
    expect(code).toBe(1);
    expect(out).toMatch(/P\(any stuck record\)\s+\d+\.\d+%\s+95% CI \[/);
    expect(out).toMatch(/bound {16}30 failures in 30 seeds: P\(failure\) < 1 at 95 %/);
    expect(out).toMatch(/deliveries\/command\s+mean/);
    expect(out.match(/→ {2}esr-sim replay scenarios\/2021-burst\.yaml --seed \d+/g)).toHaveLength(20);
    expect(out).toContain('  and 10 more (all of them in --json)\n');
    const all = JSON.parse((await run(['sweep', 'scenarios/2021-burst.yaml', '--seeds', '30', '--workers', '0', '--json'])).out) as { failingSeeds: unknown[] };
    expect(all.failingSeeds).toHaveLength(30);
    const json = JSON.parse((await run(['sweep', 'scenarios/2021-burst-pre-migration.yaml', '--seeds', '10', '--json'])).out);
    expect(json).toMatchObject({ scenario: '2021-burst-pre-migration', failingSeeds: [], stuck: { count: 0, of: 10 } });
  });

  it('explore and recommend', async () => {
    const explored = await run(['explore', 'scenarios/explore-3-offices.yaml']);
    expect(explored.code).toBe(0);
    expect(explored.out).toMatch(/\d+ interleaving\(s\), \d+ state\(s\)/);
    const recommended = await run(['recommend', 'scenarios/explore-3-offices.yaml', '--seeds', '10', '--confirm-seeds', '300']);
    expect(recommended.code).toBe(0);
    expect(recommended.out).toContain('checks:\n  retryBudget:\n    minDeliveries: 3\n  retryDelay:\n    minSeconds: 0\n');
  });

  it('bad input: one line naming file and line, exit 2, no stack trace', async () => {
    const file = join(await dir, 'broken.yaml');
    await writeFile(file, 'name: broken\ndescription: x\nstart: nope\n');
    const broken = await run(['replay', file]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(new RegExp(`^error: ${file.replaceAll('/', '\\/')}:\\d+:\\d+: `));
    expect(broken.err.trim().split('\n')).toHaveLength(1);
    expect(broken.err).not.toMatch(/\n\s+at /);
    const missing = await run(['replay', join(await dir, 'missing.yaml')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toMatch(/missing\.yaml: file not found/);
    expect((await run(['sweep', 'scenarios/2021-burst.yaml', '--seeds', 'many'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});
