/** Structured logs: one JSON object per line, carrying the correlation id of the command at hand. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** `now` is the injected clock's, so simulated logs carry virtual time. */
export function jsonLogger(write: (line: string) => void, now: () => number, base: LogFields = {}): Logger {
  return {
    log(level, message, fields) {
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, message, ...base, ...fields }) + '\n');
    },
    child(fields) {
      return jsonLogger(write, now, { ...base, ...fields });
    },
  };
}

export const silentLogger: Logger = {
  log() {},
  child() {
    return silentLogger;
  },
};
