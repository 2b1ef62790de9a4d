/**
 * An S3-compatible server for tests (@20minutes/s3rver, files in a fresh temp folder, a random port),
 * with the buckets asked for. The code under test reaches it through the real AWS SDK.
 * s3rver canonicalises a bucket-level path as `/bucket` where SDK v3 signs `/bucket/`, so it would
 * refuse every HeadBucket and ListObjectsV2: signatures are not compared (access key ids still are).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types; the three calls used here are typed below.
import S3rverModule from '@20minutes/s3rver';

interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = S3rverModule as new (options: Record<string, unknown>) => S3rver;

export interface S3ServerForTests {
  endpoint: string;
  /** Credentials s3rver accepts (its default account). */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  close(): Promise<void>;
}

export async function startS3Server(buckets: string[]): Promise<S3ServerForTests> {
  const directory = await mkdtemp(join(tmpdir(), 'esr-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, allowMismatchedSignatures: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'eu-west-2' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
