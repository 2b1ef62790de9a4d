import { batchKeyOf, decodeCommand, parseCommand, type ExportCommand } from '../domain/command.js';
import { renderEsrFile } from '../domain/esr-file.js';
import { fileNameOf } from '../domain/file-name.js';
import { validationError, type ExportRecord } from '../domain/records.js';
import { exportWindow } from '../domain/window.js';
import { StoreUnavailableError, WriteConflictError } from '../store/errors.js';
import type { Batch, CounterStrategy, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { allocateSequence } from './counter.js';
import { silentLogger, type Logger } from './log.js';
import { OutboxError, type Outbox } from './outbox.js';
import type { Outcome } from './outcome.js';

/**
 * The handler's steps, in order. Each one is either idempotent or guarded by the batch's state,
 * so a crash before any of them, followed by a retry, loses nothing and duplicates nothing.
 */
export const HANDLER_STEPS = [
  'select',
  'allocate-sequence',
  'open-batch',
  'claim-records',
  'write-file',
  'mark-written',
  'mark-exported',
  'complete',
] as const;
export type HandlerStep = (typeof HANDLER_STEPS)[number];

export interface HandlerDeps {
  store: Store;
  outbox: Outbox;
  clock: Clock;
  counterStrategy: CounterStrategy;
  log?: Logger;
  /** Called before each step; throwing from it injects a crash at that step (tests, simulator). Synchronous: the handler does not wait between steps. */
  beforeStep?: (step: HandlerStep, command: ExportCommand) => void;
}

/**
 * Handles one export command: select the office's records in the window, allocate a sequence
 * number, write the file, mark the records EXPORTED. Never acks anything itself: the outcome
 * tells the broker adapter what to do. An error it does not understand (a crash) propagates.
 */
export async function handleCommand(deps: HandlerDeps, body: unknown): Promise<Outcome> {
  const parsed = typeof body === 'string' ? decodeCommand(body) : parseCommand(body);
  if (!parsed.ok) {
    (deps.log ?? silentLogger).log('warn', 'command rejected', { reason: parsed.error });
    return { kind: 'invalid', reason: parsed.error };
  }
  const { command } = parsed;
  // Without a logger no fields are built: the simulator runs this hundreds of thousands of times a second.
  const log = deps.log
    ? deps.log.child({ correlationId: command.correlationId, commandId: command.commandId, office: command.localOffice, type: command.type, runDate: command.runDate })
    : silentLogger;
  try {
    const outcome = await exportFor(deps, log, command);
    if (deps.log) log.log('info', 'command handled', { outcome: outcome.kind, ...outcome });
    return outcome;
  } catch (error) {
    if (error instanceof WriteConflictError) return conflicted(log, error.message);
    if (error instanceof StoreUnavailableError) {
      log.log('warn', 'store unavailable', { reason: error.message });
      return { kind: 'unavailable', reason: error.message };
    }
    if (error instanceof OutboxError) {
      log.log('error', 'outbox write failed', { reason: error.message, code: error.code, retryable: error.retryable });
      return { kind: 'outbox-failed', reason: error.message, code: error.code, retryable: error.retryable };
    }
    throw error;
  }
}

async function exportFor(deps: HandlerDeps, log: Logger, command: ExportCommand): Promise<Outcome> {
  const { store, clock } = deps;
  const step = (name: HandlerStep) => deps.beforeStep?.(name, command);
  const key = batchKeyOf(command);

  // An earlier command for this office and type may have stopped half-way (crash, then dead-lettered):
  // finish its batch first, so its records are never held back by it.
  for (const unfinished of await store.findUnfinishedBatches(command.type, command.localOffice)) {
    if (unfinished.key !== key) await finishBatch(deps, log, command, unfinished, true);
  }

  step('select');
  const existing = await store.findBatch(key);
  if (existing) return existing.state === 'complete' ? alreadyExported(store, existing) : finishBatch(deps, log, command, existing, true);

  const window = exportWindow(command.runDate);
  const candidates = await store.findExportable(command.type, command.localOffice, window.from, window.to);
  const exportable = candidates.filter((record) => {
    const problem = validationError(record);
    if (problem) log.log('warn', 'record not exportable', { recordId: record.id, reason: problem });
    return problem === null;
  });
  if (exportable.length === 0) return { kind: 'nothing-to-export' };

  step('allocate-sequence');
  const allocation = await allocateSequence(store, deps.counterStrategy, command.type);
  if ('conflict' in allocation) return conflicted(log, allocation.conflict);
  const { sequence } = allocation;

  step('open-batch');
  const batch: Batch = {
    key,
    type: command.type,
    office: command.localOffice,
    runDate: command.runDate,
    commandId: command.commandId,
    correlationId: command.correlationId,
    sequence,
    fileName: fileNameOf({ office: command.localOffice, type: command.type, runDate: command.runDate, sequence }),
    recordIds: exportable.map((record) => record.id),
    state: 'open',
    createdAt: clock.now(),
  };
  if ((await store.createBatch(batch)) === 'exists') {
    // A duplicate of this command got there first: our sequence number is burnt, theirs stands.
    log.log('warn', 'batch opened concurrently; sequence number burnt', { sequence });
    const winner = (await store.findBatch(key))!;
    return winner.state === 'complete' ? alreadyExported(store, winner) : finishBatch(deps, log, command, winner, true);
  }
  return finishBatch(deps, log, command, batch, false, exportable);
}

/** Drives a batch from its current state to complete. Safe to run twice, or by two handlers at once. */
async function finishBatch(
  deps: HandlerDeps,
  log: Logger,
  command: ExportCommand,
  batch: Batch,
  resumed: boolean,
  /** The batch's candidates as this attempt selected them, when it opened the batch itself. */
  candidates?: ExportRecord[],
): Promise<Outcome> {
  const { store, outbox, clock } = deps;
  const step = (name: HandlerStep) => deps.beforeStep?.(name, command);
  let recordCount: number;

  if (batch.state === 'open') {
    step('claim-records');
    const claimed = await store.claimRecords(batch.key, batch.recordIds);
    // Once one claim has finished, the set of records this batch owns can no longer change. When it
    // got every candidate, that set is the candidates in hand: no need to read them again.
    const records =
      candidates && claimed === candidates.length ? candidates : await store.findRecords({ batchKey: batch.key });
    recordCount = records.length;

    step('write-file');
    if (records.length > 0) {
      const { type, office, runDate, sequence, createdAt } = batch;
      await outbox.write(batch.fileName, renderEsrFile({ type, office, runDate, sequence, createdAt, records }));
    }

    step('mark-written');
    await store.advanceBatch(batch.key, 'open', 'written');
  } else {
    recordCount = (await store.findRecords({ batchKey: batch.key })).length;
  }

  if (batch.state !== 'complete') {
    step('mark-exported');
    if (recordCount > 0) await store.markExported(batch.key, batch.fileName, clock.now());

    step('complete');
    await store.advanceBatch(batch.key, 'written', 'complete');
  }

  if (recordCount === 0) {
    log.log('warn', 'batch lost all its records to other batches; sequence number burnt', { batch: batch.key });
    return { kind: 'nothing-to-export' };
  }
  return { kind: 'exported', fileName: batch.fileName, recordCount, sequence: batch.sequence, resumed };
}

/** Lost a race for the Counter or a document: retryable, the broker's to deliver again. */
function conflicted(log: Logger, reason: string): Outcome {
  log.log('warn', 'conflict', { reason });
  return { kind: 'conflict', reason };
}

async function alreadyExported(store: Store, batch: Batch): Promise<Outcome> {
  const records = await store.findRecords({ batchKey: batch.key });
  return { kind: 'already-exported', fileName: records.length > 0 ? batch.fileName : null, recordCount: records.length };
}
