import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { StatementType } from '@duckdb/node-api';
import type { AppConfig } from '../app/config';
import { Problem } from '../app/problem';
import { CONFIG } from '../app/tokens';
import { readResult, type ResultSet } from './report.format';
import { PublishedReader } from './warehouse.reader';

export const SQL_LIMITS = { maxRows: 10000, defaultRows: 1000, maxTimeoutMs: 30000, defaultTimeoutMs: 5000 };

export interface SqlResult extends ResultSet {
  truncated: boolean;
  elapsed_ms: number;
}

/**
 * Analyst SQL: a separate read-only instance with file access disabled and the configuration
 * locked (no SET/ATTACH/COPY/INSTALL/read_csv can reopen the door), one SELECT per request, a
 * row cap and a time limit that interrupts the connection.
 */
@Injectable()
export class SqlSandboxService implements OnModuleDestroy {
  private readonly reader: PublishedReader;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.reader = new PublishedReader(config.warehousePath, {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      max_memory: '512MB',
      threads: '2',
      lock_configuration: 'true',
    });
  }

  onModuleDestroy() {
    this.reader.close();
  }

  async run(sql: string, maxRows: number, timeoutMs: number): Promise<SqlResult> {
    return this.reader.withConnection(async (conn) => {
      const started = performance.now();
      let extracted;
      try {
        extracted = await conn.extractStatements(sql);
      } catch (err) {
        throw Problem.validation([{ field: 'sql', message: duckMessage(err) }], 'The SQL does not parse.');
      }
      if (extracted.count !== 1) {
        throw Problem.validation([
          { field: 'sql', message: `exactly one statement is allowed (got ${extracted.count})` },
        ]);
      }
      let prepared;
      try {
        prepared = await extracted.prepare(0);
      } catch (err) {
        throw Problem.validation([{ field: 'sql', message: duckMessage(err) }], 'The SQL was rejected.');
      }
      if (prepared.statementType !== StatementType.SELECT) {
        throw Problem.validation([
          { field: 'sql', message: 'only SELECT statements (including WITH … SELECT) are allowed' },
        ]);
      }
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, timeoutMs);
      try {
        const reader = await prepared.streamAndReadUntil(maxRows + 1);
        const rs = readResult(reader);
        const truncated = rs.rows.length > maxRows;
        if (truncated) rs.rows = rs.rows.slice(0, maxRows);
        return { ...rs, truncated, elapsed_ms: Math.round(performance.now() - started) };
      } catch (err) {
        if (timedOut) {
          throw new Problem(
            422,
            'query-timeout',
            `The query ran longer than ${timeoutMs} ms and was stopped.`,
          );
        }
        throw Problem.validation([{ field: 'sql', message: duckMessage(err) }], 'The query failed.');
      } finally {
        clearTimeout(timer);
      }
    });
  }
}

function duckMessage(err: unknown): string {
  return String((err as Error).message ?? err).slice(0, 500);
}
