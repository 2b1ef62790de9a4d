import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the HTML report, opened in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esr-sim-report-'));
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has one lane per office with attempts, conflicts, losses and files', async () => {
    const report = join(dir, '2021.html');
    const out: string[] = [];
    const code = await main(['replay', 'scenarios/2021-burst.yaml', '--no-timeline', '--report', report], { out: (t) => void out.push(t), err: (t) => void out.push(t) });
    expect(code).toBe(1);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href);
    const lanes = page.locator('svg.timeline g.lane');
    await expect.poll(() => lanes.count()).toBe(13);
    const offices = await lanes.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-office')));
    expect(offices).toEqual(['EMD', 'EOE', 'KSS', 'LDN', 'MER', 'NTH', 'NWN', 'OXF', 'PEN', 'SEV', 'WES', 'WMD', 'YHD']);
    for (const kind of ['deliver', 'conflict', 'dropped', 'exported']) {
      expect(await page.locator(`svg.timeline g.mark.${kind}`).count(), kind).toBeGreaterThan(0);
    }
    // Stuck offices are flagged on their lane, and every mark explains itself in a tooltip.
    expect(await page.locator('g.lane:not([data-stuck="0"])').count()).toBeGreaterThan(0);
    expect(await page.locator('g.mark.conflict title').first().textContent()).toMatch(/2021-07-31 14:00:00\.\d{3} conflict/);
    await expect.poll(() => page.locator('h1').textContent()).toContain('2021-burst');
    await page.close();
  });

  it('sweep --report shows the first failing seed with the sweep statistics', async () => {
    const report = join(dir, 'sweep.html');
    const code = await main(['sweep', 'scenarios/2021-burst-sqs-no-redrive-spring.yaml', '--seeds', '5', '--workers', '0', '--report', report], {
      out: () => undefined,
      err: () => undefined,
    });
    expect(code).toBe(1);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href);
    await expect.poll(() => page.locator('svg.timeline g.lane').count()).toBe(13);
    expect(await page.locator('pre.preface').textContent()).toMatch(/P\(any stuck record\)/);
    expect(await page.locator('svg.timeline g.mark.deleted-on-failure').count()).toBeGreaterThan(0);
    await page.close();
  });
});
