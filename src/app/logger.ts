import type { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'ledgerline' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Routes Nest's own log lines through pino so there is one log stream. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string) {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
}
