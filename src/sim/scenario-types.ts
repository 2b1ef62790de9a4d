import type { OfficeCode } from '../domain/offices.js';
import type { FileType } from '../domain/records.js';
import type { HandlerStep } from '../engine/handle-command.js';
import type { CounterStrategy } from '../store/store.js';

/** The store operations the handler awaits, by name (a transaction's write is `commitTransaction`). */
export type StoreOperation =
  | 'findExportable'
  | 'claimRecords'
  | 'markExported'
  | 'findRecords'
  | 'findBatch'
  | 'findUnfinishedBatches'
  | 'listBatches'
  | 'createBatch'
  | 'advanceBatch'
  | 'readCounter'
  | 'compareAndSetCounter'
  | 'incrementCounter'
  | 'commitTransaction';

/** A scenario file as written (`scenarios/*.yaml`, validated by `schemas/scenario.schema.json`). */
export interface ScenarioFile {
  name: string;
  description: string;
  /** Where the facts come from (incident page, documentation). */
  source?: string;
  /** The seed `replay` uses when none is given. */
  seed?: number;
  /** ISO instant where virtual time starts. */
  start: string;
  /** ISO instant where the run stops; messages still in flight then make it "not settled". */
  horizon: string;
  records: RecordsSpec;
  commands: CommandSpec[];
  handler?: { counter?: CounterStrategy };
  store?: { latencyMs?: number; jitterMs?: number; writeFileMs?: number; operationLatencyMs?: Partial<Record<StoreOperation, number>> };
  broker: BrokerSpec;
  consumer?: ConsumerSpec;
  faults?: FaultsSpec;
  /** The operators' shovel: replay the DLQ back into the work queue. */
  replays?: { at: string; intervalMs?: number }[];
  /** How `--prove` judges a retry budget on this scenario. */
  prove?: ProveSpec;
  /** Timings measured on the live brokers (`esr-sim calibrate`); the model uses them over `store` and the broker's latency. */
  timing?: TimingSpec;
  expect: Expectation;
}

/** What `esr-sim calibrate` measured, in real milliseconds (schema: `timing`). */
export interface TimingSpec {
  source: string;
  runs?: number;
  storeLatencyMs?: number;
  storeJitterMs?: number;
  operationLatencyMs?: Partial<Record<StoreOperation, number>>;
  handlerMs?: number;
  deliveryLatencyMs?: number;
  deliverySpreadMs?: number;
  redeliveryLatencyMs?: number;
  inFlight?: number;
}

export interface ProveSpec {
  /** Fresh seeds to run (default 30,000). */
  seeds?: number;
  /** Fails when the 95 % upper bound of P(failure) is above it (default 1e-4). */
  targetFailureRate?: number;
}

export interface RecordsSpec {
  offices: 'all' | OfficeCode[];
  /** Records per office. */
  perOffice: number;
  type?: FileType;
  /** Start dates are spread over this inclusive range. */
  startFrom: string;
  startTo?: string;
}

export interface CommandSpec {
  at: string;
  type?: FileType;
  /** Defaults to the date of `at`. */
  runDate?: string;
  offices: 'all' | OfficeCode[];
  /** Each command is published at `at` + a seeded draw in [0, spreadMs]: 0 is the cron's burst. */
  spreadMs?: number;
  label?: string;
}

export type BrokerSpec = RabbitBrokerSpec | SqsBrokerSpec;

export interface RabbitBrokerSpec {
  kind: 'rabbitmq';
  /** 3, 4 (4.0–4.2) or a minor version such as "4.3": 4.0 brings the quorum delivery-limit default of 20, 4.3 counts only `reject` towards it. */
  version: 3 | 4 | string;
  queueType?: 'classic' | 'quorum';
  /** A dead-letter exchange routing to a DLQ; without it a rejected message is dropped. */
  deadLetterQueue?: boolean;
  /** Quorum queues only; absent means the version's default (none in 3.x, 20 in 4.x). */
  deliveryLimit?: number;
  /** Delayed retry: dead-letter into a wait queue whose TTL routes back; after maxDeliveries, the DLQ. */
  waitQueue?: { ttlMs: number; maxDeliveries: number };
  /** Delay before a delivery reaches a consumer. */
  deliveryLatencyMs?: number;
}

export interface SqsBrokerSpec {
  kind: 'sqs';
  visibilityTimeoutSeconds?: number;
  redrive?: { maxReceiveCount: number };
  retentionSeconds?: number;
  /** Latency of one ReceiveMessage round trip. */
  receiveLatencyMs?: number;
}

export interface ConsumerSpec {
  /**
   * `engine`: this project's adapter (retry is the broker's job); `spring-amqp`: listener retry then
   * reject without requeue; `spring-cloud-aws-2`: deletes a failed message when the queue has no redrive policy.
   */
  framework?: 'engine' | 'spring-amqp' | 'spring-cloud-aws-2';
  processes?: number;
  /** Messages handled at once per process (listener threads; prefetched messages handled in parallel). */
  concurrency?: number;
  /** Spring AMQP listener retry (off by default in Spring). */
  retry?: { maxAttempts: number; initialIntervalMs: number; multiplier?: number; maxIntervalMs?: number };
  /** Spring's defaultRequeueRejected (true in Spring): a failure without retry requeues at once. */
  requeueRejected?: boolean;
  /** How long a crashed consumer process takes to come back. */
  restartMs?: number;
}

/** Any instant a fault does not give is drawn from the seed inside [first command, first command + windowMs]. */
export interface FaultsSpec {
  windowMs?: number;
  crashes?: { step: HandlerStep; office?: OfficeCode; delivery?: number; probability?: number }[];
  storeOutages?: { at?: string; durationMs: number }[];
  duplicateDelivery?: { probability: number; delayMs?: number };
  brokerBlocked?: { at?: string; durationMs: number }[];
  consumerLost?: { at?: string; process?: number; forMs?: number }[];
}

export type SomeOrNone = 'some' | 'none';

export interface Expectation {
  stuckRecords: SomeOrNone;
  vanishedCommands?: SomeOrNone;
  deadLettered?: SomeOrNone;
  /** Invariant violations other than vanished commands (double export, reused sequence, not settled). */
  otherViolations?: SomeOrNone;
  /** Why this is the expected outcome, in a sentence. */
  because: string;
}

/** The knobs `prove` and `recommend` turn: total deliveries allowed and the delay between them. */
export interface RetryBudget {
  maxDeliveries: number;
  delayMs: number;
}
