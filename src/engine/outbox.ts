import { OperatingError } from '../errors.js';

/** An `s3://BUCKET/PREFIX` target names an S3 outbox; anything else a folder. Here, not in outboxes/s3.ts, so asking does not load the S3 SDK. */
export const isS3Url = (target: string): boolean => target.startsWith('s3://');

/** Where export files go: a local folder (outboxes/folder.ts) or an S3 bucket (outboxes/s3.ts); docs/outbox.md. */
export interface Outbox {
  /**
   * Writes the whole file or nothing. Writing the same name again with the same content is harmless;
   * with another content the folder replaces it atomically, S3 refuses it (`EEXIST`).
   * Throws `OutboxError` when the file cannot be written.
   */
  write(fileName: string, content: string): Promise<void>;
  read(fileName: string): Promise<string | null>;
  list(): Promise<string[]>;
}

/**
 * Write errors that may clear by themselves (space freed, a descriptor released, a flaky disk): the
 * command is retried. Every other error (read-only file system, permissions, a file where the folder
 * should be) needs an operator: retrying cannot help, so the command is dead-lettered with the cause.
 */
const TRANSIENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ECONNRESET', 'ESTALE']);

export function isTransientOutboxCode(code: string): boolean {
  return TRANSIENT_CODES.has(code);
}

/** The outbox could not write a file: `code` is the errno name (EROFS, ENOSPC, ...), `retryable` per the table above. */
export class OutboxError extends OperatingError {
  readonly retryable: boolean;

  constructor(
    readonly target: string,
    readonly code: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`outbox ${target}: ${detail}`, options);
    this.retryable = isTransientOutboxCode(code);
  }
}
