import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../src/domain/dates.js';
import { EsrFileError, exportedFields, HEADER_FIELDS, parseEsrFile, readRecordIds, renderEsrFile, type EsrFile } from '../../src/domain/esr-file.js';
import { fileNameOf } from '../../src/domain/file-name.js';
import { OFFICE_CODES, type OfficeCode } from '../../src/domain/offices.js';
import { NOTIFICATION_TITLE_CODES, type AppRecord, type ExportRecord, type NotificationRecord, type TraineeRef } from '../../src/domain/records.js';
import { generateRecords } from '../../src/domain/synthetic.js';

// ------------------------------------------------------------------------------------ arbitraries

/** Text up to `max` code points, biased towards what breaks naive writers: delimiters, escapes, newlines, astral characters. */
const textUpTo = (max: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: max }),
    fc.string({ unit: fc.constantFrom('|', '\\', '\n', '\r', '\\p', 'a', 'é', '😀', ' '), maxLength: Math.min(max, 30) }),
    fc.string({ unit: 'binary', minLength: max, maxLength: max }),
  );

const isoDate: fc.Arbitrary<IsoDate> = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const state = { status: 'TO_EXPORT', batchKey: null, fileName: null, exportedAt: null, generationError: null } as const;

const appRecord = (office: OfficeCode): fc.Arbitrary<AppRecord> =>
  fc.record({
    type: fc.constant('APP' as const),
    id: textUpTo(64),
    office: fc.constant(office),
    startDate: isoDate,
    ...Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fc.constant(v)])),
    placementId: textUpTo(40),
    effectiveDate: isoDate,
    title: textUpTo(30),
    lastName: textUpTo(150),
    firstName: textUpTo(150),
    middleNames: textUpTo(60),
    dob: isoDate,
    gender: fc.constantFrom('M' as const, 'F' as const, 'X' as const),
    address: fc.record({ address1: textUpTo(240), town: textUpTo(30), county: textUpTo(70), postcode: textUpTo(30), country: textUpTo(60) }),
    phone: textUpTo(60),
    email: textUpTo(240),
    nationality: textUpTo(30),
    ukNino: textUpTo(30),
    nationalTrainingNumber: textUpTo(30),
    gmcNumber: textUpTo(30),
    positionId: textUpTo(20),
    positionNumber: textUpTo(30),
    deaneryPostNumber: textUpTo(30),
    projectedHireDate: isoDate,
    projectedEndDate: isoDate,
  }) as fc.Arbitrary<AppRecord>;

const trainee: fc.Arbitrary<TraineeRef | null> = fc.option(
  fc.record({ lastName: textUpTo(150), firstName: textUpTo(150), gmcNumber: textUpTo(30), startDate: isoDate, endDate: isoDate }),
);

const dncRecord = (office: OfficeCode): fc.Arbitrary<NotificationRecord> =>
  fc.record({
    type: fc.constant('DNC' as const),
    id: textUpTo(64),
    office: fc.constant(office),
    startDate: isoDate,
    ...Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fc.constant(v)])),
    titleCode: fc.constantFrom(...NOTIFICATION_TITLE_CODES),
    deaneryPostNumber: textUpTo(30),
    managingOffice: fc.constantFrom(...OFFICE_CODES),
    positionId: textUpTo(20),
    currentTrainee: trainee,
    nextTrainee: trainee,
    workingHours: fc.integer({ min: 0, max: 999 }).map((tenths) => tenths / 10),
  }) as fc.Arbitrary<NotificationRecord>;

const esrFile: fc.Arbitrary<EsrFile> = fc
  .record({
    type: fc.constantFrom('APP' as const, 'DNC' as const),
    office: fc.constantFrom(...OFFICE_CODES),
    runDate: isoDate,
    sequence: fc.integer({ min: 1, max: 99_999_999 }),
    createdAt: fc.integer({ min: 0, max: 253_402_300_799_999 }),
  })
  .chain((header) =>
    fc
      .uniqueArray<ExportRecord, string>(header.type === 'APP' ? appRecord(header.office) : dncRecord(header.office), {
        selector: (r) => r.id,
        maxLength: 8,
      })
      .map((records) => ({ ...header, records })),
  );

// ---------------------------------------------------------------------------------------- helpers

const CREATED_AT = Date.UTC(2021, 6, 31, 14, 0, 0, 123);

