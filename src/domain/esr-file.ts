import {
  code,
  countDelimiters,
  date,
  decimal,
  DELIMITER,
  ESCAPE,
  escapeCell,
  FieldProblem,
  fixedNumber,
  isPlainLine,
  literal,
  optionalDate,
  text,
  timestamp,
  unescapeCell,
  type Codec,
} from './esr-codecs.js';
import type { IsoDate } from './dates.js';
import { fileNameOf, SEQUENCE_MAX } from './file-name.js';
import { OFFICE_CODES, type OfficeCode } from './offices.js';
import {
  FILE_TYPES,
  perFrozenRecord,
  type AppRecord,
  type ExportRecord,
  type FileType,
  type NotificationRecord,
  type NotificationTitleCode,
  type TraineeRef,
} from './records.js';
import { OperatingError } from '../errors.js';

/**
 * The ESR file: one header line, one detail line per record, one trailer line with the record
 * count, each ending in LF; fields separated by `|`. Rendered and parsed here, from the same field
 * tables, so any file can be checked round-trip. The layout is documented in docs/esr-file-format.md.
 */
export interface EsrFile {
  type: FileType;
  office: OfficeCode;
  runDate: IsoDate;
  sequence: number;
  /** Epoch ms, the batch's creation stamp (so re-rendering is byte-identical). */
  createdAt: number;
  records: ExportRecord[];
}

/** Bumped whenever a field is added, removed or reordered; a parser refuses other versions. */
export const LAYOUT_VERSION = 1;
export const RECORD_TYPES = { header: 'HDR', detail: 'DTL', trailer: 'TRL' } as const;

