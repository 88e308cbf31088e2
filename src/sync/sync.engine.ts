import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ConnectorFactory } from '../../connectors/connector';
import { CONNECTORS } from '../../connectors/registry';
import { type Clock, systemClock } from '../app/clock';
import { ConnectionService, verifySecrets } from './connection.service';
import { ConnectorPool } from './connector-pool';
import { Dispatcher } from './dispatcher.service';
import { MappingService } from './mapping.service';
import { RunService } from './run.service';
import { SecretBox } from './secret-box';
import { SyncErrorRepository } from './sync-error.repository';
import { SyncWorker, type WorkerOptions } from './sync.worker';
import type { SyncHooks } from './sync.types';

export interface SyncEngineOptions {
  db: Knex;
  clock?: Clock;
  /** LEDGERLINE_SECRET_KEY */
  secretKey?: string;
  registry?: Record<string, ConnectorFactory>;
  hooks?: SyncHooks;
  log?: Logger;
  worker?: Partial<WorkerOptions>;
}

/**
 * The sync engine as plain objects, so the Nest module, a standalone worker process and tests
 * wire it the same way. `create` fails fast when stored secrets cannot be opened.
 */
export class SyncEngine {
  readonly pool: ConnectorPool;
  readonly dispatcher: Dispatcher;
  readonly runs: RunService;
  readonly connections: ConnectionService;
  readonly worker: SyncWorker;
  readonly mappings: MappingService;

  private constructor(
    readonly opts: SyncEngineOptions & { clock: Clock },
    box: SecretBox | null,
  ) {
    const { db, clock } = opts;
    this.pool = new ConnectorPool(opts.registry ?? CONNECTORS, box, clock);
    this.dispatcher = new Dispatcher(db, this.pool, clock);
    this.runs = new RunService(db, this.pool, clock);
    this.connections = new ConnectionService(db, this.pool, this.dispatcher, box);
    this.mappings = new MappingService(db, this.pool);
    this.worker = new SyncWorker(db, this.pool, clock, {
      workerId: `${hostname()}:${process.pid}`,
      hooks: opts.hooks,
      log: opts.log,
      ...opts.worker,
    });
  }

  static async create(opts: SyncEngineOptions): Promise<SyncEngine> {
    const box = opts.secretKey ? new SecretBox(opts.secretKey) : null;
    await verifySecrets(opts.db, box);
    return new SyncEngine({ ...opts, clock: opts.clock ?? systemClock }, box);
  }

  /** One full round: outbox → deliveries → pushes → run counts. Returns deliveries handled. */
  async round(): Promise<number> {
    await this.dispatcher.dispatch();
    const n = await this.worker.drain();
    await this.runs.refreshOpen();
    return n;
  }

  /** Open sync errors of a connection (404 when it does not exist). */
  async errors(connectionId: number) {
    await this.connections.get(connectionId);
    return new SyncErrorRepository().listOpen(this.opts.db, connectionId);
  }

  async close() {
    await this.pool.close();
  }
}
