/**
 * The 13 local offices (historically "deaneries") whose codes appear in ESR file names.
 * In code we say "office"; the docs explain that ESR and TIS also say "local office" and "deanery".
 */
export const OFFICES = {
  EMD: 'East Midlands',
  EOE: 'East of England',
  KSS: 'Kent, Surrey and Sussex',
  LDN: 'London',
  MER: 'Mersey',
  NTH: 'North East',
  NWN: 'North West',
  OXF: 'Thames Valley',
  PEN: 'Peninsula',
  SEV: 'Severn',
  WES: 'Wessex',
  WMD: 'West Midlands',
  YHD: 'Yorkshire and Humber',
} as const;

export type OfficeCode = keyof typeof OFFICES;

export const OFFICE_CODES = Object.keys(OFFICES) as OfficeCode[];

export function isOfficeCode(value: unknown): value is OfficeCode {
  return typeof value === 'string' && Object.hasOwn(OFFICES, value);
}
