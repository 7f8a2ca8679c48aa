import type { Channel, Message } from 'amqplib';
import { AckBatcher } from './ack-batcher';

function delivery(tag: number): Message {
  return { fields: { deliveryTag: tag }, properties: {}, content: Buffer.alloc(0) } as unknown as Message;
}

function fakeChannel(): { channel: Channel; acks: Array<[number, boolean]> } {
  const acks: Array<[number, boolean]> = [];
  const channel = {
    ack: (message: Message, allUpTo?: boolean) => acks.push([message.fields.deliveryTag, allUpTo ?? false]),
  } as unknown as Channel;
  return { channel, acks };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AckBatcher', () => {
  it('acks a settled run from the oldest delivery with one multiple frame', async () => {
    const { channel, acks } = fakeChannel();
    const batcher = new AckBatcher(channel);
    const messages = [1, 2, 3, 4, 5].map(delivery);
    messages.forEach((m) => batcher.received(m));
    messages.slice(0, 4).forEach((m) => batcher.ack(m));
    expect(acks).toEqual([]); // nothing before the turn ends
    await nextTurn();
    expect(acks).toEqual([[4, true]]);
    batcher.ack(messages[4]);
    await nextTurn();
    expect(acks).toEqual([
      [4, true],
      [5, false],
    ]);
  });

  it('acks deliveries behind an unsettled one one by one, never the unsettled one', async () => {
    const { channel, acks } = fakeChannel();
    const batcher = new AckBatcher(channel);
    const messages = [1, 2, 3, 4].map(delivery);
    messages.forEach((m) => batcher.received(m));
    [messages[0], messages[2], messages[3]].forEach((m) => batcher.ack(m));
    await nextTurn();
    expect(acks).toEqual([
      [1, false],
      [3, false],
      [4, false],
    ]);
    batcher.ack(messages[1]);
    await nextTurn();
    expect(acks.at(-1)).toEqual([2, false]);
  });

  it('does not hold acks behind a delivery it was told to forget (nacked)', async () => {
    const { channel, acks } = fakeChannel();
    const batcher = new AckBatcher(channel);
    const messages = [1, 2, 3].map(delivery);
    messages.forEach((m) => batcher.received(m));
    batcher.forget(messages[0]);
    batcher.ack(messages[1]);
    batcher.ack(messages[2]);
    await nextTurn();
    expect(acks).toEqual([[3, true]]);
  });

  it('swallows a closed channel on the scheduled flush (the broker requeues)', async () => {
    const channel = {
      ack: () => {
        throw new Error('Channel closed');
      },
    } as unknown as Channel;
    const batcher = new AckBatcher(channel);
    const message = delivery(1);
    batcher.received(message);
    batcher.ack(message);
    await expect(nextTurn()).resolves.toBeUndefined();
  });
});
