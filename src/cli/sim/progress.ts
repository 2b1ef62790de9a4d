import type { Io } from '../io.js';

/** The bar's text: percentage, count, rate and time left. Pure, so it is tested without a terminal. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const etaSeconds = rate > 0 ? Math.ceil((total - done) / rate) : null;
  const eta = etaSeconds === null ? '--' : etaSeconds >= 60 ? `${Math.floor(etaSeconds / 60)}m${String(etaSeconds % 60).padStart(2, '0')}s` : `${etaSeconds}s`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label ? `${label} ` : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${done}/${total}  ${Math.round(rate)}/s  ETA ${eta}`;
}

export interface Progress {
  update(label: string, done: number, total: number): void;
  /** Erases the bar, leaving the terminal as it was. */
  clear(): void;
}

const NONE: Progress = { update: () => undefined, clear: () => undefined };

/**
 * A self-clearing progress bar on stderr, only on a terminal. Real time is read here, in the CLI
 * layer: src/sim never does. The rate and ETA restart with each new label (a new phase).
 */
export function progressBar(io: Io, enabled: boolean, now: () => number = () => performance.now()): Progress {
  if (!enabled) return NONE;
  let label: string | null = null;
  let started = 0;
  let lastDraw = -Infinity;
  let shown = 0;
  return {
    update(next, done, total) {
      const t = now();
      if (next !== label) {
        label = next;
        started = t;
      }
      if (t - lastDraw < 100 && done < total) return;
      lastDraw = t;
      const line = progressLine(next, done, total, t - started);
      io.err(`\r${line.padEnd(shown)}`);
      shown = line.length;
    },
    clear() {
      if (shown > 0) io.err(`\r${' '.repeat(shown)}\r`);
      shown = 0;
    },
  };
}
