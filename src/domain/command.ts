import { Ajv } from 'ajv';
import { escapeControl } from '../text/escape.js';
import { isIsoDate, type IsoDate } from './dates.js';
import { OFFICE_CODES, type OfficeCode } from './offices.js';
import { FILE_TYPES, type FileType } from './records.js';

/** One export run for one office: what the scheduler (or an operator) puts on the queue. */
export interface ExportCommand {
  commandId: string;
  type: FileType;
  localOffice: OfficeCode;
  runDate: IsoDate;
  correlationId: string;
}

export const exportCommandSchema = {
  $id: 'https://esr-retry-toolkit/schemas/export-command.json',
  type: 'object',
  additionalProperties: false,
  required: ['commandId', 'type', 'localOffice', 'runDate', 'correlationId'],
  properties: {
    commandId: { type: 'string', minLength: 1, maxLength: 200 },
    type: { enum: [...FILE_TYPES] },
    localOffice: { enum: [...OFFICE_CODES] },
    runDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    correlationId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(exportCommandSchema);

export type ParsedCommand = { ok: true; command: ExportCommand } | { ok: false; error: string };

/** Validates a decoded message body. Never throws: a malformed command is a result, not a crash. */
export function parseCommand(body: unknown): ParsedCommand {
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '(command)'} ${e.message ?? 'is invalid'}`);
    return { ok: false, error: `invalid export command: ${errors.join('; ')}` };
  }
  const command = body as unknown as ExportCommand;
  if (!isIsoDate(command.runDate)) return { ok: false, error: `invalid export command: /runDate ${command.runDate} is not a calendar date` };
  return { ok: true, command };
}

/**
 * Bodies already decoded, with their result (frozen: callers share it). A body comes back with every
 * redelivery, and a simulator sweep decodes the same few dozen bodies for every seed.
 */
const decoded = new Map<string, ParsedCommand>();
const DECODED_CACHED_MAX = 1_000;

/** Decodes a raw message body (JSON text). */
export function decodeCommand(text: string): ParsedCommand {
  let result = decoded.get(text);
  if (!result) {
    if (decoded.size >= DECODED_CACHED_MAX) decoded.clear();
    result = decodeUncached(text);
    if (result.ok) Object.freeze(result.command);
    decoded.set(text, Object.freeze(result));
  }
  return result;
}

function decodeUncached(text: string): ParsedCommand {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // The excerpt is outside text: it goes into logs and dead-letter reasons, so it stays on one line.
    return { ok: false, error: `invalid export command: body is not JSON: ${escapeControl(text.slice(0, 80))}` };
  }
  return parseCommand(body);
}

/** Commands for the same office, type and run date are one export: this key makes them idempotent. */
export function batchKeyOf(command: Pick<ExportCommand, 'type' | 'localOffice' | 'runDate'>): string {
  return `${command.type}:${command.localOffice}:${command.runDate}`;
}