/** A file that cannot be rendered or parsed; `line` and `column` are 1-based, `column` counts characters. */
export class EsrFileError extends OperatingError {
  constructor(
    readonly fileName: string | undefined,
    readonly line: number,
    readonly column: number | undefined,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${fileName ?? '(ESR file)'}:${line}${column === undefined ? '' : `:${column}`}: ${problem}`, options);
  }
}

/** One field of a layout: its name (as documented), format key, and how it is read from the object. */
export interface EsrField<R> {
  readonly name: string;
  readonly codec: Codec<unknown>;
  readonly description: string;
  encode(source: R): string;
}

function field<R, T>(name: string, codec: Codec<T>, get: (source: R) => T, description: string): EsrField<R> {
  const { passesUpTo } = codec;
  const encode =
    passesUpTo === undefined
      ? (source: R) => codec.encode(get(source))
      : (source: R) => {
          const value = get(source);
          return typeof value === 'string' && value.length <= passesUpTo ? value : codec.encode(value);
        };
  return { name, codec: codec as Codec<unknown>, description, encode };
}

/** A decoded line: values in field order, read by field name. */
class Row {
  constructor(
    private readonly values: readonly unknown[],
    private readonly index: Readonly<Record<string, number>>,
  ) {}

  get(name: string): unknown {
    const at = this.index[name];
    if (at === undefined) throw new Error(`no field ${name} in this layout`);
    return this.values[at];
  }

  text(name: string): string {
    return this.get(name) as string;
  }
}

/** Field name → position, as a plain object so that builders read it at property-access speed. */
function indexOf(fields: readonly EsrField<never>[]): Readonly<Record<string, number>> {
  const index: Record<string, number> = {};
  fields.forEach((f, i) => (index[f.name] = i));
  return index;
}

const offices = code(3, OFFICE_CODES);

export const HEADER_FIELDS: readonly EsrField<EsrFile>[] = [
  field('recordType', literal(RECORD_TYPES.header), () => RECORD_TYPES.header, 'header record'),
  field('fileType', code(3, FILE_TYPES), (f) => f.type, 'APP or DNC'),
  field('office', offices, (f) => f.office, 'local office code'),
  field('runDate', date(), (f) => f.runDate, 'run date (YYYYMMDD)'),
  field('sequence', fixedNumber(8, 1, SEQUENCE_MAX), (f) => f.sequence, 'file sequence number, as in the file name'),
  field('createdAt', timestamp(), (f) => f.createdAt, 'creation stamp, UTC YYYYMMDDHHMMSSmmm'),
  field('layoutVersion', fixedNumber(2, LAYOUT_VERSION, LAYOUT_VERSION), () => LAYOUT_VERSION, 'layout version, 01'),
];

export const TRAILER_FIELDS: readonly EsrField<number>[] = [
  field('recordType', literal(RECORD_TYPES.trailer), () => RECORD_TYPES.trailer, 'trailer record'),
  field('recordCount', fixedNumber(8, 0, 99_999_999), (count) => count, 'number of detail records'),
];

const detailType = field<ExportRecord, string>('recordType', literal(RECORD_TYPES.detail), () => RECORD_TYPES.detail, 'detail record');
const idField = field<ExportRecord, string>('id', text(64), (r) => r.id, 'record id');
const officeField = field<ExportRecord, OfficeCode>('office', offices, (r) => r.office, "local office (must be the header's)");
const startField = field<ExportRecord, IsoDate>('startDate', date(), (r) => r.startDate, 'date the export window is measured against');

const common: readonly EsrField<ExportRecord>[] = [detailType, idField, officeField, startField];

/** Mandatory text may still be empty here: whether a record is valid is validationError's job, not the format's. */
export const APP_FIELDS: readonly EsrField<AppRecord>[] = [
  ...common,
  field('placementId', text(40), (r: AppRecord) => r.placementId, 'TIS placement id'),
  field('effectiveDate', date(), (r: AppRecord) => r.effectiveDate, 'effective date, mandatory'),
  field('title', text(30), (r: AppRecord) => r.title, 'e.g. Dr'),
  field('lastName', text(150), (r: AppRecord) => r.lastName, 'surname, mandatory'),
  field('firstName', text(150), (r: AppRecord) => r.firstName, 'forename, mandatory'),
  field('middleNames', text(60), (r: AppRecord) => r.middleNames, 'may be empty'),
  field('dob', date(), (r: AppRecord) => r.dob, 'date of birth, mandatory'),
  field('gender', code(1, ['M', 'F', 'X'] as const), (r: AppRecord) => r.gender, 'M, F or X'),
  field('address1', text(240), (r: AppRecord) => r.address.address1, 'address line 1'),
  field('town', text(30), (r: AppRecord) => r.address.town, 'town or city'),
  field('county', text(70), (r: AppRecord) => r.address.county, 'county'),
  field('postcode', text(30), (r: AppRecord) => r.address.postcode, 'postcode'),
  field('country', text(60), (r: AppRecord) => r.address.country, 'country'),
  field('phone', text(60), (r: AppRecord) => r.phone, 'telephone'),
  field('email', text(240), (r: AppRecord) => r.email, 'email address'),
  field('nationality', text(30), (r: AppRecord) => r.nationality, 'nationality'),
  field('ukNino', text(30), (r: AppRecord) => r.ukNino, 'National Insurance number'),
  field('nationalTrainingNumber', text(30), (r: AppRecord) => r.nationalTrainingNumber, 'NTN'),
  field('gmcNumber', text(30), (r: AppRecord) => r.gmcNumber, 'professional body number'),
  field('positionId', text(20), (r: AppRecord) => r.positionId, 'ESR position id, mandatory'),
  field('positionNumber', text(30), (r: AppRecord) => r.positionNumber, 'ESR position number, mandatory'),
  field('deaneryPostNumber', text(30), (r: AppRecord) => r.deaneryPostNumber, 'starts with the office code'),
  field('projectedHireDate', date(), (r: AppRecord) => r.projectedHireDate, 'projected hire date'),
  field('projectedEndDate', date(), (r: AppRecord) => r.projectedEndDate, 'projected end date'),
];

/** A trainee reference is five fields, all empty when there is no trainee. */
function traineeFields(role: 'currentTrainee' | 'nextTrainee'): EsrField<NotificationRecord>[] {
  const part = <T>(name: keyof TraineeRef, codec: Codec<T>, get: (t: TraineeRef) => T, empty: T, description: string) =>
    field(`${role}.${name}`, codec, (r: NotificationRecord) => (r[role] === null ? empty : get(r[role])), description);
  const when = role === 'currentTrainee' ? 'current' : 'next';
  return [
    part('lastName', text(150), (t) => t.lastName, '', `${when} trainee's surname; all five fields empty when there is none`),
    part('firstName', text(150), (t) => t.firstName, '', 'forename'),
    part('gmcNumber', text(30), (t) => t.gmcNumber, '', 'GMC number'),
    part<IsoDate | null>('startDate', optionalDate(), (t) => t.startDate, null, 'required when a trainee is given'),
    part<IsoDate | null>('endDate', optionalDate(), (t) => t.endDate, null, 'required when a trainee is given'),
  ];
}

