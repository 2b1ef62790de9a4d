import { Option, type Command } from 'commander';
import { dataDir } from '../../data-paths.js';
import { tellStory } from '../../story/story.js';
import type { Io } from '../io.js';
import { positiveInt } from '../options.js';

/** `esr-sim demo`: the 2021 story end to end, on the real parts this machine has. */
export function registerDemo(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('demo')
    .description('the 2021 incident end to end: the burst with the policy lost, the gate that catches it, the fix, the audit, the report')
    .option('--out <dir>', 'folder for the HTML reports', 'out/story')
    .option('--policies <dir>', 'the policies (default: ./policies, else the shipped ones)')
    .option('--scenarios <dir>', 'the scenarios (default: ./scenarios, else the shipped ones)')
    .addOption(new Option('--amqp-url <url>', 'RabbitMQ').env('AMQP_URL').default('amqp://guest:guest@127.0.0.1:5672'))
    .addOption(new Option('--management-url <url>', 'RabbitMQ management API').env('RABBITMQ_MANAGEMENT_URL').default('http://127.0.0.1:15672'))
    .addOption(new Option('--mongodb-uri <uri>', 'MongoDB, when one is available').env('MONGODB_URI'))
    .option('--compression <n>', 'divide the live replays\' delays by this', '100')
    .action(async (options: { out: string; policies?: string; scenarios?: string; amqpUrl: string; managementUrl: string; mongodbUri?: string; compression: string }) => {
      const result = await tellStory({
        outDir: options.out,
        policiesDir: options.policies ?? dataDir('policies'),
        scenariosDir: options.scenarios ?? dataDir('scenarios'),
        amqpUrl: options.amqpUrl,
        managementUrl: options.managementUrl,
        mongodbUri: options.mongodbUri,
        compression: positiveInt(options.compression, '--compression'),
        progress: (line) => io.out(`${line}\n`),
      });
      io.out(result.ok ? 'The story held: every step behaved as it must.\n' : `The story did not hold: ${result.steps.filter((s) => !s.ok).map((s) => s.title).join('; ')}\n`);
      setExitCode(result.ok ? 0 : 1);
    });
}
