import { type Clock, systemClock } from '../app/clock';

/** The clock billing reads "now" and "today" from; tests provide a ManualClock. */
export const BILLING_CLOCK = Symbol('BILLING_CLOCK');
export type BillingClock = Clock;
export const defaultBillingClock: Clock = systemClock;
