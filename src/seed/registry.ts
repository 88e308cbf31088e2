import type { SeedGenerator } from './generator';

/** Registered explicitly; each module adds its generator here. */
export const GENERATORS: SeedGenerator[] = [];
