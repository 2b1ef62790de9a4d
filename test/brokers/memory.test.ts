/** The in-process broker holds to the same contract as RabbitMQ and SQS: demos and one-process runs behave as production does. */
import { MemoryBroker } from '../../src/brokers/memory.js';
import { systemClock } from '../../src/engine/clock.js';
import { brokerContract } from './broker.contract.js';

brokerContract('in-process MemoryBroker', async (retry) => {
  const broker = new MemoryBroker(retry, systemClock);
  return {
    broker,
    depth: async () => ({ work: broker.depth, deadLetter: (await broker.deadLetters.list()).length }),
    queueExists: async (name) => broker.holdingQueues.includes(name),
    cleanup: async () => undefined,
  };
});
