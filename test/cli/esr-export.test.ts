import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-export.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'esr-export-cli-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('esr-export', () => {
  it('--version prints the package version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('demo exports all 13 offices, APP and DNC, into the folder', async () => {
    const outbox = join(dir, 'demo');
    const { code, out } = await run('demo', '--outbox', outbox, '--per-office', '20');
    expect(code).toBe(0);
    expect(out).toMatch(/seeded \d+ synthetic records/);
    const files = await readdir(outbox);
    expect(files.filter((f) => f.endsWith('.DAT'))).toHaveLength(26);
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]); // no temp files left behind
  });

  it('seed, a scheduled run that skips SEV, then audit finds SEV stuck; a manual trigger clears it', async () => {
    const state = join(dir, 'state.sqlite');
    const common = ['--state', state, '--outbox', join(dir, 'out')];
    expect((await run('seed', ...common, '--date', '2021-07-31', '--per-office', '30', '--dnc-per-office', '0')).code).toBe(0);
    const offices = OFFICE_CODES.filter((o) => o !== 'SEV').join(',');
    const scheduled = await run('schedule', ...common, '--date', '2021-07-31', '--type', 'APP', '--offices', offices);
    expect(scheduled.code).toBe(0);
    expect(scheduled.out).toMatch(/12 file\(s\) written/);

    const audit = await run('audit', ...common, '--as-of', '2021-07-31');
    expect(audit.code).toBe(1);
    expect(audit.out).toMatch(/the APP run of 2021-07-31 for SEV did not complete/);
    expect(audit.out).toMatch(/SEV: \d+/);
    expect(audit.out).not.toMatch(/LDN: /);

    const json = JSON.parse((await run('audit', ...common, '--as-of', '2021-07-31', '--json')).out) as { stuck: { office: string }[] };
    expect(json.stuck.length).toBeGreaterThan(0);
    expect(new Set(json.stuck.map((r) => r.office))).toEqual(new Set(['SEV']));

    const trigger = await run('trigger', ...common, '--office', 'SEV', '--type', 'APP', '--date', '2021-07-31');
    expect(trigger.code).toBe(0);
    expect(trigger.out).toMatch(/exported \d+ record\(s\) to DE_SEV_APP_20210731_00000013\.DAT/);
    expect((await run('audit', ...common, '--as-of', '2021-07-31')).code).toBe(0);
  });

  it('--state with a MongoDB URI as well is refused, naming both, never one silently unused', async () => {
    const { code, err } = await run('audit', '--state', join(dir, 'both.sqlite'), '--mongodb-uri', 'mongodb://127.0.0.1:1/x', '--as-of', '2021-07-31');
    expect(code).toBe(2);
    expect(err).toMatch(/--state and --mongodb-uri both name a store: give one/);
  });

  it('audit of a store that holds nothing (a --state path never used) is exit 2, never "no stuck records"', async () => {
    const { code, out, err } = await run('audit', '--state', join(dir, 'never-used.sqlite'), '--as-of', '2021-07-31');
    expect(code).toBe(2);
    expect(out).not.toMatch(/no stuck records/);
    expect(err).toMatch(/holds no records and no export runs: nothing to audit/);
  });

  it.each([
    ['{"records": [], "batches": [], "counters": {}}', /bad\.json: an old JSON state snapshot; the store is now a SQLite file: give --state a new path and seed it again/],
    ['hello', /bad\.json: not a SQLite store file \(expected an esr-export SQLite database\)/],
  ])('a --state file that is not a SQLite store (%j) is refused with what was expected, exit 2', async (text, message) => {
    const file = join(dir, 'bad.json');
    await writeFile(file, text);
    const { code, err } = await run('audit', '--state', file, '--as-of', '2021-07-31');
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['trigger', '--office', 'XXX', '--date', '2021-08-01'], /unknown office code\(s\) XXX/],
    [['trigger', '--office', 'SEV', '--date', '2021-02-30'], /--date must be a date YYYY-MM-DD/],
    [['audit'], /required option '--as-of <date>'/],
    [['run', '--consumers', 'zero'], /--consumers must be a positive integer/],
    [['nonsense'], /unknown command 'nonsense'/],
    [['schedule', '--daemon'], /--daemon publishes to a shared broker/],
    [['seed', '--seed', 'x'], /--seed must be an integer of at least 0, got 'x'/],
    [['run', '--retry-delay-ms', 'abc'], /--retry-delay-ms must be an integer of at least 0/],
    [['run', '--until-idle', '1.5'], /--until-idle must be an integer of at least 0/],
    [['sqs-local', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['trigger', '--office', '', '--date', '2021-08-01'], /--office needs office codes, got ''/],
    [['trigger', '--office', 'SEV,LDN', '--date', '2021-08-01'], /--office takes one office code, got 2/],
    [['schedule', '--offices', 'SEV,,LDN'], /--offices needs office codes/],
    [['run', '--consumers', '0'], /--consumers must be a positive integer, got '0'/],
    [['run', '--rabbitmq-retry', 'wait-queue'], /--rabbitmq-retry needs --broker rabbitmq \(this command runs on the memory broker\)/],
    [['run', '--broker', 'sqs', '--rabbitmq-connect-timeout', '100'], /--rabbitmq-connect-timeout needs --broker rabbitmq \(this command runs on the sqs broker\)/],
    [['trigger', '--office', 'SEV', '--date', '2021-08-01', '--amqp-url', 'amqp://x'], /--amqp-url needs --broker rabbitmq/],
    [['dlq', 'list', '--broker', 'rabbitmq', '--endpoint', 'http://127.0.0.1:1'], /--endpoint needs --broker sqs \(this command runs on the rabbitmq broker\)/],
    [['audit', '--as-of', '2021-07-31'], /audit reads the store the runs wrote: pass --state FILE \(SQLite\) or --mongodb-uri URI \(or set MONGODB_URI\)/],
    [['schedule', '--daemon', '--broker', 'rabbitmq', '--time-zone', 'Mars/Olympus'], /--time-zone: unknown time zone 'Mars\/Olympus'/],
    [['schedule', '--run-times', 'APP=14:00'], /--run-times needs --daemon/],
    [['schedule', '--daemon', '--broker', 'rabbitmq', '--run-times', 'APP=14:00,DNC=24:00'], /--run-times takes TYPE=HH:MM\[:SS\] entries, e.g. APP=14:00,DNC=15:00; got 'DNC=24:00'/],
    [['run', '--broker', 'sqs', '--sqs-visibility-timeout', '43201'], /--sqs-visibility-timeout must be an integer from 1 to 43200/],
    [['run', '--sqs-visibility-timeout', '5'], /--sqs-visibility-timeout needs --broker sqs \(this command runs on the memory broker\)/],
    [['demo', '--outbox', '/dev/null'], /outbox \/dev\/null: cannot be used \(ENOTDIR: exists and is not a folder\)/],
  ])('bad input %j: one clear line, exit 2, no stack trace', async (argv, message) => {
    const saved = process.env.MONGODB_URI;
    delete process.env.MONGODB_URI; // the audit case: no store configured anywhere
    const { code, err } = await run(...argv).finally(() => saved !== undefined && (process.env.MONGODB_URI = saved));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
