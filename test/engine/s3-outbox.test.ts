/**
 * The S3 outbox through the real AWS SDK against an S3-compatible server started here (s3rver):
 * files land whole under the prefix, a retried write is harmless, a different content under the
 * same name is refused, and every failure is one OutboxError with an errno-like code.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxError } from '../../src/engine/outbox.js';
import { parseS3Url, S3Outbox } from '../../src/engine/outboxes/s3.js';
import { closedPort } from '../support/rabbitmq-management.js';
import { startS3Server, type S3ServerForTests } from '../support/s3-server.js';

const bucket = `esr-s3-${randomUUID().slice(0, 8)}`;
let server: S3ServerForTests;
let raw: S3Client;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = await startS3Server([bucket]);
  for (const [name, value] of Object.entries(server.env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  raw = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: server.env.AWS_REGION, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
});

afterAll(async () => {
  raw.destroy();
  await server.close();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const outboxAt = (prefix: string) => S3Outbox.create(`s3://${bucket}/${prefix}`, { endpoint: server.endpoint });
const objectText = async (key: string) => (await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');

describe('S3 outbox (s3rver, real SDK)', () => {
  it('parses s3://bucket/prefix and refuses what is not one', () => {
    expect(parseS3Url('s3://esr-drop/incoming/esr/')).toEqual({ bucket: 'esr-drop', prefix: 'incoming/esr/' });
    expect(parseS3Url('s3://esr-drop')).toEqual({ bucket: 'esr-drop', prefix: '' });
    expect(parseS3Url('s3://Bad_Bucket/x')).toBeNull();
    expect(() => S3Outbox.create('s3://')).toThrow(/expected s3:\/\/BUCKET\/PREFIX/);
  });

  it('writes the file whole under the prefix; read and list see it, other prefixes and non-.DAT keys are not listed', async () => {
    const outbox = outboxAt('drop/a');
    await outbox.prepare();
    const content = 'HDR|APP|00000001\nREC|1\nTRL|1\n';
    await outbox.write('ESR_APP_00000001.DAT', content);
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'drop/a/notes.txt', Body: 'x' }));
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'drop/ab/ESR_APP_00000009.DAT', Body: 'x' }));
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'drop/a/deeper/ESR_APP_00000008.DAT', Body: 'x' }));
    expect(await objectText('drop/a/ESR_APP_00000001.DAT')).toBe(content);
    expect(await outbox.read('ESR_APP_00000001.DAT')).toBe(content);
    expect(await outbox.read('ESR_APP_00000002.DAT')).toBeNull();
    expect(await outbox.list()).toEqual(['ESR_APP_00000001.DAT']);
  });

  it('a retried write of the same file is harmless: no error and no second PUT (the object is untouched)', async () => {
    const outbox = outboxAt('retry');
    await outbox.write('ESR_DNC_00000003.DAT', 'same\n');
    const first = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'retry/ESR_DNC_00000003.DAT' }));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // LastModified has 1 s resolution
    await outbox.write('ESR_DNC_00000003.DAT', 'same\n');
    const second = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'retry/ESR_DNC_00000003.DAT' }));
    expect(second.ETag).toBe(first.ETag);
    expect(second.LastModified?.getTime()).toBe(first.LastModified?.getTime());
  });

  it('a different content under the same name is an error (EEXIST, not retried) and the first file stays', async () => {
    const outbox = outboxAt('clash');
    await outbox.write('ESR_APP_00000004.DAT', 'first\n');
    const error = await outbox.write('ESR_APP_00000004.DAT', 'second\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxError);
    expect(error).toMatchObject({ code: 'EEXIST', retryable: false });
    expect((error as Error).message).toMatch(new RegExp(`^outbox s3://${bucket}/clash: ESR_APP_00000004.DAT already exists with different content`));
    expect(await objectText('clash/ESR_APP_00000004.DAT')).toBe('first\n');
  });

  it('refuses names that would leave the prefix', async () => {
    await expect(outboxAt('p').write('../ESR_APP_00000001.DAT', 'x')).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a missing bucket fails prepare in one line (ENOENT, not retried)', async () => {
    const error = await S3Outbox.create(`s3://no-such-${bucket}/x`, { endpoint: server.endpoint }).prepare().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENOENT', retryable: false });
    expect((error as Error).message).toMatch(/^outbox s3:\/\/no-such-.+\/x: cannot be used \(HTTP 404 /);
    expect((error as Error).message).not.toContain('\n');
  });

  it('unknown credentials are EACCES, and never printed', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'UNKNOWN-KEY-ID';
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret-value';
    try {
      const error = await outboxAt('denied').prepare().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EACCES', retryable: false });
      expect((error as Error).message).not.toMatch(/wrong-secret-value|UNKNOWN-KEY-ID/);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = server.env.AWS_ACCESS_KEY_ID;
      process.env.AWS_SECRET_ACCESS_KEY = server.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('no region anywhere in the standard chain is one line saying how to set it', async () => {
    delete process.env.AWS_REGION;
    const config = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = '/nonexistent/esr-aws-config'; // a developer's ~/.aws/config may name one
    try {
      const error = await outboxAt('x').prepare().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EINVAL', retryable: false });
      expect((error as Error).message).toBe(`outbox s3://${bucket}/x: cannot be used (no AWS region: set AWS_REGION or a region in the AWS profile)`);
    } finally {
      process.env.AWS_REGION = server.env.AWS_REGION;
      if (config === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = config;
    }
  });

  it('an unreachable endpoint is a retryable OutboxError in bounded time', async () => {
    const started = Date.now();
    const outbox = S3Outbox.create(`s3://${bucket}/x`, { endpoint: `http://127.0.0.1:${await closedPort()}` });
    const error = await outbox.write('ESR_APP_00000001.DAT', 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/connection refused/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
