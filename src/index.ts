/**
 * The library surface. Importing it has no side effects: no connections, no timers, no output.
 * The CLIs in `src/cli` are thin wrappers over these functions.
 */

// Domain: pure facts and formats.
export * from './domain/offices.js';
export * from './domain/dates.js';
export * from './domain/window.js';
export * from './domain/records.js';
export * from './domain/command.js';
export * from './domain/file-name.js';
export { renderEsrFile, parseEsrFile, exportedFields, EsrFileError, type EsrFile } from './domain/esr-file.js';
export { generateRecords, type SyntheticOptions } from './domain/synthetic.js';
export { Random } from './domain/random.js';

// Engine: the command handler and the operations around it.
export { handleCommand, HANDLER_STEPS, type HandlerDeps, type HandlerStep } from './engine/handle-command.js';
export { createDeliveryHandler, type EngineOptions } from './engine/create-handler.js';
export { dispositionOf, describeOutcome, isRetryable, type Outcome, type Disposition } from './engine/outcome.js';
export { runExports, type RunSummary } from './engine/run-exports.js';
export { burstCommands, nextRun, runDailySchedule, DAILY_RUNS } from './engine/schedule.js';
export { auditStuckRecords, type AuditReport, type StuckRecord } from './engine/audit.js';
export { sequenceReport, type SequenceReport } from './engine/sequences.js';
export { systemClock, fixedClock, type Clock } from './engine/clock.js';
export { jsonLogger, silentLogger, type Logger } from './engine/log.js';
export type { Outbox } from './engine/outbox.js';
export { FolderOutbox } from './engine/outboxes/folder.js';
export { MemoryOutbox } from './engine/outboxes/memory.js';

// Stores.
export type { Store, Batch, CounterStrategy } from './store/store.js';
export { DEFAULT_COUNTER_STRATEGY } from './store/store.js';
export { WriteConflictError, StoreUnavailableError } from './store/errors.js';
export { MemoryStore } from './store/memory.js';
export { MongoStore } from './store/mongo.js';
export { openStore, type OpenedStore } from './store/open-store.js';

// Brokers.
export type { Broker, Delivery, DeliveryHandler, RetryConfig, DeadLetter, DeadLetterQueue } from './engine/broker.js';
export { createBroker, BROKER_KINDS, type BrokerChoice } from './brokers/create-broker.js';
export { MemoryBroker } from './brokers/memory.js';
export { RabbitMqBroker, type RabbitMqOptions } from './brokers/rabbitmq/broker.js';
export { SqsBroker, type SqsBrokerOptions } from './brokers/sqs/broker.js';
export { SqsModel } from './semantics/sqs/model.js';
export { startSqsLocal } from './brokers/sqs-local/server.js';

// Simulator.
export { loadScenario, parseScenario, type Scenario } from './sim/scenario.js';
export { runScenario } from './sim/run.js';
export type { RunResult } from './sim/result.js';
export { sweepScenario } from './sim/sweep.js';
export { exploreScenario } from './sim/explore.js';
export { recommendRetry } from './sim/recommend.js';
export { proveScenario } from './sim/prove.js';
export { runReal } from './live/real.js';
export { renderReportHtml } from './sim/report-html.js';

// Verifier.
export type { QueueSettings, Source, Setting } from './sources/queue-settings.js';
export { runPolicyCheck, type PolicyCheckOptions } from './evaluate/run.js';
export { exitCode, type Report, type Finding } from './evaluate/report.js';
export { REPORTERS, FORMAT_NAMES, loadReporter } from './reporters/reporter.js';
export { InputError } from './config/validated-yaml.js';
