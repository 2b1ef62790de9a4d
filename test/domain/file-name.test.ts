import { describe, expect, it } from 'vitest';
import { fileNameOf, parseFileName, SEQUENCE_MAX } from '../../src/domain/file-name.js';

describe('file names', () => {
  it('writes DE_<LO>_<TYPE>_<YYYYMMDD>_<SEQ8>.DAT', () => {
    expect(fileNameOf({ office: 'EMD', type: 'APP', runDate: '2023-06-26', sequence: 3445 })).toBe('DE_EMD_APP_20230626_00003445.DAT');
    expect(fileNameOf({ office: 'LDN', type: 'DNC', runDate: '2021-07-31', sequence: SEQUENCE_MAX })).toBe('DE_LDN_DNC_20210731_99999999.DAT');
  });

  it('refuses sequences that do not fit 8 digits', () => {
    for (const sequence of [0, -1, 1.5, SEQUENCE_MAX + 1]) {
      expect(() => fileNameOf({ office: 'EMD', type: 'APP', runDate: '2023-06-26', sequence })).toThrow(RangeError);
    }
  });

  it('parses what it writes', () => {
    const parts = { office: 'WES', type: 'DNC', runDate: '2024-02-29', sequence: 12 } as const;
    expect(parseFileName(fileNameOf(parts))).toEqual(parts);
  });

  it('rejects names that are not outbound ESR files', () => {
    for (const name of [
      'DE_XYZ_APP_20210731_00000001.DAT', // unknown office
      'DE_LDN_RMC_20210731_00000001.DAT', // inbound type
      'DE_LDN_APP_20210230_00000001.DAT', // no such date
      'DE_LDN_APP_20210731_0000001.DAT', // 7-digit sequence
      'DE_LDN_APP_20210731_00000001.dat',
      'out/DE_LDN_APP_20210731_00000001.DAT',
    ]) {
      expect(parseFileName(name)).toBeNull();
    }
  });
});
