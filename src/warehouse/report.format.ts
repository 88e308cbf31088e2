import { DuckDBTypeId, type DuckDBResultReader } from '@duckdb/node-api';
import {
  Bool,
  DataType,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  Schema,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

export interface Column {
  name: string;
  type: string;
}

export interface ResultSet {
  columns: Column[];
  rows: Array<Record<string, unknown>>;
}

/** JSON-safe values: bigints as numbers (ids and minor units are safe integers), dates as strings. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  // Lists, structs and maps from analyst SQL: convert their members the same way.
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const identity = (v: unknown) => v;
const bigintPlain = (v: unknown) => (typeof v === 'bigint' ? plain(v) : v);
const isoDay = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : plain(v));

/** One converter per column type, chosen once per result (not per value). */
function converter(typeId: DuckDBTypeId): (v: unknown) => unknown {
  switch (typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return bigintPlain;
    case DuckDBTypeId.DATE:
      return isoDay;
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return identity;
    default:
      return plain;
  }
}

/** Rows as objects, read column by column (a report page is read into JS on every request). */
export function readResult(reader: DuckDBResultReader): ResultSet {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = names.map((name, i) => ({ name, type: types[i].toString() }));
  const convert = types.map((t) => converter(t.typeId));
  const data = reader.getColumnsJS();
  const n = reader.currentRowCount;
  const rows: Array<Record<string, unknown>> = new Array(n);
  for (let i = 0; i < n; i++) {
    const o: Record<string, unknown> = {};
    for (let j = 0; j < names.length; j++) o[names[j]] = convert[j](data[j][i]);
    rows[i] = o;
  }
  return { columns, rows };
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rs: ResultSet): string {
  const lines = [rs.columns.map((c) => csvCell(c.name)).join(',')];
  for (const r of rs.rows) lines.push(rs.columns.map((c) => csvCell(r[c.name])).join(','));
  return lines.join('\r\n') + '\r\n';
}

function arrowType(duckType: string): DataType {
  if (duckType === 'BIGINT' || duckType === 'HUGEINT' || duckType === 'UBIGINT') return new Int64();
  if (duckType === 'INTEGER' || duckType === 'SMALLINT' || duckType === 'TINYINT') return new Int32();
  if (duckType === 'DOUBLE' || duckType === 'FLOAT' || duckType.startsWith('DECIMAL')) return new Float64();
  if (duckType === 'BOOLEAN') return new Bool();
  if (duckType === 'DATE') return new DateDay();
  return new Utf8();
}

/** Arrow IPC stream with typed columns (Int64 for minor units, DateDay for months). */
export function toArrow(rs: ResultSet): Uint8Array {
  const fields: Field[] = [];
  const vectors: Record<string, any> = {};
  for (const c of rs.columns) {
    const type = arrowType(c.type);
    fields.push(new Field(c.name, type, true));
    const values = rs.rows.map((r) => {
      const v = r[c.name];
      if (v === null || v === undefined) return null;
      if (type instanceof Int64) return BigInt(v as number);
      if (type instanceof DateDay) return new Date(`${v as string}T00:00:00Z`);
      if (type instanceof Float64 || type instanceof Int32) return Number(v);
      if (type instanceof Utf8) return text(v);
      return v;
    });
    vectors[c.name] = vectorFromArray(values, type);
  }
  const table = rs.rows.length ? new Table(vectors) : new Table(new Schema(fields));
  return tableToIPC(table, 'stream');
}
