/**
 * What makes a dead-letter queue right for its source (SQS Developer Guide, "Amazon SQS dead-letter
 * queues"), stated once for the model (which refuses a wrong target as AWS does) and the checks.
 */

/** A FIFO queue's DLQ must be FIFO, a standard queue's standard. */
export function dlqTypeMatches(sourceFifo: boolean, dlqFifo: boolean): boolean {
  return sourceFifo === dlqFifo;
}

/** A message's retention counts from its original enqueue, so the DLQ must keep messages longer than its source. */
export function dlqOutlivesSource(sourceRetentionSeconds: number, dlqRetentionSeconds: number): boolean {
  return dlqRetentionSeconds > sourceRetentionSeconds;
}

/**
 * Roles in an SQS estate: a queue some RedrivePolicy targets is a dead-letter queue, every other one
 * a work queue (SQS has no wait queues: its delay is DelaySeconds or the visibility timeout).
 */
export function sqsRoleOf(name: string, redriveTargets: ReadonlySet<string>): 'work' | 'dead-letter' {
  return redriveTargets.has(name) ? 'dead-letter' : 'work';
}
