import type { SeedGenerator } from './generator';
import { crmGenerator } from './crm.generator';
import { commerceGenerator } from './generators/commerce.generator';

/** Registered explicitly; each module adds its generator here. */
export const GENERATORS: SeedGenerator[] = [crmGenerator, commerceGenerator];
