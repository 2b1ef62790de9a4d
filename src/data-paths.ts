/**
 * The one place that decides where data comes from: the user's own folders win; when the user's
 * folder has none, the data shipped in the package (policies, environments, consumers, scenarios)
 * is used, so that `npx policy-check` and `npx esr-sim replay scenarios/…` work in an empty project.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this module sits one folder below it in `src/` and in `dist/`. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const PACKAGE_NAME = 'esr-retry-toolkit';

/** The data folders the package ships (and exports as `esr-retry-toolkit/<folder>/...`). */
export type DataFolder = 'policies' | 'scenarios';

/** A path under `cwd` as the user would write it: relative when `cwd` is where the process runs. */
export function userPath(path: string, cwd: string = process.cwd()): string {
  return isAbsolute(path) || resolve(cwd) === process.cwd() ? path : resolve(cwd, path);
}

/** `<cwd>/<folder>` when the user has it, else the package's copy. */
export function dataDir(folder: DataFolder, cwd: string = process.cwd()): string {
  return existsSync(resolve(cwd, folder)) ? userPath(folder, cwd) : join(PACKAGE_ROOT, folder);
}

/**
 * A data file the user named: as given when it exists (or is absolute); `esr-retry-toolkit/…` is the
 * package's; a relative path under a shipped folder that the user does not have resolves to the
 * package's copy. Anything else is returned unchanged, so the reader reports it as not found.
 */
export function dataFile(path: string, cwd: string = process.cwd()): string {
  if (path.startsWith(`${PACKAGE_NAME}/`)) return join(PACKAGE_ROOT, path.slice(PACKAGE_NAME.length + 1));
  if (isAbsolute(path) || existsSync(resolve(cwd, path))) return path;
  const inside = relative(cwd, resolve(cwd, path));
  const shipped = join(PACKAGE_ROOT, inside);
  const folder = inside.split(sep)[0];
  return (folder === 'policies' || folder === 'scenarios') && existsSync(shipped) ? shipped : path;
}

/** The policies folder for `--policies`: the option when given, else `dataDir('policies')`. */
export function policiesDir(option: string | undefined, cwd: string = process.cwd()): string {
  return option === undefined ? dataDir('policies', cwd) : userPath(option, cwd);
}
