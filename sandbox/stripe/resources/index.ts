/** Every API route the emulator serves (explicit list). */
import type { Route } from '../stripe.context';
import { customerRoutes } from './customers.resource';
import { eventRoutes } from './events.resource';

export const allRoutes: Route[] = [...customerRoutes, ...eventRoutes];
