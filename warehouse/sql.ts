/** A DuckDB SQL string literal of `s` (single quotes doubled), for the values DuckDB cannot bind: paths, SET values. */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
