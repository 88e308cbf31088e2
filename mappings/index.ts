import { Mapping, mappingSchema, MappingInput } from './mapping.schema';
import { companyToCustomer, contactToCustomer } from './stripe/customer.outbound';

/** Default mapping files, listed explicitly and validated when this module loads. */
const DEFAULTS: MappingInput[] = [contactToCustomer, companyToCustomer];

export const DEFAULT_MAPPINGS: Mapping[] = DEFAULTS.map((m) => {
  const res = mappingSchema.safeParse(m);
  if (!res.success)
    throw new Error(`mapping ${m.vendor}/${m.object}.${m.direction} is invalid: ${res.error.message}`);
  return res.data;
});

export function defaultMapping(vendor: string, object: string, direction: 'outbound' | 'inbound') {
  return DEFAULT_MAPPINGS.find(
    (m) => m.vendor === vendor && m.object === object && m.direction === direction,
  );
}

export { mappingSchema };
export type { Mapping };