function sampleFile(type: 'APP' | 'DNC' = 'APP', count = 3): EsrFile {
  const records = generateRecords({ seed: 7, offices: ['MER'], appPerOffice: count, dncPerOffice: count, startFrom: '2021-08-02', startTo: '2021-10-29' });
  return { type, office: 'MER', runDate: '2021-07-31', sequence: 42, createdAt: CREATED_AT, records: records.filter((r) => r.type === type) };
}

/** The EsrFileError `action` throws; anything else fails the test. */
function esrFileError(action: () => unknown): EsrFileError {
  try {
    action();
  } catch (error) {
    if (error instanceof EsrFileError) return error;
    throw error;
  }
  throw new Error('expected an EsrFileError');
}

const parseError = (text: string, fileName?: string) => esrFileError(() => parseEsrFile(text, fileName));
const idsError = (text: string, fileName?: string) => esrFileError(() => readRecordIds(text, fileName));
const renderError = (file: EsrFile) => esrFileError(() => renderEsrFile(file));

// ------------------------------------------------------------------------------------------ tests

describe('ESR file round trip', () => {
  it('parses back every exported field of arbitrary records, delimiters, escapes and unicode included', () => {
    fc.assert(
      fc.property(esrFile, (file) => {
        const text = renderEsrFile(file);
        const parsed = parseEsrFile(text, fileNameOf(file));
        expect({ ...parsed, records: parsed.records.map(exportedFields) }).toEqual({ ...file, records: file.records.map(exportedFields) });
        expect(renderEsrFile(parsed)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('marks parsed records EXPORTED in this file at the creation stamp', () => {
    const file = sampleFile('DNC');
    const parsed = parseEsrFile(renderEsrFile(file), `/drop/out/${fileNameOf(file)}`);
    for (const record of parsed.records) {
      expect(record).toMatchObject({ status: 'EXPORTED', batchKey: null, fileName: 'DE_MER_DNC_20210731_00000042.DAT', exportedAt: CREATED_AT, generationError: null });
    }
  });

  it('writes one header, one line per record and a trailer with the count, each ending in LF', () => {
    const lines = renderEsrFile(sampleFile('APP', 2)).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('HDR|APP|MER|20210731|00000042|20210731140000123|01');
    expect(lines[1]).toMatch(/^DTL\|APP-MER-000001\|MER\|\d{8}\|/);
    expect(lines[3]).toBe('TRL|00000002');
    expect(lines[4]).toBe('');
  });

  it('escapes the delimiter, the escape character and line breaks inside text', () => {
    const file = sampleFile('APP', 1);
    const record = { ...(file.records[0] as AppRecord), lastName: 'a|b\\c\nd\re' };
    const text = renderEsrFile({ ...file, records: [record] });
    expect(text.split('\n')[1]).toContain('|a\\pb\\\\c\\nd\\re|');
    expect((parseEsrFile(text).records[0] as AppRecord).lastName).toBe('a|b\\c\nd\re');
  });

  it('renders an empty file as header and trailer', () => {
    const file = { ...sampleFile('APP'), records: [] };
    expect(parseEsrFile(renderEsrFile(file)).records).toEqual([]);
    expect(renderEsrFile(file).endsWith('TRL|00000000\n')).toBe(true);
  });
});

describe('ESR file render errors', () => {
  it('refuses a value wider than its field, naming line and field, never truncating', () => {
    const file = sampleFile('APP');
    const records = [...file.records];
    records[1] = { ...(records[1] as AppRecord), lastName: 'x'.repeat(151) };
    const error = renderError({ ...file, records });
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      'DE_MER_APP_20210731_00000042.DAT:3: cannot render record APP-MER-000002, field lastName X(150): X(150) allows at most 150 characters, got 151',
    );
  });

  it('counts code points, not UTF-16 units, against the width', () => {
    const file = sampleFile('APP', 1);
    const title = '😀'.repeat(30); // 60 UTF-16 units, 30 characters: fits X(30)
    expect(() => renderEsrFile({ ...file, records: [{ ...(file.records[0] as AppRecord), title }] })).not.toThrow();
    expect(renderError({ ...file, records: [{ ...(file.records[0] as AppRecord), title: title + 'a' }] }).message).toContain('got 31');
  });

  it('refuses a lone surrogate, which UTF-8 would silently replace', () => {
    const file = sampleFile('APP', 1);
    const error = renderError({ ...file, records: [{ ...(file.records[0] as AppRecord), firstName: 'A\ud800' }] });
    expect(error.message).toContain('field firstName X(150): contains a lone surrogate (U+D800)');
  });

  it('refuses a working-hours value it would have to round, and a record of another office or type', () => {
    const file = sampleFile('DNC', 2);
    const odd = { ...(file.records[0] as NotificationRecord), workingHours: 0.85 };
    expect(renderError({ ...file, records: [odd] }).message).toContain('N(3,1) allows 1 decimal(s), got 0.85');
    expect(renderError({ ...file, records: [{ ...file.records[0]!, office: 'LDN' }] }).message).toContain('the file is DNC of MER');
    expect(renderError({ ...file, type: 'APP' }).line).toBe(2);
  });

  it('refuses a bad header value and a duplicated record', () => {
    const file = sampleFile('APP', 2);
    expect(renderError({ ...file, runDate: '2021-02-30' })).toMatchObject({ line: 1 });
    expect(renderError({ ...file, records: [file.records[0]!, file.records[0]!] }).message).toContain('appears twice');
  });
});

describe('ESR file parse errors', () => {
  const file = sampleFile('APP', 3);
  const name = fileNameOf(file);
  const text = renderEsrFile(file);
  const lines = text.split('\n');

  it('reports a trailer count that disagrees with the records', () => {
    const bad = text.replace('TRL|00000003', 'TRL|00000004');
    const error = parseError(bad, name);
    expect(error).toMatchObject({ line: 5, column: 5 });
    expect(error.message).toBe(`${name}:5:5: expected the trailer to count the 3 detail record(s), found 4`);
  });

  it('reports a file cut at a line end as a missing trailer', () => {
    const error = parseError(lines.slice(0, 3).join('\n') + '\n', name);
    expect(error.line).toBe(4);
    expect(error.message).toContain('expected the trailer record (TRL|count), found the end of the file (truncated file?)');
  });

  it('reports a file cut inside a line', () => {
    const error = parseError(text.slice(0, text.indexOf('\n', lines[0]!.length + 1) + 40), name);
    expect(error).toMatchObject({ line: 3, column: 40 });
    expect(error.message).toContain('expected the line to end with a newline');
  });

  it('reports a wrong or missing header', () => {
    expect(parseError('', name).message).toContain(`${name}:1: expected the header record (HDR), found an empty file`);
    expect(parseError(lines.slice(1).join('\n'), name).message).toContain(`${name}:1:1: expected the header record (HDR|…), found 'DTL|APP-MER-000001|M'`);
    const wrongOffice = parseError(text.replace('HDR|APP|MER', 'HDR|APP|XYZ'), name);
    expect(wrongOffice).toMatchObject({ line: 1, column: 9 });
    expect(wrongOffice.message).toContain('field 3 (office) of the header: F(3) expects one of EMD, EOE');
    expect(parseError(text.replace('|01\n', '|02\n')).message).toContain('field 7 (layoutVersion) of the header: L(2) expects a number in 1..1, got 02');
  });

  it('reports a file name that does not agree with the header', () => {
    const error = parseError(text, 'DE_MER_APP_20210731_00000043.DAT');
    expect(error).toMatchObject({ line: 1, fileName: 'DE_MER_APP_20210731_00000043.DAT' });
    expect(error.message).toContain(`expected the file to be named ${name} (from its header), found DE_MER_APP_20210731_00000043.DAT`);
  });

  it('reports bad fields with their column and what was expected', () => {
    const detail = lines[2]!;
    const badDate = detail.replace(/\|MER\|(\d{8})\|/, '|MER|20210230|');
    expect(parseError(text.replace(detail, badDate), name)).toMatchObject({ line: 3, column: 24 });
    expect(parseError(text.replace(detail, detail + '|extra'), name).message).toContain('expected 28 fields in a APP detail record, found 29');
    expect(parseError(text.replace(detail, detail.replace('|Dr|', '|D\\x|')), name).message).toContain("expected an escape (\\p, \\\\, \\n or \\r), found '\\x'");
    expect(parseError(text.replace(detail, detail.replace('|MER|', '|LDN|')), name).message).toContain("expected the header's office MER");
  });

  it('reports duplicated records, stray records and lines after the trailer', () => {
    expect(parseError(text.replace(lines[2]!, lines[1]!), name).message).toContain('found id APP-MER-000001 again (first on line 2)');
    expect(parseError(text.replace(lines[2]!, lines[0]!), name).message).toContain('found a second header record');
    expect(parseError(text + 'TRL|00000003\n', name)).toMatchObject({ line: 6 });
    expect(parseError(text.replaceAll('\n', '\r\n'), name).message).toContain('found a raw carriage return');
  });

  it('reports a trainee given without dates', () => {
    const dnc = renderEsrFile(sampleFile('DNC', 1)).split('\n');
    const cells = dnc[1]!.split('|');
    cells[8] = 'Smith';
    cells[11] = '';
    cells[12] = '';
    dnc[1] = cells.join('|');
    expect(parseError(dnc.join('\n')).message).toContain('field currentTrainee.startDate of a DNC detail record: expected the start date');
  });
});

describe('ESR file record ids (the cheap reader the simulator checks files with)', () => {
  it('reads the same ids as the full parse, delimiters, escapes and unicode included', () => {
    fc.assert(
      fc.property(esrFile, (file) => {
        const text = renderEsrFile(file);
        expect(readRecordIds(text, fileNameOf(file))).toEqual(parseEsrFile(text, fileNameOf(file)).records.map((r) => r.id));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every broken structure with the error the full parse gives', () => {
    const file = sampleFile('APP', 3);
    const name = fileNameOf(file);
    const text = renderEsrFile(file);
    const lines = text.split('\n');
    const detail = lines[2]!;
    const broken = [
      text.replace('TRL|00000003', 'TRL|00000004'),
      lines.slice(0, 3).join('\n') + '\n',
      text.slice(0, text.length - 3),
      '',
      lines.slice(1).join('\n'),
      text.replace('HDR|APP|MER', 'HDR|APP|XYZ'),
      text.replace(detail, detail + '|extra'),
      text.replace(detail, detail.split('|').slice(0, -1).join('|')),
      text.replace(detail, detail.replace('|MER|', '\\x|MER|')),
      text.replace(lines[2]!, lines[1]!),
      text.replace(lines[2]!, lines[0]!),
      text + 'TRL|00000003\n',
      text.replaceAll('\n', '\r\n'),
    ];
    for (const bad of broken) expect(idsError(bad, name)).toEqual(parseError(bad, name));
    expect(idsError(text, 'DE_MER_APP_20210731_00000043.DAT')).toEqual(parseError(text, 'DE_MER_APP_20210731_00000043.DAT'));
  });

  it('checks the header of a body it has read before as the full parse does, and reads its ids again', () => {
    const file = sampleFile('APP', 3);
    const text = renderEsrFile(file);
    expect(readRecordIds(text, fileNameOf(file))).toEqual(['APP-MER-000001', 'APP-MER-000002', 'APP-MER-000003']);
    const body = text.slice(text.indexOf('\n') + 1);
    const later = { ...file, sequence: 43, createdAt: CREATED_AT + 1 };
    const ids = readRecordIds(renderEsrFile(later), fileNameOf(later));
    expect(ids).toEqual(['APP-MER-000001', 'APP-MER-000002', 'APP-MER-000003']);
    ids.pop(); // the caller's own array
    expect(readRecordIds(text, fileNameOf(file))).toHaveLength(3);
    const name = fileNameOf(file);
    const header = text.slice(0, text.indexOf('\n'));
    for (const badHeader of [header.replace('|MER|', '|XYZ|'), header.replace('HDR|APP', 'HDR|DNC'), header + '\r', header.replace('|01', '|02')]) {
      const bad = `${badHeader}\n${body}`;
      expect(idsError(bad, name)).toEqual(parseError(bad, name));
    }
    expect(idsError(text, 'DE_MER_APP_20210731_00000043.DAT')).toEqual(parseError(text, 'DE_MER_APP_20210731_00000043.DAT'));
  });
});

describe('ESR creation stamp (L(17))', () => {
  const stamp = HEADER_FIELDS.find((f) => f.name === 'createdAt')!.codec;

  it('writes any instant from 1970 to 9999 as UTC YYYYMMDDHHMMSSmmm and reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (epochMs) => {
        const cell = stamp.encode(epochMs) as string;
        expect(cell).toBe(new Date(epochMs).toISOString().replace(/[-T:.Z]/g, ''));
        expect(stamp.decode(cell)).toBe(epochMs);
      }),
      { numRuns: 2000 },
    );
    expect(stamp.encode(Date.UTC(2021, 6, 31, 14, 0, 0, 7))).toBe('20210731140000007');
  });

  it('refuses times and dates that do not exist, and anything but 17 digits', () => {
    for (const cell of ['20210230140000000', '20211301000000000', '20210731240000000', '20210731236000000', '20210731235960000', '2021073114000000', '202107311400000000', '2021073114000000x', '19691231235959999', '00700101000000000']) {
      expect(() => stamp.decode(cell), cell).toThrow('L(17) expects a UTC timestamp YYYYMMDDHHMMSSmmm');
    }
    expect(stamp.decode('20240229235959999')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  });
});