export const DNC_FIELDS: readonly EsrField<NotificationRecord>[] = [
  ...common,
  field('titleCode', code(1, ['1', '2', '4', '5'] as const), (r: NotificationRecord) => String(r.titleCode) as '1', '1, 2, 4 or 5'),
  field('deaneryPostNumber', text(30), (r: NotificationRecord) => r.deaneryPostNumber, 'starts with the managing office code'),
  field('managingOffice', offices, (r: NotificationRecord) => r.managingOffice, 'local office that manages the post'),
  field('positionId', text(20), (r: NotificationRecord) => r.positionId, 'ESR position id'),
  ...traineeFields('currentTrainee'),
  ...traineeFields('nextTrainee'),
  field('workingHours', decimal(3, 1), (r: NotificationRecord) => r.workingHours, 'whole-time equivalent, e.g. 0.8'),
];

/** What parsing adds to every record: it is in a file, so it was exported when the file was made. */
type ExportedState = Pick<ExportRecord, 'status' | 'batchKey' | 'fileName' | 'exportedAt' | 'generationError'>;

function buildApp(row: Row, state: ExportedState): AppRecord {
  return {
    type: 'APP',
    id: row.text('id'),
    office: row.text('office') as OfficeCode,
    startDate: row.text('startDate'),
    ...state,
    placementId: row.text('placementId'),
    effectiveDate: row.text('effectiveDate'),
    title: row.text('title'),
    lastName: row.text('lastName'),
    firstName: row.text('firstName'),
    middleNames: row.text('middleNames'),
    dob: row.text('dob'),
    gender: row.text('gender') as AppRecord['gender'],
    address: { address1: row.text('address1'), town: row.text('town'), county: row.text('county'), postcode: row.text('postcode'), country: row.text('country') },
    phone: row.text('phone'),
    email: row.text('email'),
    nationality: row.text('nationality'),
    ukNino: row.text('ukNino'),
    nationalTrainingNumber: row.text('nationalTrainingNumber'),
    gmcNumber: row.text('gmcNumber'),
    positionId: row.text('positionId'),
    positionNumber: row.text('positionNumber'),
    deaneryPostNumber: row.text('deaneryPostNumber'),
    projectedHireDate: row.text('projectedHireDate'),
    projectedEndDate: row.text('projectedEndDate'),
  };
}

function traineeFrom(row: Row, role: 'currentTrainee' | 'nextTrainee'): TraineeRef | null {
  const lastName = row.get(`${role}.lastName`) as string;
  const firstName = row.get(`${role}.firstName`) as string;
  const gmcNumber = row.get(`${role}.gmcNumber`) as string;
  const startDate = row.get(`${role}.startDate`) as IsoDate | null;
  const endDate = row.get(`${role}.endDate`) as IsoDate | null;
  if (lastName === '' && firstName === '' && gmcNumber === '' && startDate === null && endDate === null) return null;
  if (startDate === null) throw new FieldMissing(`${role}.startDate`, 'expected the start date of the trainee given on this line');
  if (endDate === null) throw new FieldMissing(`${role}.endDate`, 'expected the end date of the trainee given on this line');
  return { lastName, firstName, gmcNumber, startDate, endDate };
}

