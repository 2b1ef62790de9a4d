/**
 * `policy-check init`: a starter `policies/` (the shipped policies, one environment for the
 * user's broker kind, its consumer config) and a `policy-check.yaml` naming that environment, so
 * the next command is just `npx policy-check`. Never overwrites: anything already there is an error.
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../data-paths.js';
import { CliError } from '../errors.js';
import type { BrokerKind } from '../policy-check.js';
import { CONFIG_FILES } from './config.js';

const STARTER: Record<BrokerKind, { env: string; consumer: string }> = {
  rabbitmq: { env: 'local', consumer: 'esr-data-exporter.yml' },
  sqs: { env: 'aws-sqs', consumer: 'esr-data-exporter-sqs.yml' },
};

export interface InitResult {
  written: string[];
  next: string;
}

export async function init(broker: BrokerKind, dir: string): Promise<InitResult> {
  const { env, consumer } = STARTER[broker];
  const shipped = join(PACKAGE_ROOT, 'policies');
  const taken = ['policies', ...CONFIG_FILES].map((name) => join(dir, name)).filter((path) => existsSync(path));
  if (taken.length > 0) throw new CliError(`init: ${taken.join(', ')} already exist(s); init never overwrites — remove it or choose another --dir`);
  const policies = (await readdir(shipped)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const files = [
    ...policies.map((name) => join('policies', name)),
    join('policies', 'environments', `${env}.yaml`),
    join('policies', 'consumers', consumer),
  ];
  await mkdir(join(dir, 'policies', 'environments'), { recursive: true });
  await mkdir(join(dir, 'policies', 'consumers'), { recursive: true });
  for (const file of files) await copyFile(join(PACKAGE_ROOT, file), join(dir, file));
  const config = CONFIG_FILES[0];
  await writeFile(join(dir, config), `# policy-check settings (flags on the command line win); see docs/policies.md\nenv: ${env}\npolicies: policies\n`, { flag: 'wx' });
  return { written: [...files, config], next: 'npx policy-check' };
}
