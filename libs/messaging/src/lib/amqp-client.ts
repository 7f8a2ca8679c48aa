import { connect, type ChannelModel } from 'amqplib';
import { MessagingLogger, silentLogger } from './logger';
import { connectMemoryBus, isMemoryBusUrl } from './memory-bus/registry';

/** Runs on every (re)connection, in registration order: declare topology, open channels, consume. */
export type SetupHook = (connection: ChannelModel) => Promise<void>;
export type TeardownHook = () => void;

export interface AmqpClientOptions {
  url: string;
  /** Shown in the broker's connection list and in logs. */
  name: string;
  logger?: MessagingLogger;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * One broker connection that heals itself: it reconnects with capped backoff whenever the broker goes
 * away (restart, network, a channel error that kills the connection) and replays every setup hook, so
 * publishers and consumers come back without their owners noticing. It never throws from start();
 * readiness is `isConnected()`. A `memory:` URL connects to the in-process bus (standalone mode)
 * instead of RabbitMQ, with the same hooks and lifecycle.
 */
export class AmqpClient {
  private connection: ChannelModel | undefined;
  private readonly setups: SetupHook[] = [];
  private readonly teardowns: TeardownHook[] = [];
  private readonly logger: MessagingLogger;
  private closing = false;
  private started = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private connectedWaiters: Array<() => void> = [];

  constructor(private readonly options: AmqpClientOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  isConnected(): boolean {
    return this.connection !== undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.connectLoop();
  }

  /** Registers a hook for every future connection and runs it now when connected. */
  async addSetup(hook: SetupHook): Promise<void> {
    this.setups.push(hook);
    if (this.connection) await this.runHook(this.connection, hook);
  }

  /** Called synchronously when the connection is lost, before any reconnect. */
  onDisconnect(hook: TeardownHook): void {
    this.teardowns.push(hook);
  }

  /** Resolves once connected (and every setup hook has run), or rejects after the timeout. */
  waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.connection) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`${this.options.name}: broker not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.connectedWaiters.push(done);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      try {
        await connection.close();
      } catch {
        // already closed by the broker: nothing left to release
      }
    }
  }

  private async connectLoop(): Promise<void> {
    if (this.closing) return;
    let connection: ChannelModel | undefined;
    try {
      connection = isMemoryBusUrl(this.options.url)
        ? await connectMemoryBus(this.options.url)
        : await connect(this.options.url, {
            clientProperties: { connection_name: this.options.name },
            timeout: 5000,
            // Without it Nagle's algorithm holds a small frame (a publish, an ack) while an earlier
            // one is unacknowledged, and the broker's delayed ACK makes that tens of milliseconds:
            // every confirm and every dispatch waited for it (ADR 0013).
            noDelay: true,
          });
      connection.on('error', (error: Error) =>
        this.logger.warn(`broker connection error: ${error.message}`, 'AmqpClient'),
      );
      connection.on('close', () => this.handleLoss(connection));
      for (const hook of this.setups) await this.runHook(connection, hook);
      if (this.closing) {
        await connection.close().catch(() => undefined);
        return;
      }
      this.connection = connection;
      this.attempt = 0;
      this.logger.log('connected to the broker', 'AmqpClient');
      const waiters = this.connectedWaiters;
      this.connectedWaiters = [];
      for (const waiter of waiters) waiter();
    } catch (error) {
      this.logger.warn(`broker not reachable: ${(error as Error).message}`, 'AmqpClient');
      if (connection) await connection.close().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private async runHook(connection: ChannelModel, hook: SetupHook): Promise<void> {
    await hook(connection);
  }

  private handleLoss(lost: ChannelModel | undefined): void {
    if (this.connection !== lost) return;
    this.connection = undefined;
    for (const teardown of this.teardowns) {
      try {
        teardown();
      } catch (error) {
        this.logger.error(`teardown failed: ${(error as Error).message}`, 'AmqpClient');
      }
    }
    if (this.closing) return;
    this.logger.warn('broker connection lost; reconnecting', 'AmqpClient');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const min = this.options.minReconnectDelayMs ?? 200;
    const max = this.options.maxReconnectDelayMs ?? 5000;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempt, 10));
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => void this.connectLoop(), delay);
    this.reconnectTimer.unref?.();
  }
}