function buildDnc(row: Row, state: ExportedState): NotificationRecord {
  return {
    type: 'DNC',
    id: row.get('id') as string,
    office: row.get('office') as OfficeCode,
    startDate: row.get('startDate') as IsoDate,
    ...state,
    titleCode: Number(row.get('titleCode')) as NotificationTitleCode,
    deaneryPostNumber: row.get('deaneryPostNumber') as string,
    managingOffice: row.get('managingOffice') as OfficeCode,
    positionId: row.get('positionId') as string,
    currentTrainee: traineeFrom(row, 'currentTrainee'),
    nextTrainee: traineeFrom(row, 'nextTrainee'),
    workingHours: row.get('workingHours') as number,
  };
}

/** A problem found after decoding, pinned to the field it concerns. */
class FieldMissing extends FieldProblem {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

interface DetailLayout {
  fields: readonly EsrField<ExportRecord>[];
  index: Readonly<Record<string, number>>;
  build(row: Row, state: ExportedState): ExportRecord;
}

const DETAIL_LAYOUTS: Readonly<Record<FileType, DetailLayout>> = {
  APP: { fields: APP_FIELDS as readonly EsrField<ExportRecord>[], index: indexOf(APP_FIELDS), build: buildApp },
  DNC: { fields: DNC_FIELDS as readonly EsrField<ExportRecord>[], index: indexOf(DNC_FIELDS), build: buildDnc },
};
const HEADER_INDEX = indexOf(HEADER_FIELDS);
const TRAILER_INDEX = indexOf(TRAILER_FIELDS);

/** The field table of a record kind, for the documentation and its test. */
export function layoutOf(kind: 'header' | 'trailer' | FileType): readonly EsrField<never>[] {
  if (kind === 'header') return HEADER_FIELDS;
  if (kind === 'trailer') return TRAILER_FIELDS;
  return DETAIL_LAYOUTS[kind].fields;
}

// ---------------------------------------------------------------------------------------------- render

/**
 * Joins the fields' unescaped text and checks the whole line once; only a line that holds a
 * character to escape (rare) is joined again cell by cell through escapeCell.
 */
function encodeLine<R>(fields: readonly EsrField<R>[], source: R): string {
  const cells = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) cells[i] = fields[i]!.encode(source);
  const line = cells.join(DELIMITER);
  return isPlainLine(line, fields.length) ? line : cells.map(escapeCell).join(DELIMITER);
}

/** Like encodeLine, but tells which field failed: only called once a line is known to be bad. */
function renderError<R>(fileName: string, line: number, fields: readonly EsrField<R>[], source: R, what: string, cause: unknown): EsrFileError {
  for (const f of fields) {
    try {
      escapeCell(f.encode(source));
    } catch (error) {
      if (error instanceof FieldProblem) {
        return new EsrFileError(fileName, line, undefined, `cannot render ${what}, field ${f.name} ${f.codec.key}: ${error.message}`, { cause: error });
      }
    }
  }
  return new EsrFileError(fileName, line, undefined, `cannot render ${what}: ${String(cause)}`, { cause });
}

function safeFileName(file: EsrFile): string {
  try {
    return fileNameOf(file);
  } catch {
    return `DE_${file.office}_${file.type}_${file.runDate}_${file.sequence}.DAT`;
  }
}

/** A record's detail line depends on the record alone: rendered once per frozen record. */
const detailLine = perFrozenRecord((record) => encodeLine(DETAIL_LAYOUTS[record.type].fields, record));

