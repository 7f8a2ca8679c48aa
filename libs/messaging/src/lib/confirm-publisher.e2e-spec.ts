import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestVhost, describeOnRabbitMq, TestVhost, waitFor } from '@crawlflow/testing';
import { AmqpClient } from './amqp-client';
import { ConfirmPublisher } from './confirm-publisher';
import { silentLogger } from './logger';

const run = promisify(execFile);

jest.setTimeout(120_000);

/**
 * A broker that blocks publishers (a memory alarm: set here by lowering the watermark, so this runs
 * in the serial e2e tier) never leaves a publish waiting for ever, nor does a message no queue takes
 * count as published.
 */
describeOnRabbitMq('ConfirmPublisher at the broker’s limits', () => {
  let vhost: TestVhost;
  let client: AmqpClient;
  let publisher: ConfirmPublisher;

  const watermark = (value: string): Promise<unknown> =>
    run('rabbitmqctl', ['-q', 'set_vm_memory_high_watermark', value], { timeout: 30_000 });

  beforeAll(async () => {
    vhost = await createTestVhost();
    client = new AmqpClient({ url: vhost.url, name: 'confirm-publisher-e2e', logger: silentLogger });
    publisher = new ConfirmPublisher(client, {
      setup: async (channel) => {
        await channel.assertQueue('limits.q', { durable: true });
      },
      confirmTimeoutMs: 2000,
    });
    await publisher.start();
    client.start();
    await client.waitUntilConnected(15_000);
    await waitFor(() => publisher.isReady(), { what: 'the publisher channel' });
  });

  afterAll(async () => {
    await watermark('0.4');
    await client?.close();
    await vhost?.delete();
  });

  const message = (routingKey: string) => ({ exchange: '', routingKey, content: Buffer.from('{}') });

  it('refuses a message no queue takes instead of confirming it into nowhere', async () => {
    await expect(publisher.publishAll([message('no.such.queue')])).rejects.toThrow(/unroutable/);
    await expect(publisher.publishAll([message('limits.q')])).resolves.toBeUndefined();
  });

  it('gives up on confirms after the deadline while the broker blocks publishers, and recovers after', async () => {
    await watermark('0.0000001');
    try {
      const started = Date.now();
      // Either the broker says it blocks us first (refused at once) or the confirm never comes.
      await expect(publisher.publishAll([message('limits.q')])).rejects.toThrow(
        /blocks publishers|no confirm/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      await waitFor(() => !publisher.isReady(), {
        timeoutMs: 10_000,
        what: 'the publisher to see the block',
      });
    } finally {
      await watermark('0.4');
    }
    await waitFor(() => publisher.isReady(), { timeoutMs: 30_000, what: 'the block to lift' });
    await waitFor(
      async () => {
        await publisher.publishAll([message('limits.q')]);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'a publish to be confirmed again' },
    );
  });
});
