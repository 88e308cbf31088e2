import type { ConnectorFactory } from './connector';
import { stripeConnectorFactory } from './stripe/stripe.connector';

/**
 * Every connector the service can use, listed explicitly (nothing registers itself). The sync
 * engine looks vendors up here by `connections.vendor`.
 */
export const CONNECTORS: Record<string, ConnectorFactory> = {
  stripe: stripeConnectorFactory,
};

export const VENDORS = Object.keys(CONNECTORS);
