import { describe, expect, it } from 'vitest';
import { batchKeyOf, decodeCommand, parseCommand, type ExportCommand } from '../../src/domain/command.js';

const valid: ExportCommand = { commandId: 'cmd-1', type: 'APP', localOffice: 'MER', runDate: '2021-08-02', correlationId: 'corr-1' };

describe('export commands', () => {
  it('accepts a complete command', () => {
    expect(parseCommand(valid)).toEqual({ ok: true, command: valid });
    expect(decodeCommand(JSON.stringify(valid))).toEqual({ ok: true, command: valid });
  });

  it.each([
    ['a missing field', { ...valid, correlationId: undefined }, "must have required property 'correlationId'"],
    ['an unknown office', { ...valid, localOffice: 'XYZ' }, '/localOffice must be equal to one of the allowed values'],
    ['an inbound file type', { ...valid, type: 'RMC' }, '/type must be equal to one of the allowed values'],
    ['a malformed date', { ...valid, runDate: '02/08/2021' }, '/runDate must match pattern'],
    ['a date that does not exist', { ...valid, runDate: '2021-02-30' }, '/runDate 2021-02-30 is not a calendar date'],
    ['an extra field', { ...valid, priority: 1 }, 'must NOT have additional properties'],
    ['an empty id', { ...valid, commandId: '' }, '/commandId must NOT have fewer than 1 characters'],
    ['not an object', ['APP'], 'must be object'],
  ])('rejects %s without throwing', (_what, body, reason) => {
    const parsed = parseCommand(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(reason);
  });

  it('rejects a body that is not JSON', () => {
    expect(decodeCommand('{"commandId":')).toEqual({ ok: false, error: 'invalid export command: body is not JSON: {"commandId":' });
  });

  it('keys a batch by type, office and run date, so duplicates of one command share it', () => {
    expect(batchKeyOf(valid)).toBe('APP:MER:2021-08-02');
    const duplicate: ExportCommand = { ...valid, commandId: 'cmd-2', correlationId: 'corr-2' };
    expect(batchKeyOf(duplicate)).toBe('APP:MER:2021-08-02');
    expect(batchKeyOf({ ...valid, localOffice: 'LDN' })).toBe('APP:LDN:2021-08-02');
    expect(batchKeyOf({ ...valid, type: 'DNC' })).toBe('DNC:MER:2021-08-02');
  });
});
