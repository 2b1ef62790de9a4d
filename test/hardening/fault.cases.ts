/**
 * The fault suite's table: network faults × the commands that make network calls. Data only, so that
 * `npm run bench` can count the rows (bench/hardening.bench.ts); test/hardening/fault.test.ts runs them.
 */

/** How the faulty peer behaves once a client connects (or that nothing listens at all). */
export type Fault = 'silent' | 'reset' | 'close-at-once' | 'http-503' | 'slow-body' | 'half-answer' | 'not-http' | 'nothing-listens';

export type Target = 'policy-check rabbitmq-live' | 'policy-check sqs-live' | 'esr-export trigger --broker sqs';

export interface FaultCase {
  fault: Fault;
  target: Target;
  /** What the one error line must say. */
  message: RegExp;
}

export const FAULTS: Record<Fault, string> = {
  silent: 'accepts the connection, reads the request, never answers',
  reset: 'resets the connection (RST) when the request arrives',
  'close-at-once': 'closes the connection as soon as it is accepted',
  'http-503': 'answers every request with HTTP 503',
  'slow-body': 'sends the headers and a few bytes of the body, then stalls',
  'half-answer': 'sends half an answer, then closes',
  'not-http': 'answers with bytes that are not HTTP',
  'nothing-listens': 'a port nothing listens on',
};

const TIMED_OUT = /timed out|no complete answer within|did not answer/;

const TARGET_MESSAGE: Record<Target, RegExp> = {
  'policy-check rabbitmq-live': /RabbitMQ management API/,
  'policy-check sqs-live': /SQS/,
  'esr-export trigger --broker sqs': /SQS|queue/,
};

/** The faults whose only symptom is silence: the message must say it was a timeout. */
const SILENT: ReadonlySet<Fault> = new Set(['silent', 'slow-body']);

export const FAULT_CASES: FaultCase[] = (Object.keys(FAULTS) as Fault[]).flatMap((fault) =>
  (Object.keys(TARGET_MESSAGE) as Target[]).map((target) => ({ fault, target, message: SILENT.has(fault) ? TIMED_OUT : TARGET_MESSAGE[target] })),
);