export function renderEsrFile(file: EsrFile): string {
  const fileName = safeFileName(file);
  const { fields } = DETAIL_LAYOUTS[file.type] ?? DETAIL_LAYOUTS.APP;
  const lines: string[] = new Array<string>(file.records.length + 2);
  try {
    lines[0] = encodeLine(HEADER_FIELDS, file);
  } catch (error) {
    throw renderError(fileName, 1, HEADER_FIELDS, file, 'the header', error);
  }
  const ids = new Set<string>();
  for (let i = 0; i < file.records.length; i++) {
    const record = file.records[i]!;
    const line = i + 2;
    if (record.type !== file.type || record.office !== file.office) {
      const problem = `record ${record.id} is ${record.type} of ${record.office}, the file is ${file.type} of ${file.office}`;
      throw new EsrFileError(fileName, line, undefined, `cannot render: ${problem}`);
    }
    if (ids.has(record.id)) throw new EsrFileError(fileName, line, undefined, `cannot render: record ${record.id} appears twice`);
    ids.add(record.id);
    try {
      lines[line - 1] = detailLine(record);
    } catch (error) {
      throw renderError(fileName, line, fields, record, `record ${record.id}`, error);
    }
  }
  lines[lines.length - 1] = encodeLine(TRAILER_FIELDS, file.records.length);
  return lines.join('\n') + '\n';
}

// ----------------------------------------------------------------------------------------------- parse

/** Splits one line into cells, unescapes and decodes them, reporting the first bad field with its column. */
function decodeLine(fileName: string | undefined, lineNo: number, raw: string, fields: readonly EsrField<never>[], what: string): unknown[] {
  const cells = raw.split(DELIMITER);
  if (cells.length !== fields.length) {
    const column = cells.length > fields.length ? columnOf(cells, fields.length) - 1 : raw.length + 1;
    throw new EsrFileError(fileName, lineNo, column, `expected ${fields.length} fields in ${what}, found ${cells.length}`);
  }
  const escaped = raw.includes(ESCAPE);
  const values = new Array<unknown>(fields.length);
  let i = 0;
  try {
    for (; i < fields.length; i++) values[i] = fields[i]!.codec.decode(escaped ? unescapeCell(cells[i]!) : cells[i]!);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    const column = columnOf(cells, i) + error.offset;
    throw new EsrFileError(fileName, lineNo, column, `field ${i + 1} (${fields[i]!.name}) of ${what}: ${error.message}`, { cause: error });
  }
  return values;
}

/** The 1-based character column where the cell at `index` starts; only used to report an error. */
function columnOf(cells: readonly string[], index: number): number {
  return cells.slice(0, index).reduce((sum, cell) => sum + cell.length + 1, 1);
}

function columnOfField(raw: string, fields: readonly EsrField<never>[], name: string): number {
  return columnOf(raw.split(DELIMITER), fields.findIndex((f) => f.name === name));
}

const DETAIL_PREFIX = RECORD_TYPES.detail + DELIMITER;
const TRAILER_PREFIX = RECORD_TYPES.trailer + DELIMITER;

/** Where a parse is: which file, for error messages. */
class Reader {
  constructor(readonly fileName: string | undefined) {}

  fail(line: number, problem: string, column?: number): never {
    throw new EsrFileError(this.fileName, line, column, problem);
  }

  /** The file's lines without their LF; a file must end with one, and hold no raw CR. */
  lines(text: string): string[] {
    if (text === '') this.fail(1, `expected the header record (${RECORD_TYPES.header}), found an empty file`);
    const lines = text.split('\n');
    const last = lines.pop()!;
    if (last !== '') this.fail(lines.length + 1, 'expected the line to end with a newline, found the end of the file (truncated file?)', last.length + 1);
    for (let i = 0; i < lines.length; i++) {
      const cr = lines[i]!.indexOf('\r');
      if (cr !== -1) this.fail(i + 1, 'expected LF line ends and escaped carriage returns (\\r), found a raw carriage return', cr + 1);
    }
    return lines;
  }

