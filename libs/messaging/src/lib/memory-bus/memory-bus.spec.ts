import { AsyncLocalStorage } from 'node:async_hooks';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import { AmqpClient } from '../amqp-client';
import { connectMemoryBus, dropMemoryBroker, isMemoryBusUrl, memoryBrokerName } from './registry';

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Bounded polling over event-loop turns (the bus delivers on later turns, never inside a call). */
async function until<T>(check: () => T | Promise<T>, what: string, turns = 2000): Promise<Truthy<T>> {
  for (let i = 0; i < turns; i += 1) {
    const value = await check();
    if (value) return value as Truthy<T>;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`not within ${turns} turns: ${what}`);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const body = (message: Message | null | false) => (message ? message.content.toString() : String(message));

let brokerNumber = 0;
let url: string;
const opened: ChannelModel[] = [];

async function connection(to = url): Promise<ChannelModel> {
  const model = await connectMemoryBus(to);
  opened.push(model);
  return model;
}

async function channel(): Promise<Channel> {
  return (await connection()).createChannel();
}

/** Collects deliveries; `noAck: false` unless said otherwise. */
async function consumer(ch: Channel, queue: string, noAck = false): Promise<ConsumeMessage[]> {
  const received: ConsumeMessage[] = [];
  await ch.consume(queue, (message) => message && received.push(message), { noAck });
  return received;
}

const QUORUM = (limit: number, deadQueue: string) => ({
  durable: true,
  arguments: {
    'x-queue-type': 'quorum',
    'x-delivery-limit': limit,
    'x-dead-letter-exchange': 'dead',
    'x-dead-letter-routing-key': deadQueue,
  },
});

async function withDeadLetters(ch: Channel, limit: number): Promise<void> {
  await ch.assertExchange('dead', 'direct');
  await ch.assertQueue('q.dead', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue('q.dead', 'dead', 'q.dead');
  await ch.assertQueue('q', QUORUM(limit, 'q.dead'));
}

beforeEach(() => {
  brokerNumber += 1;
  url = `memory:spec_${brokerNumber}`;
});

afterEach(async () => {
  for (const model of opened.splice(0)) await model.close().catch(() => undefined);
  dropMemoryBroker(url);
});

describe('memory bus URLs', () => {
  it('names the default broker and named ones, and refuses other names', () => {
    expect(isMemoryBusUrl('memory:')).toBe(true);
    expect(isMemoryBusUrl('amqp://localhost')).toBe(false);
    expect(memoryBrokerName('memory:')).toBe('');
    expect(memoryBrokerName('memory:cf_t_ab12')).toBe('cf_t_ab12');
    expect(() => memoryBrokerName('memory:a/b')).toThrow(/broker name/);
  });
});

describe('routing', () => {
  it('routes a direct exchange by exact key, and the default exchange by queue name', async () => {
    const ch = await channel();
    await ch.assertExchange('tasks', 'direct');
    await ch.assertQueue('a');
    await ch.assertQueue('b');
    await ch.bindQueue('a', 'tasks', 'key.a');
    ch.publish('tasks', 'key.a', Buffer.from('1'));
    ch.publish('tasks', 'key.b', Buffer.from('lost'));
    ch.sendToQueue('b', Buffer.from('2'));
    expect((await ch.checkQueue('a')).messageCount).toBe(1);
    expect(body(await ch.get('a', { noAck: true }))).toBe('1');
    expect(body(await ch.get('b', { noAck: true }))).toBe('2');
    expect(await ch.get('a')).toBe(false);
  });

  it('matches topic patterns: * is one word, # any number of words', async () => {
    const ch = await channel();
    await ch.assertExchange('events', 'topic');
    const patterns: Record<string, string> = { star: 'job.*', hash: 'job.#', mid: '*.started.#', all: '#' };
    for (const [queue, pattern] of Object.entries(patterns)) {
      await ch.assertQueue(queue);
      await ch.bindQueue(queue, 'events', pattern);
    }
    for (const key of ['job', 'job.started', 'job.started.late', 'task.started', 'job.failed']) {
      ch.publish('events', key, Buffer.from(key));
    }
    const drain = async (queue: string) => {
      const keys: string[] = [];
      for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) {
        keys.push(body(m));
      }
      return keys;
    };
    expect(await drain('star')).toEqual(['job.started', 'job.failed']);
    expect(await drain('hash')).toEqual(['job', 'job.started', 'job.started.late', 'job.failed']);
    expect(await drain('mid')).toEqual(['job.started', 'job.started.late', 'task.started']);
    expect(await drain('all')).toHaveLength(5);
  });

  it('keeps each queue FIFO and copies the content at publish', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    const content = Buffer.from('a');
    ch.sendToQueue('q', content);
    content.write('z');
    for (let i = 1; i <= 50; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    const received = await consumer(ch, 'q', true);
    await until(() => received.length === 51, 'all 51 messages');
    expect(received.map(body)).toEqual(['a', ...Array.from({ length: 50 }, (_, i) => String(i + 1))]);
  });

  it('delivers on a later turn, never inside publish, and in bounded batches', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    const received = await consumer(ch, 'q', true);
    for (let i = 0; i < 2000; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    expect(received).toHaveLength(0);
    await turn();
    const afterOneTurn = received.length;
    await until(() => received.length === 2000, 'all 2000 messages');
    expect(afterOneTurn).toBeGreaterThan(0);
    expect(afterOneTurn).toBeLessThan(2000);
  });
});

describe('consumers', () => {
  it('holds at most the prefetch unacked per consumer, and delivers more as acks come', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    await ch.prefetch(2);
    for (let i = 1; i <= 5; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    const received = await consumer(ch, 'q');
    await until(() => received.length === 2, 'two deliveries');
    for (let i = 0; i < 20; i += 1) await turn();
    expect(received.map(body)).toEqual(['1', '2']);
    ch.ack(received[0]);
    await until(() => received.length === 3, 'a third delivery after an ack');
    for (let i = 0; i < 20; i += 1) await turn();
    expect(received).toHaveLength(3);
    expect((await ch.checkQueue('q')).messageCount).toBe(2);
  });

  it('hands a queue out round-robin over its consumers', async () => {
    const [first, second] = [await channel(), await channel()];
    await first.assertQueue('q');
    const a = await consumer(first, 'q', true);
    const b = await consumer(second, 'q', true);
    for (let i = 1; i <= 6; i += 1) first.sendToQueue('q', Buffer.from(String(i)));
    await until(() => a.length + b.length === 6, 'six deliveries');
    expect(a.map(body)).toEqual(['1', '3', '5']);
    expect(b.map(body)).toEqual(['2', '4', '6']);
    expect((await first.checkQueue('q')).consumerCount).toBe(2);
  });

  it('acks and nacks with allUpTo settle every earlier delivery of the channel', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    for (let i = 1; i <= 5; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    const received = await consumer(ch, 'q');
    await until(() => received.length === 5, 'five deliveries');
    expect(received.map((m) => m.fields.deliveryTag)).toEqual([1, 2, 3, 4, 5]);
    ch.ack(received[2], true); // 1, 2, 3
    ch.nack(received[4], true, true); // 4, 5 back
    await until(() => received.length === 7, 'the two nacked ones again');
    expect(received.slice(5).map(body)).toEqual(['4', '5']);
    expect(received.slice(5).every((m) => m.fields.redelivered)).toBe(true);
    ch.ack(received[6], true);
    await ch.close();
    const after = await channel();
    expect((await after.checkQueue('q')).messageCount).toBe(0);
  });

  it('closes the channel with 406 on an unknown delivery tag (a double ack)', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    ch.sendToQueue('q', Buffer.from('x'));
    const received = await consumer(ch, 'q');
    await until(() => received.length === 1, 'a delivery');
    const errors: Array<Error & { code?: number }> = [];
    ch.on('error', (error: Error) => errors.push(error));
    ch.ack(received[0]);
    ch.ack(received[0]);
    await until(() => errors.length === 1, 'the channel error');
    expect(errors[0].code).toBe(406);
    expect(errors[0].message).toMatch(/unknown delivery tag 1/);
    expect(() => ch.ack(received[0])).toThrow(/Channel closed/);
  });

  it('requeues what a closing channel held, as redelivered and counted, to the head of the queue', async () => {
    const ch = await channel();
    await withDeadLetters(ch, 5);
    for (let i = 1; i <= 3; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    const received = await consumer(ch, 'q');
    await until(() => received.length === 3, 'three deliveries');
    ch.sendToQueue('q', Buffer.from('4'));
    ch.ack(received[1]);
    const closed = new Promise((resolve) => ch.once('close', resolve));
    await ch.close();
    await closed;
    const other = await channel();
    const again = await consumer(other, 'q');
    await until(() => again.length === 3, 'the unacked ones and the new one');
    expect(again.map(body)).toEqual(['1', '3', '4']);
    expect(again.map((m) => m.fields.redelivered)).toEqual([true, true, false]);
    expect(again.map((m) => m.properties.headers?.['x-delivery-count'])).toEqual([1, 1, undefined]);
  });
});

describe('quorum delivery counting and dead letters', () => {
  it('counts nack-requeues in x-delivery-count and dead-letters past x-delivery-limit', async () => {
    const ch = await channel();
    await withDeadLetters(ch, 2);
    ch.sendToQueue('q', Buffer.from('poison'), { messageId: 'm1', headers: { mine: 'kept' } });
    const received = await consumer(ch, 'q');
    for (let delivery = 1; delivery <= 3; delivery += 1) {
      await until(() => received.length === delivery, `delivery ${delivery}`);
      ch.nack(received[delivery - 1], false, true);
    }
    expect(received.map((m) => m.properties.headers?.['x-delivery-count'])).toEqual([undefined, 1, 2]);
    expect(received.map((m) => m.fields.redelivered)).toEqual([false, true, true]);
    const dead = await until(() => ch.get('q.dead', { noAck: true }), 'the dead letter');
    expect(body(dead)).toBe('poison');
    expect(dead.properties.messageId).toBe('m1');
    expect(dead.properties.headers?.mine).toBe('kept');
    expect(dead.properties.headers?.['x-delivery-count']).toBeUndefined();
    expect(dead.properties.headers?.['x-death']).toEqual([
      expect.objectContaining({ count: 1, reason: 'delivery_limit', queue: 'q', 'routing-keys': ['q'] }),
    ]);
    expect(dead.properties.headers?.['x-first-death-reason']).toBe('delivery_limit');
    for (let i = 0; i < 10; i += 1) await turn();
    expect(received).toHaveLength(3);
  });

  it('dead-letters a nack without requeue as rejected; a classic queue without a DLX drops it', async () => {
    const ch = await channel();
    await withDeadLetters(ch, 20);
    await ch.assertQueue('plain');
    ch.sendToQueue('q', Buffer.from('refused'));
    ch.sendToQueue('plain', Buffer.from('dropped'));
    const first = await ch.get('q');
    const second = await ch.get('plain');
    if (!first || !second) throw new Error('both queues should hold a message');
    ch.nack(first, false, false);
    ch.nack(second, false, false);
    const dead = await ch.get('q.dead', { noAck: true });
    expect(dead && dead.properties.headers?.['x-death']?.[0]).toMatchObject({
      reason: 'rejected',
      queue: 'q',
    });
    expect((await ch.checkQueue('plain')).messageCount).toBe(0);
  });

  it('gives a classic queue redelivered but no delivery count', async () => {
    const ch = await channel();
    await ch.assertQueue('plain');
    ch.sendToQueue('plain', Buffer.from('x'));
    const received = await consumer(ch, 'plain');
    await until(() => received.length === 1, 'the delivery');
    ch.nack(received[0]);
    await until(() => received.length === 2, 'the redelivery');
    expect(received[1].fields.redelivered).toBe(true);
    expect(received[1].properties.headers?.['x-delivery-count']).toBeUndefined();
  });
});

describe('publisher confirms and returns', () => {
  async function confirmChannel(): Promise<ConfirmChannel> {
    return (await connection()).createConfirmChannel();
  }

  it('confirms each publish on a later turn, and waitForConfirms waits for them all', async () => {
    const ch = await confirmChannel();
    await ch.assertQueue('q');
    const confirmed: unknown[] = [];
    for (let i = 0; i < 3; i += 1)
      ch.sendToQueue('q', Buffer.from(String(i)), {}, (error) => confirmed.push(error));
    expect(confirmed).toEqual([]);
    await ch.waitForConfirms();
    expect(confirmed).toEqual([null, null, null]);
    expect((await ch.checkQueue('q')).messageCount).toBe(3);
  });

  it('returns an unroutable mandatory message before confirming it; a plain one is confirmed only', async () => {
    const ch = await confirmChannel();
    await ch.assertExchange('tasks', 'direct');
    const events: string[] = [];
    ch.on('return', (message: Message & { fields: { replyCode?: number } }) =>
      events.push(`return ${message.properties.messageId} ${message.fields.replyCode}`),
    );
    const publish = (id: string, mandatory: boolean) =>
      ch.publish('tasks', 'nowhere', Buffer.from(id), { messageId: id, mandatory }, (error) =>
        events.push(`confirm ${id} ${error === null ? 'ok' : 'failed'}`),
      );
    expect(publish('m', true)).toBe(true);
    publish('p', false);
    await ch.waitForConfirms();
    expect(events).toEqual(['return m 312', 'confirm m ok', 'confirm p ok']);
  });

  it('closes the channel when publishing to a missing exchange, failing its confirm', async () => {
    const ch = await confirmChannel();
    const errors: Array<Error & { code?: number }> = [];
    ch.on('error', (error: Error) => errors.push(error));
    let outcome: unknown = 'pending';
    ch.publish('missing', 'k', Buffer.from('x'), {}, (error) => (outcome = error));
    await expect(ch.waitForConfirms()).rejects.toThrow(/channel closed/);
    expect(outcome).toBeInstanceOf(Error);
    expect(errors[0]?.code).toBe(404);
    expect(errors[0]?.message).toMatch(/no exchange 'missing'/);
  });
});

describe('queue operations', () => {
  it('counts ready messages and consumers, purges, and gets', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    for (let i = 1; i <= 4; i += 1) ch.sendToQueue('q', Buffer.from(String(i)));
    const held = await ch.get('q');
    expect(held && held.fields.messageCount).toBe(3);
    expect(await ch.checkQueue('q')).toEqual({ queue: 'q', messageCount: 3, consumerCount: 0 });
    expect(await ch.purgeQueue('q')).toEqual({ messageCount: 3 });
    if (!held) throw new Error('a message was expected');
    ch.nack(held); // held messages survive a purge
    expect((await ch.checkQueue('q')).messageCount).toBe(1);
    expect((await ch.assertQueue('q')).messageCount).toBe(1);
  });

  it('fails checkQueue of a missing queue as amqplib does: 404, and the channel closes', async () => {
    const ch = await channel();
    const events: string[] = [];
    ch.on('error', (error: Error & { code?: number }) => events.push(`error ${error.code}`));
    ch.on('close', () => events.push('close'));
    await expect(ch.checkQueue('nope')).rejects.toMatchObject({
      code: 404,
      message: expect.stringMatching(/NOT_FOUND - no queue 'nope' in vhost 'spec_\d+'/),
    });
    expect(events).toEqual(['error 404', 'close']);
    await expect(ch.assertQueue('q')).rejects.toThrow(/Channel closed/);
  });

  it('refuses to redeclare a queue with other arguments (406)', async () => {
    const ch = await channel();
    ch.on('error', () => undefined);
    await ch.assertQueue('q', QUORUM(20, 'q.dead'));
    await expect(ch.assertQueue('q', QUORUM(5, 'q.dead'))).rejects.toMatchObject({ code: 406 });
  });

  it('names a server-named exclusive queue and deletes it with its connection', async () => {
    const owner = await connection();
    const ch = await owner.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    expect(queue).toMatch(/^amq\.gen-/);
    const other = await channel();
    other.on('error', () => undefined);
    await expect(other.checkQueue(queue)).rejects.toMatchObject({ code: 405 });
    await owner.close();
    const third = await channel();
    third.on('error', () => undefined);
    await expect(third.checkQueue(queue)).rejects.toMatchObject({ code: 404 });
  });

  it('throws a clear error for what it does not implement', async () => {
    const ch = await channel();
    await expect(ch.assertExchange('h', 'headers')).rejects.toThrow(
      "memory bus: exchange type 'headers' is not supported",
    );
    await expect(ch.assertQueue('ttl', { messageTtl: 1000 })).rejects.toThrow(
      'memory bus: queue argument x-message-ttl is not supported',
    );
    await expect(ch.bindExchange('a', 'b', 'c')).rejects.toThrow('memory bus: bindExchange is not supported');
    expect((await ch.assertQueue('still-open')).queue).toBe('still-open');
  });
});

