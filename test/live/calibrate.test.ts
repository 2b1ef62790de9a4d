import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/esr-sim.js';
import { quantile, timingOf } from '../../src/live/calibrate.js';
import type { LiveRun } from '../../src/live/run.js';
import { loadScenario, withTiming } from '../../src/sim/scenario.js';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'esr-calibrate-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The shipped scenarios a live broker can run: each carries the timing calibrate measured. */
const LIVE_SCENARIOS = ['2021-burst', '2021-burst-pre-migration', '2021-burst-sqs-no-redrive-spring', '2021-burst-sqs-redrive'];

describe('esr-sim calibrate on the live RabbitMQ', () => {
  it('measures the timing inputs, writes them as the timing: block, and the model with them agrees within the bounds', async () => {
    // The Saturday burst alone, without its timing block: a short live run.
    const doc = parseDocument(await readFile('scenarios/2021-burst.yaml', 'utf8'));
    doc.set('commands', doc.createNode([{ at: '2021-07-31T14:00:00Z', offices: 'all' }]));
    doc.set('horizon', '2021-08-01T00:00:00Z');
    doc.delete('timing');
    const file = join(dir, 'saturday.yaml');
    const before = String(doc);
    await writeFile(file, before);

    let out = '';
    const code = await main(['calibrate', file, '--runs', '2', '--model-seeds', '100', '--write'], { out: (t) => void (out += t), err: (t) => void (out += t) });
    expect(out).toMatch(/^2021-burst: 2 live run\(s\) on rabbitmq/);
    expect(out).toMatch(/Against the model as written:\n {2}per office, per run/);
    expect(out).toMatch(/Against the model with the measured timing:\n {2}per office, per run[^]*Within bounds on all 6 measures/);
    expect(code).toBe(0);

    const written = await readFile(file, 'utf8');
    expect(written.startsWith(before)).toBe(true); // the rest of the file as it was, comments included
    const scenario = await loadScenario(file); // still valid against the schema
    const t = scenario.timing!;
    expect(t.source).toMatch(/^esr-sim calibrate, \d{4}-\d\d-\d\dT\d\d:\d\dZ, RabbitMQ, store model in real time$/);
    expect(t.runs).toBe(2);
    // The store model sleeps 5 ms + jitter per call. A 5 ms timer fires 5 ms after the event loop's
    // cached time, which is up to a millisecond before the call started by the wall clock (whole ms):
    // a call can measure 4 ms, and the 10th percentile is that low in about one run in five here.
    expect(t.storeLatencyMs).toBeGreaterThanOrEqual(4);
    expect(t.operationLatencyMs?.compareAndSetCounter).toBeGreaterThanOrEqual(4);
    expect(t.deliveryLatencyMs).toBeGreaterThan(0);
    expect(t.inFlight).toBe(10); // 2 processes × 5 listener threads, prefetch 1

    // Calibrating again replaces the block instead of adding a second one.
    expect(await main(['calibrate', file, '--runs', '1', '--model-seeds', '50', '--write'], { out: () => undefined, err: () => undefined })).toBe(0);
    expect((await readFile(file, 'utf8')).match(/^timing:/gm)).toHaveLength(1);
  }, 90_000);

  it('refuses a scenario the live adapters cannot run (exit 2)', async () => {
    let err = '';
    const code = await main(['calibrate', 'scenarios/rabbitmq-4-defaults.yaml', '--runs', '1'], { out: () => undefined, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --real cannot run rabbitmq-4-defaults: consumer-side retry and requeue are Spring behaviours/);
  });
});

describe('the timing block', () => {
  const run = (storeMs: Record<string, number[]>, deliveryMs: number[], firstWaveMs: number[]): LiveRun =>
    ({
      timings: { storeMs, handlerMs: [1, 2, 3], deliveryMs, firstWaveMs, redeliveryMs: [], maxInFlight: 4, configuredInFlight: 4 },
    }) as unknown as LiveRun;

  it('is read off the measurements: base = 10th percentile, base + jitter/2 = median, spread = 90th percentile of the first wave', () => {
    const ms = Array.from({ length: 10 }, (_, i) => i + 1); // 1..10
    const t = timingOf([run({ readCounter: ms, findBatch: ms.map((x) => x * 2) }, [5, 6, 7], [0, 10, 20, 30, 40, 50, 60, 70, 80, 90])], 'test');
    expect(quantile(ms, 0.1)).toBe(1);
    expect(quantile(ms, 0.9)).toBe(9);
    expect(t).toEqual({
      source: 'test',
      runs: 1,
      storeLatencyMs: 2, // 10th percentile of the 20 calls 1..10, 2..20
      storeJitterMs: 10, // 2 × (median 7 − 10th percentile 2)
      operationLatencyMs: { readCounter: 1, findBatch: 2 },
      handlerMs: 2,
      deliveryLatencyMs: 6,
      deliverySpreadMs: 80,
      inFlight: 4,
    });
  });

  it('the model uses it: store latencies, the broker\'s delivery latency, the spread added to each burst', async () => {
    const sqs = await loadScenario('scenarios/2021-burst-sqs-redrive.yaml');
    const timed = withTiming({ ...sqs, timing: { source: 't', storeLatencyMs: 7, storeJitterMs: 3, deliveryLatencyMs: 40, deliverySpreadMs: 25, operationLatencyMs: { readCounter: 9 } } });
    expect(timed.store).toMatchObject({ latencyMs: 7, jitterMs: 3, operationLatencyMs: { readCounter: 9 } });
    expect(timed.broker).toMatchObject({ kind: 'sqs', receiveLatencyMs: 40 });
    expect(timed.commands.map((c) => c.spreadMs)).toEqual(sqs.commands.map((c) => (c.spreadMs ?? 0) + 25));
    expect(withTiming(timed)).toBe(timed); // applied once
    const rabbit = await loadScenario('scenarios/2021-burst-pre-migration.yaml');
    expect(withTiming({ ...rabbit, timing: { source: 't', deliveryLatencyMs: 4 } }).broker).toMatchObject({ kind: 'rabbitmq', deliveryLatencyMs: 4 });
  });

  it.each(LIVE_SCENARIOS)('scenarios/%s.yaml carries the timing calibrate measured', async (name) => {
    const scenario = await loadScenario(`scenarios/${name}.yaml`);
    expect(scenario.timing?.source).toMatch(/^esr-sim calibrate, /);
    expect(scenario.timing?.runs).toBeGreaterThanOrEqual(3);
  });
});
