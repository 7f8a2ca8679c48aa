import { DEAD_REASON_HEADER } from '@crawlflow/contracts';
import { MessagingModule } from '@crawlflow/messaging';
import { MetricsService, ObservabilityModule } from '@crawlflow/observability';
import {
  connectTestBroker,
  createTestDatabase,
  createTestVhost,
  TestDatabase,
  TestVhost,
  waitFor,
  testDbModule,
} from '@crawlflow/testing';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Channel, ChannelModel, ConsumeMessage, GetMessage } from 'amqplib';
import { ApiModule } from '../api.module';

@Module({})
class TestRoot {
  static forRoot(db: TestDatabase, vhost: TestVhost): DynamicModule {
    return {
      module: TestRoot,
      imports: [
        testDbModule(db),
        MessagingModule.forRoot({ url: vhost.url, name: 'triggers-int-spec' }),
        ObservabilityModule.forRoot({ app: 'orchestrator', logLevel: 'error' }),
        ApiModule.forRoot({ triggers: { prefetch: 50, retryPauseMs: 100, holdLimitMs: 1500 } }),
      ],
    };
  }
}

describe('trigger events', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let app: INestApplication;
  let connection: ChannelModel;
  let channel: Channel;
  let replyQueue: string;
  const replies = new Map<string, Record<string, unknown>>();
  let workflowId: string;

  const jobsWithKey = async (key: string): Promise<string[]> =>
    (
      await db.dataSource.query<Array<{ id: string }>>(
        'SELECT id FROM crawling_jobs WHERE idempotency_key = ?',
        [key],
      )
    ).map((row) => String(row.id));

  /** Publishes like any other service would: plain amqplib, no crawlflow code. */
  const publish = (body: string | object, correlationId?: string): void => {
    channel.publish(
      'crawl.triggers',
      'job.trigger',
      Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      {
        contentType: 'application/json',
        persistent: true,
        ...(correlationId ? { correlationId, replyTo: replyQueue } : {}),
      },
    );
  };

  /** A passive check on a channel of its own: a missing queue closes the channel it is asked on. */
  const consumersOf = async (queue: string): Promise<number> => {
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      return (await probe.checkQueue(queue)).consumerCount;
    } finally {
      await probe.close().catch(() => undefined);
    }
  };

  const replyTo = (correlationId: string): Promise<Record<string, unknown>> =>
    waitFor(() => replies.get(correlationId), { what: `the reply ${correlationId}` });

  beforeAll(async () => {
    db = await createTestDatabase();
    vhost = await createTestVhost();
    const inserted: { insertId: number } = await db.dataSource.query(
      "INSERT INTO crawling_workflows (workflow_name, workflow_type, workflow_definition) VALUES ('triggered', 'INCREMENTAL', ?)",
      [
        JSON.stringify({
          steps: [{ name: 'f', type: 'FETCH', config: { url_pattern: 'http://127.0.0.1/' } }],
        }),
      ],
    );
    workflowId = String(inserted.insertId);
    app = await NestFactory.create(TestRoot.forRoot(db, vhost), { logger: false });
    await app.init();
    connection = await connectTestBroker(vhost.url);
    channel = await connection.createChannel();
    channel.on('error', () => undefined);
    replyQueue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.consume(
      replyQueue,
      (message: ConsumeMessage | null) => {
        if (message)
          replies.set(String(message.properties.correlationId), JSON.parse(message.content.toString()));
      },
      { noAck: true },
    );
    await waitFor(async () => (await consumersOf('crawl.triggers.jobs')) === 1, {
      what: 'the trigger consumer',
    });
  });

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await app?.close();
    await db?.drop();
    await vhost?.delete();
  });

  it('creates one job per event, and one only per idempotency key', async () => {
    publish({ workflow_id: workflowId, idempotency_key: 'trig-1', priority: 8, params: { q: 'x' } });
    await waitFor(async () => (await jobsWithKey('trig-1')).length === 1, { what: 'the triggered job' });
    const [job] = await db.dataSource.query<Array<Record<string, unknown>>>(
      "SELECT * FROM crawling_jobs WHERE idempotency_key = 'trig-1'",
    );
    expect(job).toMatchObject({
      status: 'PENDING',
      priority: 8,
      job_type: 'INCREMENTAL',
      params: '{"q":"x"}',
    });

    publish({ workflow_name: 'triggered', idempotency_key: 'trig-2' }, 'dup-a');
    publish({ workflow_name: 'triggered', idempotency_key: 'trig-2' }, 'dup-b');
    const [a, b] = await Promise.all([replyTo('dup-a'), replyTo('dup-b')]);
    expect(await jobsWithKey('trig-2')).toHaveLength(1);
    expect(a.job_id).toBe(b.job_id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
  });

  it('answers reply_to with the job id and the correlation id', async () => {
    publish({ workflow_id: workflowId, idempotency_key: 'trig-reply' }, 'corr-42');
    const reply = await replyTo('corr-42');
    expect(reply).toEqual({ job_id: (await jobsWithKey('trig-reply'))[0], created: true });
  });

  it('dead-letters invalid events with their reason and keeps consuming', async () => {
    publish('this is { not json');
    publish({ workflow_id: '999999', idempotency_key: 'trig-dead-1' });
    publish({ workflow_name: 'no such workflow' });
    publish({ workflow_id: workflowId, priority: 'high' }, 'bad-shape');
    const dead: GetMessage[] = [];
    await waitFor(
      async () => {
        const message = await channel.get('crawl.triggers.dead', { noAck: true });
        if (message) dead.push(message);
        return dead.length === 4;
      },
      { what: 'four dead letters' },
    );
    const reasons = dead.map((message) => String(message.properties.headers?.[DEAD_REASON_HEADER]));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('not JSON'),
        expect.stringContaining('workflow 999999 does not exist'),
        expect.stringContaining('no active workflow named "no such workflow"'),
        expect.stringContaining('$.priority'),
      ]),
    );
    expect(dead.map((message) => message.content.toString())).toContain('this is { not json');
    expect((await replyTo('bad-shape')).error).toContain('$.priority');
    expect(await jobsWithKey('trig-dead-1')).toEqual([]);

    publish({ workflow_id: workflowId, idempotency_key: 'trig-after' }, 'after');
    expect((await replyTo('after')).created).toBe(true);
    expect(await consumersOf('crawl.triggers.jobs')).toBe(1);
  });

  it('holds events while the database refuses them, recycling them past the hold limit, never nacking or dead-lettering them', async () => {
    // The table out of the way stands in for a database outage: every insert fails, not the event.
    await db.dataSource.query('RENAME TABLE crawling_jobs TO crawling_jobs_away');
    let renamed = true;
    try {
      publish({ workflow_id: workflowId, idempotency_key: 'trig-outage' }, 'outage');
      await waitFor(
        async () => /outcome="held"[^}]*\} [2-9]/.test((await app.get(MetricsService).render()).body),
        { what: 'two attempts held' },
      );
      // Held past the hold limit (1.5 s here, 15 min by default): an identical copy goes to the end of
      // the queue and the original is acked, so the broker's consumer timeout never takes it back.
      await waitFor(
        async () => /outcome="recycled"[^}]*\} [1-9]/.test((await app.get(MetricsService).render()).body),
        { what: 'the held event put back as a copy' },
      );
      expect(await channel.get('crawl.triggers.dead', { noAck: true })).toBe(false);
      await db.dataSource.query('RENAME TABLE crawling_jobs_away TO crawling_jobs');
      renamed = false;
      expect(await replyTo('outage')).toMatchObject({ created: true });
      expect(await jobsWithKey('trig-outage')).toHaveLength(1);
    } finally {
      if (renamed) await db.dataSource.query('RENAME TABLE crawling_jobs_away TO crawling_jobs');
    }
  });

  it('counts the outcomes on /metrics', async () => {
    const metrics = await app.get(MetricsService).render();
    expect(metrics.body).toMatch(/crawlflow_trigger_events_total\{[^}]*outcome="created"[^}]*\} 5/);
    expect(metrics.body).toMatch(/crawlflow_trigger_events_total\{[^}]*outcome="duplicate"[^}]*\} 1/);
    expect(metrics.body).toMatch(/crawlflow_trigger_events_total\{[^}]*outcome="dead"[^}]*\} 4/);
  });
});
