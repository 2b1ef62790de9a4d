import type { Random } from '../domain/random.js';
import type { Clock } from '../engine/clock.js';

/**
 * What an event touches, so `explore` knows its contended steps: simultaneous events on one
 * resource are ordered every possible way; all others run in a fixed order.
 */
export interface Access {
  resource: string;
  write: boolean;
}

export interface SimEvent {
  at: number;
  /** Seeded tie-break between events at the same instant. */
  tie: number;
  /** Insertion order: the last tie-break, so the order is total. */
  seq: number;
  label: string;
  access: Access | null;
  run: () => void;
}

/**
 * The explorer's hooks: `choose` picks which of several contended events at the same instant goes
 * first; `executed` sees every contended event as it runs (it may throw to abandon the run).
 */
export interface Chooser {
  choose(contended: readonly SimEvent[]): number;
  executed(event: SimEvent): void;
}

export type StopReason = 'drained' | 'horizon' | 'event-limit';

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at !== b.at ? a.at < b.at : a.tie !== b.tie ? a.tie < b.tie : a.seq < b.seq;
}

/** A binary min-heap of events: the scheduler's only data structure, kept lean for the sweep. */
class EventHeap {
  private readonly items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  // Sifts move a hole instead of swapping pairs: half the writes.
  push(event: SimEvent): void {
    const items = this.items;
    let i = items.length;
    items.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = event;
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    const size = items.length;
    if (size > 0 && last) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && before(items[child + 1]!, items[child]!)) child++;
        if (!before(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  /** Removes and returns every event at the earliest instant (for the explorer). */
  popInstant(): SimEvent[] {
    const first = this.pop();
    if (!first) return [];
    const batch = [first];
    while (this.items[0] && this.items[0].at === first.at) batch.push(this.pop()!);
    return batch;
  }
}

/**
 * Lets every promise continuation that the last event made runnable run to its next await on
 * the virtual clock. Node runs the whole microtask queue — continuations queued meanwhile included —
 * before the next `process.nextTick` callback, so resolving on the next tick waits for exactly that,
 * without a trip through the event loop (`setImmediate` cost a third of a run). Determinism is
 * unaffected: nothing is scheduled by real time; event order comes only from the event queue and
 * its seeded tie-breaks, and microtasks run in a fixed order.
 */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/**
 * The virtual clock and its event queue. Every store operation, broker action and sleep the
 * simulated code awaits is an event resolved here at a virtual instant.
 */
export class Scheduler implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap = new EventHeap();
  eventsRun = 0;

  constructor(
    startMs: number,
    private readonly random: Random,
    private readonly chooser: Chooser | null = null,
  ) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, 'sleep', resolve));
  }

  /** Schedules `run` at `at` (never in the past). */
  at(at: number, label: string, run: () => void, access: Access | null = null): void {
    const tie = this.chooser ? 0 : this.random.int(0, 0x3fffffff);
    this.heap.push({ at: Math.max(at, this.current), tie, seq: this.seq++, label, access, run });
  }

  after(delayMs: number, label: string, run: () => void, access: Access | null = null): void {
    this.at(this.current + Math.max(0, delayMs), label, run, access);
  }

  /**
   * A promise settled by an event after `delayMs`: how simulated I/O takes time. `work` answering at
   * once (the in-memory store) settles it in that event, with no promise of its own to wait for.
   */
  delay<T>(delayMs: number, label: string, work: () => T | Promise<T>, access: Access | null = null): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.after(delayMs, label, () => {
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      }, access);
    });
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Runs events until none is left, the horizon passes, or the event limit (a hot loop) is hit. */
  async run(limits: { untilMs: number; maxEvents: number }): Promise<StopReason> {
    await drainMicrotasks();
    for (;;) {
      const next = this.heap.peek();
      if (!next) return 'drained';
      if (next.at > limits.untilMs) return 'horizon';
      if (this.eventsRun >= limits.maxEvents) return 'event-limit';
      const event = this.chooser ? this.chooseNext() : this.heap.pop()!;
      this.current = event.at;
      this.eventsRun++;
      event.run();
      await drainMicrotasks();
    }
  }

  /** Explorer mode: among simultaneous events, contended ones are ordered by the chooser; the rest by insertion. */
  private chooseNext(): SimEvent {
    const instant = this.heap.popInstant();
    const contended = instant.filter((e) => e.access !== null);
    // Commuting events first, so that every handler has reached its next contended step when the choice is made.
    let chosen = instant.find((e) => e.access === null);
    if (!chosen) chosen = contended.length > 1 && conflicting(contended) ? contended[this.chooser!.choose(contended)]! : instant[0]!;
    for (const event of instant) if (event !== chosen) this.heap.push(event);
    if (chosen.access) this.chooser!.executed(chosen);
    return chosen;
  }
}

/** True when the order of these events may matter: two of them touch one resource (the explorer's sleep sets drop orders of reads that commute). */
function conflicting(events: readonly SimEvent[]): boolean {
  const seen = new Set<string>();
  for (const event of events) {
    const resource = event.access!.resource;
    if (seen.has(resource)) return true;
    seen.add(resource);
  }
  return false;
}
