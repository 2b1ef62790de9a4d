import { addDays, daysBetween, isIsoDate, type IsoDate } from './dates.js';
import { isOfficeCode, OFFICE_CODES, type OfficeCode } from './offices.js';
import { Random } from './random.js';
import {
  NOTIFICATION_TITLE_CODES,
  validationError,
  type AppRecord,
  type ExportRecord,
  type NotificationRecord,
  type TraineeRef,
} from './records.js';

/**
 * Seeded synthetic records that look like the real thing and are obviously not anyone: fictional
 * phone range (Ofcom's 07700 900xxx), NINO prefix TN (never issued), `example.nhs.uk` addresses.
 */
export interface SyntheticOptions {
  seed: number;
  /** Default: all 13. */
  offices?: OfficeCode[];
  appPerOffice: number;
  /** Default 0: most scenarios are about applicants. */
  dncPerOffice?: number;
  /** Start dates are drawn uniformly in [startFrom, startTo]. */
  startFrom: IsoDate;
  startTo: IsoDate;
  /** Fraction with a missing mandatory field: status INVALID_DATA, generationError from validationError. Default 0. */
  invalidRate?: number;
  /** Fraction deleted before export: status DELETED_BEFORE_EXPORT. Default 0. */
  deletedRate?: number;
  /** Prepended to every id, e.g. to keep two generated sets apart in one store. Default ''. */
  idPrefix?: string;
}

const FIRST_NAMES = {
  F: ['Amelia', 'Olivia', 'Isla', 'Emily', 'Sophie', 'Grace', 'Charlotte', 'Priya', 'Aisha', 'Hannah', 'Niamh', 'Zara'],
  M: ['Oliver', 'George', 'Harry', 'Jack', 'Thomas', 'James', 'Arjun', 'Mohammed', 'Daniel', 'Samuel', 'Rhys', 'Callum'],
  X: ['Alex', 'Sam', 'Jordan', 'Robin'],
} as const;
const MIDDLE_NAMES = ['', '', '', 'Anne', 'Louise', 'John', 'David', 'Rose', 'Kumar', 'Elizabeth', 'Edward'];
const LAST_NAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright',
  'Thompson', 'Evans', 'Walker', 'Khan', 'Roberts', 'Green', 'Hall', 'Wood', "O'Neill", 'Ahmed', 'Clarke', 'Hughes',
];
const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue', 'Mill Lane', 'The Crescent'];
const NATIONALITIES = ['British', 'British', 'British', 'British', 'Irish', 'Indian', 'Pakistani', 'Nigerian', 'Egyptian'];
const GRADES = ['F1', 'F2', 'CT1', 'CT2', 'ST1', 'ST3', 'ST5'];
const NTN_SUFFIXES = ['F', 'C', 'N', 'D'];
const WTE = [0.5, 0.6, 0.7, 0.8, 0.8, 0.9, 1, 1, 1, 1, 1];

/** Per office: a town, its county and its postcode area, so addresses hang together. */
const PLACES: Readonly<Record<OfficeCode, readonly [town: string, county: string, area: string]>> = {
  EMD: ['Nottingham', 'Nottinghamshire', 'NG'],
  EOE: ['Cambridge', 'Cambridgeshire', 'CB'],
  KSS: ['Brighton', 'East Sussex', 'BN'],
  LDN: ['London', 'Greater London', 'SE'],
  MER: ['Liverpool', 'Merseyside', 'L'],
  NTH: ['Newcastle upon Tyne', 'Tyne and Wear', 'NE'],
  NWN: ['Manchester', 'Greater Manchester', 'M'],
  OXF: ['Oxford', 'Oxfordshire', 'OX'],
  PEN: ['Plymouth', 'Devon', 'PL'],
  SEV: ['Bristol', 'Bristol', 'BS'],
  WES: ['Southampton', 'Hampshire', 'SO'],
  WMD: ['Birmingham', 'West Midlands', 'B'],
  YHD: ['Leeds', 'West Yorkshire', 'LS'],
};

/** The letters UK postcodes use in the inward code. */
const LETTERS = [...'ABDEFGHJLNPQRSTUWXYZ'];

