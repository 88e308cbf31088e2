/**
 * A PostgreSQL string literal of `s` (single quotes doubled; standard_conforming_strings is on),
 * for the few constant names written into SQL text where a bind parameter would cost a distinct
 * prepared statement or cannot be used. Never for user input: bind that.
 */
export const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
