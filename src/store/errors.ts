import { OperatingError } from '../errors.js';

/** A concurrent writer changed the document first (optimistic version check, WriteConflict 112, E11000 on upsert). */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
}

/** The store could not be reached or did not answer (network, replica set without primary, outage). */
export class StoreUnavailableError extends OperatingError {}
