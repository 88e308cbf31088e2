/**
 * One injectable time source. The service and the sandbox emulators take any object with
 * `now()`, so tests can share one ManualClock between them (signed webhooks, ACH settlement,
 * renewals) without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(at: Date | string) {
    this.ms = new Date(at).getTime();
  }
  advance(ms: number) {
    this.ms += ms;
  }
  advanceDays(days: number) {
    this.advance(days * 86400000);
  }
}