  header(line: string): Omit<EsrFile, 'records'> {
    if (!line.startsWith(RECORD_TYPES.header + DELIMITER)) {
      this.fail(1, `expected the header record (${RECORD_TYPES.header}|…), found '${line.slice(0, 20)}'`, 1);
    }
    const header = new Row(decodeLine(this.fileName, 1, line, HEADER_FIELDS, 'the header'), HEADER_INDEX);
    const file = {
      type: header.get('fileType') as FileType,
      office: header.get('office') as OfficeCode,
      runDate: header.get('runDate') as IsoDate,
      sequence: header.get('sequence') as number,
      createdAt: header.get('createdAt') as number,
    };
    const expected = fileNameOf(file);
    if (this.fileName !== undefined && baseName(this.fileName) !== expected) {
      this.fail(1, `expected the file to be named ${expected} (from its header), found ${baseName(this.fileName)}`, 1);
    }
    return file;
  }

  expectDetail(raw: string, lineNo: number): void {
    if (!raw.startsWith(DETAIL_PREFIX)) {
      const found = raw.startsWith(RECORD_TYPES.header + DELIMITER) ? 'a second header record' : `'${raw.slice(0, 20)}'`;
      this.fail(lineNo, `expected a detail (${RECORD_TYPES.detail}) or trailer (${RECORD_TYPES.trailer}) record, found ${found}`, 1);
    }
  }

  detail(raw: string, lineNo: number, layout: DetailLayout, state: ExportedState, what: string): ExportRecord {
    this.expectDetail(raw, lineNo);
    const values = decodeLine(this.fileName, lineNo, raw, layout.fields, what);
    try {
      return layout.build(new Row(values, layout.index), state);
    } catch (error) {
      if (!(error instanceof FieldMissing)) throw error;
      const column = columnOfField(raw, layout.fields, error.field);
      throw new EsrFileError(this.fileName, lineNo, column, `field ${error.field} of ${what}: ${error.message}`, { cause: error });
    }
  }

  trailer(raw: string, lineNo: number, recordCount: number): void {
    const trailer = new Row(decodeLine(this.fileName, lineNo, raw, TRAILER_FIELDS, 'the trailer'), TRAILER_INDEX);
    const counted = trailer.get('recordCount') as number;
    if (counted !== recordCount) {
      this.fail(lineNo, `expected the trailer to count the ${recordCount} detail record(s), found ${counted}`, TRAILER_PREFIX.length + 1);
    }
  }
}

/**
 * The detail lines between header and trailer, each handed to `read`, which returns the record's
 * id; then the checks that hold whatever a reader decodes: each id once, a trailer that counts
 * them, nothing after it.
 */
function forEachDetail(reader: Reader, lines: readonly string[], idAt: number, read: (raw: string, lineNo: number) => string): void {
  const lineOfId = new Map<string, number>();
  let index = 1;
  for (; index < lines.length && !lines[index]!.startsWith(TRAILER_PREFIX); index++) {
    const raw = lines[index]!;
    const id = read(raw, index + 1);
    const firstLine = lineOfId.get(id);
    if (firstLine !== undefined) {
      reader.fail(index + 1, `expected each record once, found id ${id} again (first on line ${firstLine})`, columnOf(raw.split(DELIMITER), idAt));
    }
    lineOfId.set(id, index + 1);
  }
  if (index >= lines.length) {
    reader.fail(lines.length + 1, `expected the trailer record (${RECORD_TYPES.trailer}|count), found the end of the file (truncated file?)`);
  }
  reader.trailer(lines[index]!, index + 1, index - 1);
  if (index + 1 < lines.length) reader.fail(index + 2, 'expected the end of the file after the trailer, found another line', 1);
}

/**
 * Parses a whole file. Every problem is an EsrFileError naming the file (when given), the line, the
 * column and what was expected; a file that is cut short is reported as such, never half-returned.
 */
