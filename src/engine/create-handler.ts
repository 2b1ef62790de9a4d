import type { DeliveryHandler } from './broker.js';
import type { CounterStrategy, Store } from '../store/store.js';
import { DEFAULT_COUNTER_STRATEGY } from '../store/store.js';
import { systemClock, type Clock } from './clock.js';
import { handleCommand, type HandlerDeps } from './handle-command.js';
import { silentLogger, type Logger } from './log.js';
import type { Outbox } from './outbox.js';

export interface EngineOptions {
  store: Store;
  outbox: Outbox;
  clock?: Clock;
  /** Default `atomic`: it never conflicts. `optimistic` replays 2021. */
  counterStrategy?: CounterStrategy;
  log?: Logger;
  beforeStep?: HandlerDeps['beforeStep'];
}

/** Builds the handler a broker consumer calls for each delivery: the same one production, tests and the simulator run. */
export function createDeliveryHandler(options: EngineOptions): DeliveryHandler {
  const deps: HandlerDeps = {
    store: options.store,
    outbox: options.outbox,
    clock: options.clock ?? systemClock,
    counterStrategy: options.counterStrategy ?? DEFAULT_COUNTER_STRATEGY,
    log: options.log ?? silentLogger,
    beforeStep: options.beforeStep,
  };
  return (delivery) => {
    const log = deps.log!.child({ messageId: delivery.messageId, deliveryCount: delivery.deliveryCount });
    return handleCommand({ ...deps, log }, delivery.body);
  };
}
