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
    const firstBurst = page.locator('section.burst').first().locator('svg.timeline').first();
    const lanes = firstBurst.locator('g.lane');
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

    // One panel per burst: Saturday, Sunday, Monday, then the manual re-sends from 15:40 on Monday.
    const titles = await page.locator('section.burst h3').allTextContents();
    expect(titles.slice(0, 4)).toEqual([
      expect.stringMatching(/^Burst 1: 2021-07-31 14:00:00\.\d{3} to /),
      expect.stringMatching(/^Burst 2: 2021-08-01 14:00/),
      expect.stringMatching(/^Burst 3: 2021-08-02 14:00/),
      expect.stringMatching(/^Burst 4: 2021-08-02 15:40/),
    ]);
    expect(titles.slice(4).every((t, i) => new RegExp(`^Burst ${i + 5}: 2021-08-02 16:5`).test(t))).toBe(true);
    // A linear axis: evenly spaced ticks, labelled from the burst's start, in milliseconds for a race.
    const ticks = await firstBurst.locator('g.tick').evaluateAll((nodes) =>
      nodes.map((n) => ({ x: n.querySelector('line')!.getBoundingClientRect().x, offset: Number(n.getAttribute('data-offset-ms')), label: n.textContent })),
    );
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks[0]!.label).toMatch(/^\+0 m?s$/);
    const gaps = ticks.slice(1).map((t, i) => t.x - ticks[i]!.x);
    for (const gap of gaps) expect(Math.abs(gap - gaps[0]!)).toBeLessThan(1.5);
    expect(ticks.every((t) => /^\+[\d.]+ (ms|s)$/.test(t.label ?? ''))).toBe(true);
    // It fills its frame: the panel is as wide as the page's content box.
    const widths = await page.evaluate(() => ({ svg: document.querySelector('svg.timeline')!.getBoundingClientRect().width, body: document.body.clientWidth }));
    expect(widths.svg).toBeGreaterThan(widths.body * 0.9);
    // Broken invariants are marked where they first held, and stuck records are grouped by reason.
    expect(await page.locator('svg.timeline g.mark.violation').count()).toBeGreaterThan(0);
    expect(await page.locator('p.first-violation').textContent()).toMatch(/^First broken: command-vanished at 2021-07-31 14:00:00\.\d{3}/);
    const stuckItems = await page.locator('h2:has-text("Stuck records") + ul li').allTextContents();
    const stuckOffices = (await lanes.evaluateAll((nodes) => nodes.filter((n) => n.getAttribute('data-stuck') !== '0').length));
    expect(stuckItems.length).toBeLessThanOrEqual(stuckOffices * 3);
    expect(stuckItems[0]).toMatch(/^[A-Z]{3}: \d+ record\(s\) \(/);
    await page.close();
  });

  it('explore --report writes the report also when it proves', async () => {
    const report = join(dir, 'explore.html');
    const code = await main(['explore', 'scenarios/explore-3-offices.yaml', '--report', report], { out: () => undefined, err: () => undefined });
    expect(code).toBe(0);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href);
    expect(await page.locator('pre.preface').textContent()).toMatch(/Proved: no stuck record/);
    await expect.poll(() => page.locator('svg.timeline').first().locator('g.lane').count()).toBe(3);
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
    await expect.poll(() => page.locator('svg.timeline').first().locator('g.lane').count()).toBe(13);
    expect(await page.locator('pre.preface').textContent()).toMatch(/P\(any stuck record\)/);
    expect(await page.locator('svg.timeline g.mark.deleted-on-failure').count()).toBeGreaterThan(0);
    await page.close();
  });
});
