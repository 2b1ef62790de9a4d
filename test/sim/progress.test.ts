import { describe, expect, it } from 'vitest';
import { progressBar, progressLine } from '../../src/cli/sim/progress.js';

describe('progress bars', () => {
  it('show percentage, count, rate and time left', () => {
    expect(progressLine('sweep', 2500, 10_000, 5_000, 8)).toBe('sweep [##......]  25% 2500/10000  500/s  ETA 15s');
    expect(progressLine('prove', 0, 30_000, 0, 4)).toBe('prove [....]   0% 0/30000  0/s  ETA --');
    expect(progressLine('', 100, 30_100, 1_000, 4)).toMatch(/ETA 5m00s$/);
  });

  it('draw on a terminal only, restart the rate with each phase, and erase themselves', () => {
    let clock = 0;
    const written: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void written.push(t) };
    const bar = progressBar(io, true, () => clock);
    bar.update('search', 0, 100);
    clock = 1000;
    bar.update('search', 50, 100);
    clock = 1500;
    bar.update('confirm', 10, 100);
    bar.clear();
    expect(written[1]).toContain('50/100  50/s');
    // A new phase measures its own rate: 10 seeds in 0 ms so far is no rate yet.
    expect(written[2]).toContain('confirm [');
    expect(written[2]).toContain('ETA --');
    const last = written.at(-1)!;
    expect(last).toMatch(/^\r +\r$/);
    expect(last.length).toBe(written[2]!.length - 1 + 2);
    const silent: string[] = [];
    progressBar({ out: () => undefined, err: (t) => void silent.push(t) }, false).update('x', 1, 2);
    expect(silent).toEqual([]);
  });
});
