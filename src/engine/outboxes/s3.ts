import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { awsRequestHandlerOptions, boundAwsResponses, callDeadlineMs, describeNetworkFailure, requestTimeoutMs } from '../../net/timeouts.js';
import { OutboxError, type Outbox } from '../outbox.js';

/** `s3://bucket/some/prefix` → bucket and key prefix (`some/prefix/`, or '' for the bucket's root). */
export function parseS3Url(url: string): { bucket: string; prefix: string } | null {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) return null;
  const path = (match[2] ?? '').replace(/\/+$/, '');
  return { bucket: match[1]!, prefix: path === '' ? '' : `${path}/` };
}

export { isS3Url } from '../outbox.js';

const md5Of = (content: string) => createHash('md5').update(content, 'utf8');

/** S3's answers as the errno names the engine classifies (src/engine/outbox.ts): what may clear by itself is retried. */
function codeOf(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || status === 404) return 'ENOENT';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) return 'EACCES';
  // 409: a conditional write raced another operation on the key; S3 says to try again.
  if (name === 'SlowDown' || name === 'RequestTimeout' || name === 'InternalError' || status === 409 || (status !== undefined && status >= 500)) return 'EAGAIN';
  if (error instanceof Error && error.message === 'Region is missing') return 'EINVAL';
  if (error instanceof Error && error.name === 'CredentialsProviderError') return 'EACCES';
  if (status === undefined) {
    // No answer at all: the network (refused, reset, timed out) — worth another delivery.
    return describeNetworkFailure(error, requestTimeoutMs()).reason === 'timeout' ? 'ETIMEDOUT' : 'ECONNRESET';
  }
  return 'EINVAL';
}

function reasonOf(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (error instanceof Error && error.message === 'Region is missing') return 'no AWS region: set AWS_REGION or a region in the AWS profile';
  if (error instanceof Error && error.name === 'CredentialsProviderError') return 'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (status === undefined) return describeNetworkFailure(error, requestTimeoutMs()).detail;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error && error.message !== name && error.message !== 'UnknownError' ? `: ${error.message.split('\n')[0]}` : '';
  return `HTTP ${status} ${name}${message}`;
}

/**
 * An S3 bucket (the real interface's file drop). A PUT is atomic by itself: readers see the whole
 * object or none. What the handler needs on top is idempotence: a retried write of the same file
 * is harmless, a different content under the same name is an error, never an overwrite. So the
 * write first asks for the object (HEAD): present with the same MD5 → done; present and different
 * → `EEXIST`. Absent → a PUT with `If-None-Match: *` (S3 refuses it with 412 when a concurrent
 * writer got there first, and the comparison runs again) and `Content-MD5` (S3 refuses a body
 * damaged on the way). Servers that ignore `If-None-Match` on PUT (s3rver) still get the HEAD check.
 */
export class S3Outbox implements Outbox {
  readonly bucket: string;
  readonly prefix: string;
  private ready: Promise<void> | null = null;

  constructor(
    /** `s3://bucket/prefix`, as given; also what messages call the outbox. */
    readonly directory: string,
    private readonly client: S3Client,
  ) {
    const parsed = parseS3Url(directory);
    if (!parsed) throw new OutboxError(directory, 'EINVAL', 'expected s3://BUCKET/PREFIX with a valid bucket name');
    this.bucket = parsed.bucket;
    this.prefix = parsed.prefix;
  }

  /**
   * A client from the standard chains (region: AWS_REGION, profile, instance metadata; credentials
   * likewise). `endpoint` points it at an S3-compatible server, addressed by path (`/bucket/key`).
   */
  static create(url: string, options: { endpoint?: string; region?: string } = {}): S3Outbox {
    const config: S3ClientConfig = { requestHandler: awsRequestHandlerOptions(), requestChecksumCalculation: 'WHEN_REQUIRED' };
    if (options.region) config.region = options.region;
    if (options.endpoint) Object.assign(config, { endpoint: options.endpoint, forcePathStyle: true });
    const client = new S3Client(config);
    boundAwsResponses(client);
    return new S3Outbox(url, client);
  }

  /** Proves the bucket exists and these credentials reach it, once. Throws `OutboxError`. */
  prepare(): Promise<void> {
    this.ready ??= this.call('cannot be used', (signal) => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal })).then(
      () => undefined,
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  async write(fileName: string, content: string): Promise<void> {
    if (fileName.includes('/') || fileName.startsWith('.')) throw new OutboxError(this.directory, 'EINVAL', `'${fileName}' is not a plain file name`);
    const key = this.prefix + fileName;
    const digest = md5Of(content);
    const etag = `"${digest.copy().digest('hex')}"`;
    if (await this.sameAsExisting(fileName, content, etag)) return;
    try {
      await this.call(`cannot write ${fileName}`, (signal) =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: content, ContentMD5: digest.digest('base64'), ContentType: 'text/plain; charset=utf-8', IfNoneMatch: '*' }),
          { abortSignal: signal },
        ),
      );
    } catch (error) {
      // 412: someone else wrote this name between our HEAD and PUT (real S3 only); same content is fine.
      const status = ((error as OutboxError).cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
      if (status === 412 && (await this.sameAsExisting(fileName, content, etag))) return;
      throw error;
    }
  }

  /** False when the object is absent; true when it holds `content`; `EEXIST` when it holds something else. */
  private async sameAsExisting(fileName: string, content: string, etag: string): Promise<boolean> {
    const head = await this.call(`cannot check ${fileName}`, (signal) =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + fileName }), { abortSignal: signal }).catch((error: unknown) => {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
        throw error;
      }),
    );
    if (head === null) return false;
    // The ETag is the MD5 of a single-part, unencrypted upload; otherwise compare the bytes themselves.
    if (head.ETag === etag || (await this.read(fileName)) === content) return true;
    throw new OutboxError(this.directory, 'EEXIST', `${fileName} already exists with different content (ETag ${head.ETag ?? 'none'}); refusing to overwrite it`);
  }

  async read(fileName: string): Promise<string | null> {
    return this.call(`cannot read ${fileName}`, async (signal) => {
      try {
        const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + fileName }), { abortSignal: signal });
        return (await object.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if (error instanceof Error && error.name === 'NoSuchKey') return null;
        throw error;
      }
    });
  }

  /** The published `.DAT` files directly under the prefix. */
  async list(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('cannot be listed', (signal) =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: '/', ContinuationToken: token }), { abortSignal: signal }),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.prefix.length) ?? '';
        if (name.endsWith('.DAT')) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  /** One S3 call, its SDK retries included, within the call deadline of src/net; errors become `OutboxError`. */
  private async call<T>(what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // Each attempt is bounded by the request handler; this bounds the attempts together. The open
    // socket keeps the process alive meanwhile, so an unref'd timer is enough.
    const signal = AbortSignal.timeout(callDeadlineMs());
    try {
      return await send(signal);
    } catch (error) {
      if (error instanceof OutboxError) throw error;
      const cause: unknown = signal.aborted ? signal.reason : error;
      throw new OutboxError(this.directory, codeOf(cause), `${what} (${reasonOf(cause)})`, { cause });
    }
  }
}
