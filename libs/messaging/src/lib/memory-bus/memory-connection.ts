import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel, ConfirmChannel, Connection, ServerProperties } from 'amqplib';
import { IllegalOperationError, REPLY, unsupported } from './amqp-errors';
import type { BrokerConnection, MemoryBroker } from './memory-broker';
import { type ChannelHost, MemoryChannel } from './memory-channel';
import { MemoryConfirmChannel } from './memory-confirm-channel';

/** What amqplib's ChannelModel exposes as `connection`: informational only here. */
class MemoryConnectionInfo extends EventEmitter implements Connection {
  readonly serverProperties: ServerProperties = {
    host: 'in-process',
    product: 'crawlflow memory bus',
    version: '1',
    platform: `Node.js ${process.version}`,
    information: 'in-process broker for the standalone mode; nothing is persisted',
  };
  expectSocketClose = false;
  sentSinceLastCheck = false;
  recvSinceLastCheck = false;

  sendMessage(): never {
    throw unsupported('Connection.sendMessage');
  }
}

/**
 * amqplib's ChannelModel (a connection) to an in-process broker. Closing it closes its channels
 * (each requeues what it held) and deletes the exclusive queues it declared, then emits 'close'. When
 * the broker is dropped, it is closed by the server: 'close' with a CONNECTION_FORCED error, and no
 * 'error' (amqplib does not take 320 for fatal). It never emits 'blocked': there are no resource alarms.
 */
export class MemoryChannelModel extends EventEmitter implements ChannelModel, BrokerConnection {
  readonly connection: Connection = new MemoryConnectionInfo();
  private readonly channels = new Set<MemoryChannel>();
  private closed: string | undefined;
  private readonly host: ChannelHost;

  constructor(private readonly broker: MemoryBroker) {
    super();
    broker.attach(this);
    this.host = {
      broker,
      connection: this.connection,
      owner: this,
      channelClosed: (channel) => this.channels.delete(channel),
      // amqplib would throw it from its socket handler; here the connection's listeners hear it.
      unhandledError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    };
  }

  createChannel(): Promise<Channel> {
    return this.open(() => new MemoryChannel(this.host));
  }

  createConfirmChannel(): Promise<ConfirmChannel> {
    return this.open(() => new MemoryConfirmChannel(this.host));
  }

  close(): Promise<void> {
    if (this.closed !== undefined) {
      return Promise.reject(new IllegalOperationError(`Connection closed (${this.closed})`));
    }
    this.shutdown('by client', true);
    this.emit('close');
    return Promise.resolve();
  }

  updateSecret(): Promise<void> {
    return Promise.reject(unsupported('updateSecret'));
  }

  forceClose(reason: string): void {
    if (this.closed !== undefined) return;
    const error = Object.assign(
      new Error(
        `Connection closed: ${REPLY.connectionForced} (CONNECTION-FORCED) with message "CONNECTION_FORCED - ${reason}"`,
      ),
      { code: REPLY.connectionForced },
    );
    this.shutdown(error.message, false);
    this.emit('close', error);
  }

  private open<T extends MemoryChannel>(create: () => T): Promise<T> {
    if (this.closed !== undefined) {
      return Promise.reject(new IllegalOperationError(`Connection closed (${this.closed})`));
    }
    const channel = create();
    this.channels.add(channel);
    return Promise.resolve(channel);
  }

  private shutdown(reason: string, flush: boolean): void {
    this.closed = reason;
    for (const channel of [...this.channels]) channel.connectionClosed(flush);
    this.broker.detach(this);
  }
}