describe('brokers and connections', () => {
  it('shares a broker between connections to one URL and isolates named brokers', async () => {
    const first = await (await connection()).createChannel();
    const second = await (await connection()).createChannel();
    const elsewhere = await (await connection(`${url}_other`)).createChannel();
    elsewhere.on('error', () => undefined);
    await first.assertQueue('q');
    first.sendToQueue('q', Buffer.from('shared'));
    expect(body(await second.get('q', { noAck: true }))).toBe('shared');
    await expect(elsewhere.checkQueue('q')).rejects.toMatchObject({ code: 404 });
    dropMemoryBroker(`${url}_other`);
  });

  it('closes every connection of a dropped broker, and a new connect starts empty', async () => {
    const model = await connection();
    const ch = await model.createChannel();
    await ch.assertQueue('q');
    const closed = new Promise<Error | undefined>((resolve) => model.once('close', resolve));
    dropMemoryBroker(url);
    expect((await closed)?.message).toMatch(/CONNECTION_FORCED/);
    await expect(model.createChannel()).rejects.toThrow(/Connection closed/);
    const fresh = await channel();
    fresh.on('error', () => undefined);
    await expect(fresh.checkQueue('q')).rejects.toMatchObject({ code: 404 });
  });

  it('drives AmqpClient: setup hooks on connect, and again after the broker went away', async () => {
    const client = new AmqpClient({ url, name: 'spec', minReconnectDelayMs: 1, maxReconnectDelayMs: 5 });
    const setups: ChannelModel[] = [];
    let disconnects = 0;
    client.onDisconnect(() => (disconnects += 1));
    await client.addSetup(async (model) => {
      setups.push(model);
      await (await model.createChannel()).assertQueue('q');
    });
    client.start();
    await client.waitUntilConnected(1000);
    expect(setups).toHaveLength(1);
    dropMemoryBroker(url);
    expect(disconnects).toBe(1);
    await client.waitUntilConnected(1000);
    expect(setups).toHaveLength(2);
    expect(setups[1]).not.toBe(setups[0]);
    await client.close();
  });
});

describe('async context', () => {
  it('delivers outside the async context of the publish, as a network would', async () => {
    const ch = await channel();
    await ch.assertQueue('q');
    const store = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    await ch.consume('q', (message) => {
      seen.push(store.getStore());
      if (message) ch.ack(message);
    });
    // Nothing else is pending, so this publish is what schedules the delivery.
    for (let i = 0; i < 5; i += 1) await turn();
    store.run('the publisher transaction', () => ch.sendToQueue('q', Buffer.from('a')));
    await until(() => seen.length === 1, 'the delivery');
    expect(seen).toEqual([undefined]);
  });
});