function digits(random: Random, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
}

function letters(random: Random, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += random.pick(LETTERS);
  return out;
}

/** Adds whole months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/**
 * Date arithmetic dominates generation time, and a run only touches a few thousand distinct
 * dates: they are converted once (bounded memo, cleared when full).
 */
const MEMO_LIMIT = 100_000;
function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= MEMO_LIMIT) cache.clear();
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}

const EPOCH = '1970-01-01';
const dayNumber = memo((date: IsoDate) => daysBetween(EPOCH, date));
const dateOfDay = memo((day: number) => addDays(EPOCH, day));
const monthsLater = memo((key: string) => addMonths(key.slice(0, 10), Number(key.slice(11))));

function plusMonths(date: IsoDate, months: number): IsoDate {
  return monthsLater(`${date} ${months}`);
}

function plusDays(date: IsoDate, days: number): IsoDate {
  return dateOfDay(dayNumber(date) + days);
}

function dateBetween(random: Random, from: IsoDate, to: IsoDate): IsoDate {
  const first = dayNumber(from);
  return dateOfDay(first + random.int(0, dayNumber(to) - first));
}

function deaneryPostNumber(random: Random, office: OfficeCode): string {
  return `${office}/R${letters(random, 1)}${digits(random, 3)}/${digits(random, 3)}/${random.pick(GRADES)}/${digits(random, 3)}`;
}

function gmcNumber(random: Random): string {
  return `${random.int(6, 7)}${digits(random, 6)}`;
}

function person(random: Random): { gender: 'M' | 'F' | 'X'; firstName: string; lastName: string } {
  const gender = random.chance(0.02) ? 'X' : random.chance(0.5) ? 'F' : 'M';
  return { gender, firstName: random.pick(FIRST_NAMES[gender]), lastName: random.pick(LAST_NAMES) };
}

/** A trainee who holds a post for 4–12 months, starting (or ending the day before) `around`. */
function trainee(random: Random, around: IsoDate, holder: 'current' | 'next'): TraineeRef {
  const { firstName, lastName } = person(random);
  const months = random.int(4, 12);
  const startDate = holder === 'next' ? around : plusMonths(around, -months);
  const endDate = holder === 'next' ? plusDays(plusMonths(around, months), -1) : plusDays(around, -1);
  return { lastName, firstName, gmcNumber: gmcNumber(random), startDate, endDate };
}

const TO_EXPORT = { status: 'TO_EXPORT', batchKey: null, fileName: null, exportedAt: null, generationError: null } as const;

function appRecord(random: Random, id: string, office: OfficeCode, startDate: IsoDate): AppRecord {
  const { gender, firstName, lastName } = person(random);
  const [town, county, area] = PLACES[office];
  const email = `${firstName}.${lastName}${random.int(1, 99)}@example.nhs.uk`.toLowerCase().replace(/[^a-z0-9.@]/g, '');
  return {
    type: 'APP',
    id,
    office,
    startDate,
    ...TO_EXPORT,
    placementId: String(random.int(1_000_000, 9_999_999)),
    effectiveDate: startDate,
    title: random.chance(0.9) ? 'Dr' : random.pick(['Mr', 'Ms', 'Mrs', 'Miss', 'Mx']),
    lastName,
    firstName,
    middleNames: random.pick(MIDDLE_NAMES),
    dob: dateBetween(random, plusMonths(startDate, -60 * 12), plusMonths(startDate, -25 * 12)),
    gender,
    address: {
      address1: `${random.int(1, 250)} ${random.pick(STREETS)}`,
      town,
      county,
      postcode: `${area}${random.int(1, 20)} ${random.int(1, 9)}${letters(random, 2)}`,
      country: 'United Kingdom',
    },
    phone: `07700 900${digits(random, 3)}`,
    email,
    nationality: random.pick(NATIONALITIES),
    ukNino: `TN${digits(random, 6)}${random.pick(['A', 'B', 'C', 'D'])}`,
    nationalTrainingNumber: `${office}/${digits(random, 3)}/${digits(random, 3)}/${random.pick(NTN_SUFFIXES)}`,
    gmcNumber: gmcNumber(random),
    positionId: String(random.int(100_000, 999_999)),
    positionNumber: String(random.int(10_000_000, 99_999_999)),
    deaneryPostNumber: deaneryPostNumber(random, office),
    projectedHireDate: startDate,
    projectedEndDate: plusDays(plusMonths(startDate, random.int(4, 12)), -1),
  };
}

