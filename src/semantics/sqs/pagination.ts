import { SqsError, sqsErrors } from './errors.js';

/** ListQueues answers at most this many URLs when the caller does not paginate. */
export const LIST_QUEUES_LIMIT = 1_000;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * One page of a sorted name list. Without `maxResults`: the first 1,000 and no token (what AWS
 * does, and why unpaginated ListQueues silently misses queues). With it (1–1,000): a page and a
 * NextToken while more remain. The token is the last name returned, so pages stay stable while
 * queues are created or deleted.
 */
export function listPage(sortedNames: string[], maxResults: number | undefined, nextToken: string | undefined): { items: string[]; nextToken?: string } {
  if (maxResults === undefined) {
    if (nextToken !== undefined) throw sqsErrors.invalidParameter('MaxResults is a mandatory parameter when you provide a value for NextToken.');
    return { items: sortedNames.slice(0, LIST_QUEUES_LIMIT) };
  }
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIST_QUEUES_LIMIT) {
    throw sqsErrors.invalidParameter(`Value ${maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`);
  }
  let start = 0;
  if (nextToken !== undefined) {
    const after = decodeToken(nextToken);
    start = sortedNames.findIndex((name) => name > after);
    if (start === -1) start = sortedNames.length;
  }
  const items = sortedNames.slice(start, start + maxResults);
  const more = start + maxResults < sortedNames.length;
  return more ? { items, nextToken: encodeToken(items.at(-1)!) } : { items };
}

function encodeToken(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName }), 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // falls through to the error below
  }
  throw sqsErrors.invalidParameter('Invalid NextToken value.');
}

/** The request-level checks of every *Batch operation; returns the entry ids in order. */
export function batchEntryIdsOf(entries: { Id?: string }[]): string[] {
  if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (entries.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
  const ids = entries.map((entry) => entry.Id ?? '');
  for (const id of ids) {
    if (!BATCH_ENTRY_ID.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
  }
  if (new Set(ids).size !== ids.length) throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  return ids;
}
