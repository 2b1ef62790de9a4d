/** The live-run options (`replay --real`, `calibrate`) and the `calibrate` command. */
import { Option, type Command } from 'commander';
import { calibrate, renderCalibration, timingYaml, writeTiming } from '../../live/calibrate.js';
import { DEFAULT_COMPRESSION, DEFAULT_LIVE_RUNS, DEFAULT_MODEL_SEEDS, type RealOptions } from '../../live/real.js';
import { loadScenario } from '../../sim/scenario.js';
import type { Io } from '../io.js';
import { integerIn, parsedBy } from '../options.js';

export interface LiveCliOptions {
  runs?: number;
  modelSeeds?: number;
  compression?: number;
  amqpUrl?: string;
  mongodbUri?: string;
}

const between = (min: number, max: number) => (value: string, name: string) => integerIn(value, name, min, max);

/** `--runs`, `--model-seeds`, `--compression`, `--amqp-url`, `--mongodb-uri` (MONGODB_URI when set). */
export function liveOptions(command: Command, prefix = ''): Command {
  return command
    .option('--runs <n>', `${prefix}live runs (default ${DEFAULT_LIVE_RUNS})`, parsedBy(between(1, 1000), '--runs'))
    .option('--model-seeds <n>', `${prefix}model seeds to compare with (default ${DEFAULT_MODEL_SEEDS})`, parsedBy(between(1, 1_000_000), '--model-seeds'))
    .option('--compression <n>', `${prefix}divide delays by this (default ${DEFAULT_COMPRESSION})`, parsedBy(between(1, 100_000), '--compression'))
    .option('--amqp-url <url>', `${prefix}the RabbitMQ to use (default amqp://guest:guest@127.0.0.1:5672)`)
    .addOption(new Option('--mongodb-uri <uri>', `${prefix}run the store on this MongoDB (default: the store model in real time)`).env('MONGODB_URI'));
}

export function realOptionsOf(options: LiveCliOptions & { seed?: number }): RealOptions {
  return { seed: options.seed, runs: options.runs, modelSeeds: options.modelSeeds, compression: options.compression, amqpUrl: options.amqpUrl, mongodbUri: options.mongodbUri };
}

/** `esr-sim calibrate <scenario>`: measure the model's timing inputs on the live brokers. */
export function registerCalibrate(program: Command, io: Io, setExitCode: (code: number) => void, now: () => Date): void {
  const command = program
    .command('calibrate')
    .description('run the scenario on the live broker, measure the timings the model takes as inputs, and write them as its timing: block')
    .argument('<scenario>', 'scenario file')
    .option('--write', 'write the timing: block into the scenario file (else it is printed)')
    .option('--json', 'print the result as JSON');
  liveOptions(command).action(async (file: string, options: LiveCliOptions & { write?: boolean; json?: boolean }) => {
    const scenario = await loadScenario(file);
    const where = `${scenario.broker.kind === 'rabbitmq' ? 'RabbitMQ' : 'the local SQS endpoint'}, store ${options.mongodbUri ? 'MongoDB' : 'model in real time'}`;
    const result = await calibrate(scenario, { ...realOptionsOf(options), source: `esr-sim calibrate, ${now().toISOString().slice(0, 16)}Z, ${where}` });
    if (options.write) await writeTiming(file, result.timing);
    io.out(
      options.json
        ? JSON.stringify({ ...result, real: { ...result.real, runs: undefined } }, null, 2) + '\n'
        : `${renderCalibration(result)}${options.write ? `timing: block written to ${file}\n` : timingYaml(result.timing)}`,
    );
    setExitCode(result.after.agree ? 0 : 1);
  });
}
