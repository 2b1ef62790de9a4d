import { OperatingError } from '../errors.js';

/**
 * A source could not be read: unreachable, unauthorised, malformed. The check cannot be made, so the
 * verifier fails closed with exit code 2. The message names what and where — never credentials.
 */
export class SourceError extends OperatingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A URL fit for messages: user name and password stripped, no query string (it may carry tokens). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<invalid URL>';
  }
}

/** The Node network error code of a failed `fetch` or SDK call (ECONNREFUSED, ENOTFOUND, ...), if any. */
export function networkErrorCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = current.cause;
  }
  return null;
}
