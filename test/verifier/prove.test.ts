import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { capture, makeWorkspace } from './workspace.js';

/** --prove runs the real simulator on the policy's provenBy scenario at the policy's minimums. */
let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
let policyFile: string;
beforeAll(async () => {
  workspace = await makeWorkspace();
  await cp('scenarios', join(workspace.dir, 'scenarios'), { recursive: true });
  // The shipped proof runs 30,000 fresh seeds (30-85 s: the sim bench times it); here 1,000 seeds
  // against 3e-3 exercise the same path, the shipped minimums and scenario otherwise unchanged.
  const scenario = join(workspace.dir, 'scenarios', '2021-saturday-burst.yaml');
  const text = await readFile(scenario, 'utf8');
  expect(text).toMatch(/^prove: \{ seeds: \d+, targetFailureRate: [\d.e-]+ \}$/m);
  await writeFile(scenario, text.replace(/^prove: .*$/m, 'prove: { seeds: 1000, targetFailureRate: 3.0e-3 }'));
  policyFile = join(workspace.policies, 'esr-export-commands.yaml');
});
afterAll(async () => workspace.cleanup());

interface JsonFinding {
  check: string;
  status: string;
  message: string;
  location?: { line: number };
}

async function prove(): Promise<{ code: number; proof: JsonFinding | undefined }> {
  const captured = capture();
  const code = await main(['--policies', workspace.policies, '--env', 'before', '--prove', '--format', 'json'], captured.io);
  const findings = (JSON.parse(captured.stdout()) as { findings: JsonFinding[] }).findings;
  return { code, proof: findings.find((finding) => finding.check === 'ESR-PROVE-001') };
}

describe('--prove', () => {
  it("the shipped minimums (13 deliveries, 1 s apart) resolve the 2021 burst", async () => {
    const { code, proof } = await prove();
    const provenByLine = (await readFile(policyFile, 'utf8')).split('\n').findIndex((line) => line.startsWith('provenBy:')) + 1;
    expect(proof).toMatchObject({ status: 'pass', location: { line: provenByLine } });
    expect(proof?.message).toMatch(/resolved in all \d+ seeds/);
    expect(proof?.message).toContain('1,000');
    expect(code).toBe(0);
  });

  it('minimums too low for 13 offices do not resolve: exit 1 with the replay command', async () => {
    const original = await readFile(policyFile, 'utf8');
    await writeFile(policyFile, original.replace('minDeliveries: 13', 'minDeliveries: 2'));
    try {
      const { code, proof } = await prove();
      expect(proof?.status).toBe('fail');
      expect(proof?.message).toMatch(/does not resolve.*replay: /);
      expect(code).toBe(1);
    } finally {
      await writeFile(policyFile, original);
    }
  });

  it('a missing scenario cannot prove anything: exit 2', async () => {
    const original = await readFile(policyFile, 'utf8');
    await writeFile(policyFile, original.replace(/provenBy: .*/, 'provenBy: scenarios/none.yaml'));
    try {
      const { code, proof } = await prove();
      expect(proof?.status).toBe('error');
      expect(code).toBe(2);
    } finally {
      await writeFile(policyFile, original);
    }
  });
});
