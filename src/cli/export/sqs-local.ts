import { Option, type Command } from 'commander';
import { CliError } from '../errors.js';
import { processIo, type Io } from '../io.js';
import { integerIn } from '../options.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function portOf(value: string): number {
  return integerIn(value, '--port', 0, 65_535);
}

/**
 * `esr-export sqs-local [--port N] [--host H]`: serves the SQS model on localhost (AWS JSON 1.0)
 * for tests and local replays, until SIGINT/SIGTERM. Point `--endpoint` (or any SDK) at it.
 */
export function registerSqsLocal(program: Command, io: Io = processIo, until: () => Promise<void> = untilSignal): void {
  program
    .command('sqs-local')
    .description('serve a local SQS endpoint (AWS JSON 1.0) over the SQS model, for tests and local replays; ElasticMQ, LocalStack or AWS are the real targets')
    .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').default('9324'))
    .addOption(new Option('--host <host>', 'interface to listen on').default('127.0.0.1'))
    .addOption(new Option('--region <region>', 'region in queue ARNs').env('AWS_REGION').default('eu-west-2'))
    .action(async (options: { port: string; host: string; region: string }) => {
      const port = portOf(options.port);
      const { startSqsLocal } = await import('../../brokers/sqs-local/server.js');
      let local;
      try {
        local = await startSqsLocal({ port, host: options.host, region: options.region });
      } catch (error) {
        throw new CliError(`cannot listen on ${options.host}:${port}: ${error instanceof Error ? error.message : String(error)}`, 2, { cause: error });
      }
      io.out(`${local.endpoint}\n`);
      io.err(`local SQS endpoint listening on ${local.endpoint} (any credentials accepted); Ctrl-C to stop\n`);
      await until();
      await local.close();
    });
}
