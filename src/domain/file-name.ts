import { compactDate, expandDate, type IsoDate } from './dates.js';
import { isOfficeCode, type OfficeCode } from './offices.js';
import type { FileType } from './records.js';

/** Production pads sequence numbers to 8 digits: `DE_EMD_RMC_20230626_00003445.DAT`. */
export const SEQUENCE_DIGITS = 8;
export const SEQUENCE_MAX = 10 ** SEQUENCE_DIGITS - 1;

export interface FileNameParts {
  office: OfficeCode;
  type: FileType;
  runDate: IsoDate;
  sequence: number;
}

export function fileNameOf({ office, type, runDate, sequence }: FileNameParts): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > SEQUENCE_MAX) {
    throw new RangeError(`sequence ${sequence} does not fit ${SEQUENCE_DIGITS} digits`);
  }
  return `DE_${office}_${type}_${compactDate(runDate)}_${String(sequence).padStart(SEQUENCE_DIGITS, '0')}.DAT`;
}

const FILE_NAME = /^DE_([A-Z]{3})_(APP|DNC)_(\d{8})_(\d{8})\.DAT$/;

export function parseFileName(name: string): FileNameParts | null {
  const match = FILE_NAME.exec(name);
  if (!match) return null;
  const [, office, type, date, sequence] = match;
  const runDate = expandDate(date!);
  if (!isOfficeCode(office) || runDate === null) return null;
  return { office, type: type as FileType, runDate, sequence: Number(sequence) };
}
