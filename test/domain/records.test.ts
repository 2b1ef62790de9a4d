import { describe, expect, it } from 'vitest';
import { validationError, type AppRecord, type NotificationRecord } from '../../src/domain/records.js';
import { generateRecords } from '../../src/domain/synthetic.js';

const [app, dnc] = generateRecords({ seed: 1, offices: ['OXF'], appPerOffice: 1, dncPerOffice: 1, startFrom: '2021-08-02', startTo: '2021-08-02' }) as [
  AppRecord,
  NotificationRecord,
];

describe('validationError', () => {
  it('passes complete records', () => {
    expect(validationError(app)).toBeNull();
    expect(validationError(dnc)).toBeNull();
  });

  it('names every missing mandatory applicant field', () => {
    expect(validationError({ ...app, lastName: ' ', positionNumber: '' })).toBe('missing mandatory field(s): lastName, positionNumber');
    for (const field of ['effectiveDate', 'firstName', 'dob', 'positionId'] as const) {
      expect(validationError({ ...app, [field]: '' })).toBe(`missing mandatory field(s): ${field}`);
    }
  });

  it('does not require optional applicant fields', () => {
    expect(validationError({ ...app, middleNames: '', ukNino: '', email: '', title: '' })).toBeNull();
  });

  it('rejects applicant dates that are not dates', () => {
    expect(validationError({ ...app, dob: '31/07/1990' })).toBe('dob is not a date (YYYY-MM-DD): 31/07/1990');
    expect(validationError({ ...app, effectiveDate: '2021-02-30' })).toBe('effectiveDate is not a date (YYYY-MM-DD): 2021-02-30');
  });

  it('checks a notification’s post number and trainees', () => {
    expect(validationError({ ...dnc, deaneryPostNumber: '' })).toBe('missing mandatory field(s): deaneryPostNumber');
    expect(validationError({ ...dnc, deaneryPostNumber: 'LDN/RJ122/021/F1/001' })).toBe(
      'deaneryPostNumber LDN/RJ122/021/F1/001 does not start with the managing office OXF',
    );
    expect(validationError({ ...dnc, titleCode: 4, currentTrainee: null, nextTrainee: null })).toBe('title code 4 needs a current or next trainee');
    expect(validationError({ ...dnc, titleCode: 2, currentTrainee: null, nextTrainee: null })).toBeNull();
  });
});
