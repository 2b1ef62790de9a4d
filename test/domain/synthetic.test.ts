import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../../src/domain/dates.js';
import { parseEsrFile, renderEsrFile } from '../../src/domain/esr-file.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { validationError, type AppRecord, type NotificationRecord } from '../../src/domain/records.js';
import { addMonths, generateRecords, type SyntheticOptions } from '../../src/domain/synthetic.js';

const base: SyntheticOptions = { seed: 2021, appPerOffice: 20, dncPerOffice: 10, startFrom: '2021-08-02', startTo: '2021-10-29' };

const apps = (options: SyntheticOptions) => generateRecords(options).filter((r): r is AppRecord => r.type === 'APP');
const dncs = (options: SyntheticOptions) => generateRecords(options).filter((r): r is NotificationRecord => r.type === 'DNC');

describe('generateRecords', () => {
  it('gives the same records for the same options, and others for another seed', () => {
    expect(generateRecords(base)).toEqual(generateRecords(base));
    expect(generateRecords({ ...base, seed: 2022 })).not.toEqual(generateRecords(base));
  });

  it('makes the requested number of records per office and type, with sortable ids', () => {
    const records = generateRecords({ ...base, offices: ['LDN', 'MER'], idPrefix: 'run1-' });
    expect(records).toHaveLength(60);
    expect(records.slice(0, 3).map((r) => r.id)).toEqual(['run1-APP-LDN-000001', 'run1-APP-LDN-000002', 'run1-APP-LDN-000003']);
    expect(records[20]!.id).toBe('run1-DNC-LDN-000001');
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(generateRecords({ ...base, dncPerOffice: undefined }).every((r) => r.type === 'APP')).toBe(true);
    expect(new Set(generateRecords(base).map((r) => r.office))).toEqual(new Set(OFFICE_CODES));
  });

  it('keeps an office’s records when other offices are added', () => {
    const alone = generateRecords({ ...base, offices: ['SEV'] });
    const together = generateRecords({ ...base, offices: ['LDN', 'SEV'] }).filter((r) => r.office === 'SEV');
    expect(together).toEqual(alone);
  });

  it('draws start dates in the range and shapes every field like the real thing', () => {
    for (const r of apps(base)) {
      expect(r.startDate >= base.startFrom && r.startDate <= base.startTo).toBe(true);
      expect(r.gmcNumber).toMatch(/^\d{7}$/);
      expect(r.nationalTrainingNumber).toMatch(new RegExp(`^${r.office}/\\d{3}/\\d{3}/[A-Z]$`));
      expect(r.deaneryPostNumber).toMatch(new RegExp(`^${r.office}/R[A-Z]\\d{3}/\\d{3}/[A-Z0-9]+/\\d{3}$`));
      expect(r.address.postcode).toMatch(/^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$/);
      expect(r.ukNino).toMatch(/^TN\d{6}[A-D]$/);
      expect(r.email).toMatch(/^[a-z.]+\d+@example\.nhs\.uk$/);
      expect(r.phone).toMatch(/^07700 900\d{3}$/);
      const age = daysBetween(r.dob, r.startDate) / 365.25;
      expect(age).toBeGreaterThanOrEqual(24.9);
      expect(age).toBeLessThanOrEqual(60.1);
      expect(r.projectedEndDate >= addDays(addMonths(r.startDate, 4), -1)).toBe(true);
      expect(r.projectedEndDate < addMonths(r.startDate, 12)).toBe(true);
      expect(r).toMatchObject({ effectiveDate: r.startDate, projectedHireDate: r.startDate, status: 'TO_EXPORT', batchKey: null, fileName: null, exportedAt: null });
    }
  });

  it('makes notifications with title codes 1, 2, 4, 5, trainee refs and one-decimal WTE', () => {
    const records = dncs({ ...base, dncPerOffice: 40 });
    expect(new Set(records.map((r) => r.titleCode))).toEqual(new Set([1, 2, 4, 5]));
    for (const r of records) {
      expect(r.deaneryPostNumber.startsWith(`${r.managingOffice}/`)).toBe(true);
      expect([0.5, 0.6, 0.7, 0.8, 0.9, 1]).toContain(r.workingHours);
      expect(r.nextTrainee?.startDate).toBe(r.startDate);
      expect(r.currentTrainee === null).toBe(r.titleCode !== 1);
    }
  });

  it('produces records that pass validation and render into a file that parses back', () => {
    const records = apps({ ...base, offices: ['NTH'] });
    expect(records.map(validationError)).toEqual(records.map(() => null));
    expect(dncs(base).map(validationError).filter((e) => e !== null)).toEqual([]);
    const file = { type: 'APP' as const, office: 'NTH' as const, runDate: '2021-07-31', sequence: 1, createdAt: 0, records };
    expect(parseEsrFile(renderEsrFile(file)).records).toHaveLength(20);
  });

  it('marks the invalid fraction INVALID_DATA with the reason validationError gives', () => {
    const records = generateRecords({ ...base, appPerOffice: 200, invalidRate: 0.25 });
    const invalid = records.filter((r) => r.status === 'INVALID_DATA');
    expect(invalid.length / records.length).toBeGreaterThan(0.15);
    expect(invalid.length / records.length).toBeLessThan(0.35);
    for (const r of invalid) {
      expect(validationError(r)).not.toBeNull();
      expect(r.generationError).toBe(validationError(r));
    }
    expect(records.filter((r) => r.status === 'TO_EXPORT').every((r) => validationError(r) === null)).toBe(true);
  });

  it('marks the deleted fraction, and changing a rate changes statuses only', () => {
    const plain = generateRecords(base);
    const deleted = generateRecords({ ...base, deletedRate: 0.5 });
    const count = deleted.filter((r) => r.status === 'DELETED_BEFORE_EXPORT').length;
    expect(count).toBeGreaterThan(0.3 * deleted.length);
    expect(count).toBeLessThan(0.7 * deleted.length);
    expect(deleted.map((r) => ({ ...r, status: 'TO_EXPORT' }))).toEqual(plain);
    expect(generateRecords({ ...base, invalidRate: 1 }).every((r) => r.status === 'INVALID_DATA')).toBe(true);
    const someInvalid = generateRecords({ ...base, invalidRate: 0.3 });
    someInvalid.forEach((r, i) => {
      if (r.status === 'TO_EXPORT') expect(r).toEqual(plain[i]);
    });
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateRecords({ ...base, appPerOffice: -1 })).toThrow(RangeError);
    expect(() => generateRecords({ ...base, invalidRate: 2 })).toThrow('rates must be in [0, 1]');
    expect(() => generateRecords({ ...base, startFrom: '2021-11-01' })).toThrow('expected startFrom <= startTo');
    expect(() => generateRecords({ ...base, offices: ['XYZ' as 'LDN'] })).toThrow('unknown office code(s): XYZ');
  });
});

describe('addMonths', () => {
  it('adds calendar months and clamps to the end of a shorter month', () => {
    expect(addMonths('2021-08-04', 4)).toBe('2021-12-04');
    expect(addMonths('2021-01-31', 1)).toBe('2021-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2021-03-15', -12 * 25)).toBe('1996-03-15');
  });
});