export function parseEsrFile(text: string, fileName?: string): EsrFile {
  const reader = new Reader(fileName);
  const lines = reader.lines(text);
  const file: EsrFile = { ...reader.header(lines[0]!), records: [] };
  const state: ExportedState = {
    status: 'EXPORTED',
    batchKey: null,
    fileName: fileName === undefined ? fileNameOf(file) : baseName(fileName),
    exportedAt: file.createdAt,
    generationError: null,
  };
  const layout = DETAIL_LAYOUTS[file.type];
  const what = `a ${file.type} detail record`;
  forEachDetail(reader, lines, layout.index.id!, (raw, lineNo) => {
    const record = reader.detail(raw, lineNo, layout, state, what);
    if (record.office !== file.office) {
      reader.fail(lineNo, `expected the header's office ${file.office} in field office, found ${record.office}`, columnOfField(raw, layout.fields, 'office'));
    }
    file.records.push(record);
    return record.id;
  });
  return file;
}

/**
 * The ids of the records a file holds, read from its bytes with every check that ties them to it:
 * the header (and the name it implies), one detail line per record with the layout's field count,
 * each id once, the trailer's count. It decodes no other field: for readers that only ask which
 * records are in which file (the simulator's invariants, thousands of files a second), at a small
 * fraction of parseEsrFile's cost. The other fields' formats are parseEsrFile's to check.
 */
export function readRecordIds(text: string, fileName?: string): string[] {
  const headerEnd = text.indexOf('\n');
  const body = headerEnd > 0 ? text.slice(headerEnd + 1) : '';
  const known = bodiesRead.get(body.length)?.find((read) => read.body === body);
  if (known) {
    const header = text.slice(0, headerEnd);
    if (!header.includes('\r') && new Reader(fileName).header(header).type === known.type) return [...known.ids];
  }
  const reader = new Reader(fileName);
  const lines = reader.lines(text);
  const { type } = reader.header(lines[0]!);
  const layout = DETAIL_LAYOUTS[type];
  const idAt = layout.index.id!;
  const ids: string[] = [];
  forEachDetail(reader, lines, idAt, (raw, lineNo) => {
    reader.expectDetail(raw, lineNo);
    const idStart = DETAIL_PREFIX.length;
    const cell = raw.slice(idStart, raw.indexOf(DELIMITER, idStart));
    // A wrong field count or an escape in the id (rare): the full decoding, which reports a bad line with its column.
    const simple = countDelimiters(raw) === layout.fields.length - 1 && !cell.includes(ESCAPE);
    const id = simple ? cell : (decodeLine(reader.fileName, lineNo, raw, layout.fields, `a ${type} detail record`)[idAt] as string);
    ids.push(id);
    return id;
  });
  rememberBody({ body, type, ids: [...ids] });
  return ids;
}

/**
 * Bodies (every line after the header) that readRecordIds has checked, with their layout and ids: a
 * sweep reads the same records in the same files thousands of times, so a body it has read needs
 * only its header checked again. Found by length, then compared (hashing a whole body cost more
 * than the header's checks); bounded: a long run of distinct files only clears it.
 */
interface BodyRead {
  body: string;
  type: FileType;
  ids: readonly string[];
}
const bodiesRead = new Map<number, BodyRead[]>();
const BODIES_READ_LIMIT = 2_000;
let bodiesKept = 0;

function rememberBody(read: BodyRead): void {
  if (bodiesKept >= BODIES_READ_LIMIT) {
    bodiesRead.clear();
    bodiesKept = 0;
  }
  const sameLength = bodiesRead.get(read.body.length);
  if (sameLength) sameLength.push(read);
  else bodiesRead.set(read.body.length, [read]);
  bodiesKept++;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

// ------------------------------------------------------------------------------------------ comparison

export type ExportStateField = 'status' | 'batchKey' | 'fileName' | 'exportedAt' | 'generationError';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A record without its export state: what a file carries, so what a round trip must preserve. */
export type ExportedFields = DistributiveOmit<ExportRecord, ExportStateField>;

export function exportedFields(record: ExportRecord): ExportedFields {
  const { status: _status, batchKey: _batchKey, fileName: _fileName, exportedAt: _exportedAt, generationError: _error, ...fields } = record;
  return fields;
}