/**
 * Title codes: 1 the post changes hands (current and next holder), 2 the next trainee withdrew
 * (the withdrawn trainee is named as next), 4 a changed hire/end date (next trainee, new dates),
 * 5 a new post (its first holder as next trainee). The record's start date is the notified change.
 */
function dncRecord(random: Random, id: string, office: OfficeCode, startDate: IsoDate): NotificationRecord {
  const titleCode = random.pick(NOTIFICATION_TITLE_CODES);
  return {
    type: 'DNC',
    id,
    office,
    startDate,
    ...TO_EXPORT,
    titleCode,
    deaneryPostNumber: deaneryPostNumber(random, office),
    managingOffice: office,
    positionId: String(random.int(100_000, 999_999)),
    currentTrainee: titleCode === 1 ? trainee(random, startDate, 'current') : null,
    nextTrainee: trainee(random, startDate, 'next'),
    workingHours: random.pick(WTE),
  };
}

/** The mandatory field bad source data leaves blank. Drawn for every record, used for the invalid ones. */
function fieldToBlank(random: Random, type: ExportRecord['type']): string {
  if (type === 'DNC') return 'deaneryPostNumber';
  return random.pick(['lastName', 'firstName', 'positionId', 'positionNumber', 'effectiveDate', 'dob']);
}

function checkOptions(options: SyntheticOptions): void {
  const counts = [options.appPerOffice, options.dncPerOffice ?? 0];
  if (!counts.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= 999_999)) {
    throw new RangeError(`record counts must be whole numbers in 0..999999, got ${counts.join(', ')}`);
  }
  for (const rate of [options.invalidRate ?? 0, options.deletedRate ?? 0]) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rates must be in [0, 1], got ${rate}`);
  }
  if (!isIsoDate(options.startFrom) || !isIsoDate(options.startTo) || options.startFrom > options.startTo) {
    throw new RangeError(`expected startFrom <= startTo as YYYY-MM-DD, got ${options.startFrom} .. ${options.startTo}`);
  }
  const bad = (options.offices ?? []).filter((office) => !isOfficeCode(office));
  if (bad.length > 0) throw new RangeError(`unknown office code(s): ${bad.join(', ')}`);
}

/**
 * Same options, same records. Each office and type draws from its own stream, so adding an
 * office leaves the others' records as they were; and every record makes the same draws whatever
 * the rates, so changing a rate changes statuses (and blanks a field) and nothing else.
 */
export function generateRecords(options: SyntheticOptions): ExportRecord[] {
  checkOptions(options);
  const root = new Random(options.seed);
  const prefix = options.idPrefix ?? '';
  const records: ExportRecord[] = [];
  for (const office of options.offices ?? OFFICE_CODES) {
    for (const [type, count, make] of [
      ['APP', options.appPerOffice, appRecord],
      ['DNC', options.dncPerOffice ?? 0, dncRecord],
    ] as const) {
      const random = root.fork(`${type}:${office}`);
      for (let n = 1; n <= count; n++) {
        const id = `${prefix}${type}-${office}-${String(n).padStart(6, '0')}`;
        let record = make(random, id, office, dateBetween(random, options.startFrom, options.startTo));
        const invalid = random.float() < (options.invalidRate ?? 0);
        const deleted = random.float() < (options.deletedRate ?? 0);
        const blank = fieldToBlank(random, type);
        if (invalid) {
          const spoiled = { ...record, [blank]: '' };
          record = { ...spoiled, status: 'INVALID_DATA', generationError: validationError(spoiled) };
        } else if (deleted) record = { ...record, status: 'DELETED_BEFORE_EXPORT' };
        records.push(record);
      }
    }
  }
  return records;
}
