import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatingError } from '../../src/errors.js';
import { parseDurationMs, readConsumerRetry } from '../../src/sources/consumer-config.js';
import { SourceError } from '../../src/sources/errors.js';

const DIR = 'test/fixtures/sources/consumer';

async function failure(text: string, name: string): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'h7-consumer-')), name);
  writeFileSync(file, text);
  const error = await readConsumerRetry(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceError);
  return (error as Error).message;
}

describe('consumer retry config (Spring Boot)', () => {
  it('reads the listener retry keys with relaxed names, placeholders at their defaults, and ignores profile documents', async () => {
    expect(await readConsumerRetry(`${DIR}/retry-on.yml`)).toEqual({
      enabled: true,
      maxAttempts: 13,
      initialIntervalMs: 2000,
      multiplier: 1.5,
      maxIntervalMs: 30_000,
      requeueRejected: false,
      deletesOnFailureWithoutRedrive: false,
      from: { source: 'consumer-config', origin: 'consumer-config', detail: 'spring.rabbitmq.listener.simple.retry.enabled', file: `${DIR}/retry-on.yml`, line: 11 },
    });
  });

  it("without keys: Spring's defaults — no retry, a failed message is requeued", async () => {
    expect(await readConsumerRetry(`${DIR}/defaults.yml`)).toMatchObject({
      enabled: false,
      maxAttempts: 1,
      initialIntervalMs: 1000,
      multiplier: 1,
      maxIntervalMs: 10_000,
      requeueRejected: true,
      deletesOnFailureWithoutRedrive: false,
      from: { detail: 'Spring AMQP defaults (no listener retry keys)' },
    });
  });

  it('.properties: the configured container type decides which keys count', async () => {
    expect(await readConsumerRetry(`${DIR}/no-requeue.properties`)).toMatchObject({
      enabled: false,
      maxAttempts: 1,
      initialIntervalMs: 500,
      requeueRejected: false,
      from: { detail: 'spring.rabbitmq.listener.direct.default-requeue-rejected', line: 3 },
    });
  });

  it('Spring Cloud AWS 2.x deletes a failed message without a redrive policy; 3.x does not', async () => {
    expect(await readConsumerRetry(`${DIR}/sqs-cloud-aws-2.yml`)).toMatchObject({ deletesOnFailureWithoutRedrive: true, from: { line: 5 } });
    expect(await readConsumerRetry(`${DIR}/sqs-cloud-aws-3.yml`)).toMatchObject({ deletesOnFailureWithoutRedrive: false });
  });

  it('an explicit Spring Cloud AWS 2.x deletion policy decides', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'h7-consumer-')), 'deletion.yml');
    for (const [policy, deletes] of [['NO_REDRIVE', true], ['ALWAYS', true], ['ON_SUCCESS', false], ['never', false]] as const) {
      writeFileSync(file, `cloud:\n  aws:\n    sqs:\n      listener:\n        deletion-policy: ${policy}\n`);
      expect(await readConsumerRetry(file)).toMatchObject({ deletesOnFailureWithoutRedrive: deletes, from: { detail: 'cloud.aws.sqs.listener.deletion-policy', line: 5 } });
    }
    expect(await failure('cloud.aws.sqs.listener.deletion-policy=SOMETIMES\n', 'deletion.properties')).toMatch(
      /deletion\.properties:1: cloud\.aws\.sqs\.listener\.deletion-policy must be NO_REDRIVE, ALWAYS, ON_SUCCESS, NEVER/,
    );
  });

  it('follows YAML aliases, and refuses an alias to nothing or an alias bomb', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'h7-consumer-')), 'alias.yml');
    writeFileSync(file, 'base: &base\n  enabled: true\n  max-attempts: 7\nspring:\n  rabbitmq:\n    listener:\n      simple:\n        retry: *base\n');
    expect(await readConsumerRetry(file)).toMatchObject({ enabled: true, maxAttempts: 7 });
    expect(await failure('spring: *nothing\n', 'dangling.yml')).toMatch(/dangling\.yml:\d+: /);
    const keys = (alias: string) => `{ ${Array.from({ length: 10 }, (_, i) => `k${i}: ${alias}`).join(', ')} }`;
    const bomb = `a: &a ${keys('1')}\nb: &b ${keys('*a')}\nc: &c ${keys('*b')}\nd: ${keys('*c')}\n`;
    expect(await failure(bomb, 'bomb.yml')).toMatch(/bomb\.yml:\d+: more than 10000 keys/);
  });

  it('parses Spring Boot durations', () => {
    expect([parseDurationMs('1000'), parseDurationMs('1s'), parseDurationMs('250ms'), parseDurationMs('2m'), parseDurationMs('PT1.5S'), parseDurationMs('PT1M')]).toEqual([
      1000, 1000, 250, 120_000, 1500, 60_000,
    ]);
    expect(parseDurationMs('soon')).toBeNull();
    expect(parseDurationMs('PT')).toBeNull();
  });

  it('bad values name file, line and what was expected', async () => {
    const yaml = 'spring:\n  rabbitmq:\n    listener:\n      simple:\n        retry:\n          enabled: yes please\n';
    expect(await failure(yaml, 'bad.yml')).toMatch(/bad\.yml:6: spring\.rabbitmq\.listener\.simple\.retry\.enabled must be true or false/);
    expect(await failure('spring.rabbitmq.listener.simple.retry.enabled=true\nspring.rabbitmq.listener.simple.retry.max-attempts=3.5\n', 'bad.properties')).toMatch(
      /bad\.properties:2: .*max-attempts must be an integer/,
    );
    expect(await failure('spring.rabbitmq.listener.simple.retry.enabled=${RETRY}\n', 'placeholder.properties')).toMatch(/placeholder\.properties:1: .* without a default/);
    expect(await failure('spring:\n  rabbitmq: [\n', 'broken.yml')).toMatch(/broken\.yml:\d+:\d+: /);
    const missing = await readConsumerRetry(`${DIR}/missing.yml`).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(`${DIR}/missing.yml: file not found`);
  });

  // issue 13 row 5: what is not a Spring config must not pass as "Spring AMQP defaults"
  it.each([
    ['/etc/passwd', /\/etc\/passwd:1: .*expected a Spring Boot application\.yml/],
    ['/dev/null', /\/dev\/null: expected a regular file/],
    ['package.json', /package\.json:2: no spring\.\* or cloud\.aws\.\* key \(first key: name\)/],
  ])('refuses %s with exit code 2', async (file, message) => {
    const error = await readConsumerRetry(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatingError);
    expect((error as OperatingError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a binary, an empty file and YAML that is not a map', async () => {
    expect(await failure('spring:\n  x: \u0000\u0001\u0002\n', 'binary.yml')).toMatch(/binary\.yml:2: a binary file, not text/);
    expect(await failure('', 'empty.yml')).toMatch(/empty\.yml:1: an empty file: expected a Spring Boot/);
    expect(await failure('just a sentence\n', 'prose.yml')).toMatch(/prose\.yml:1: no key: value entries/);
    expect(await failure('server.port=8080\n', 'other.properties')).toMatch(/other\.properties:1: no spring\.\* or cloud\.aws\.\* key \(first key: server\.port\)/);
  });
});
