import { describe, expect, it } from 'vitest';
import { main as esrExport } from '../../src/cli/esr-export.js';
import { main as esrSim } from '../../src/cli/esr-sim.js';
import { main as policyCheck } from '../../src/cli/policy-check.js';
import { VERSION } from '../../src/version.js';

describe('--version on every command', () => {
  it.each([
    ['esr-export', (out: (t: string) => void) => esrExport(['--version'], { out, err: out })],
    ['esr-sim', (out: (t: string) => void) => esrSim(['--version'], { out, err: out })],
    ['policy-check', (out: (t: string) => void) =>
      policyCheck(['--version'], { out, err: out, environ: {}, isTTY: false, today: () => '2026-11-27' })],
  ])('%s --version prints the package version and exits 0', async (_name, run) => {
    let text = '';
    expect(await run((t) => void (text += t))).toBe(0);
    expect(text.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
