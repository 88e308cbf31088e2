/** Every API route the emulator serves (explicit list). */
import type { Route } from '../stripe.context';
import { balanceRoutes } from './balance.resource';
import { chargeRoutes } from './charges.resource';
import { checkoutRoutes } from './checkout.resource';
import { customerRoutes } from './customers.resource';
import { eventRoutes } from './events.resource';
import { paymentIntentRoutes } from './payment-intents.resource';
import { paymentMethodRoutes } from './payment-methods.resource';
import { setupIntentRoutes } from './setup-intents.resource';
import { webhookEndpointRoutes } from './webhook-endpoints.resource';

export function allRoutes(webhookSecret: string): Route[] {
  return [
    ...customerRoutes,
    ...paymentMethodRoutes,
    ...setupIntentRoutes,
    ...paymentIntentRoutes,
    ...checkoutRoutes,
    ...chargeRoutes,
    ...balanceRoutes,
    ...eventRoutes,
    ...webhookEndpointRoutes(webhookSecret),
  ];
}
