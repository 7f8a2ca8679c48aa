import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('serves process metrics labelled with the app', async () => {
    const metrics = new MetricsService('fetch-worker');
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toMatch(/^process_cpu_seconds_total\{app="fetch-worker"\} \d/m);
  });

  it('returns the metric already registered under a name', async () => {
    const metrics = new MetricsService('store-worker');
    const first = metrics.counter({
      name: 'items_stored_total',
      help: 'Items upserted',
      labelNames: ['workflow'],
    });
    const again = metrics.counter({
      name: 'items_stored_total',
      help: 'Items upserted',
      labelNames: ['workflow'],
    });
    expect(again).toBe(first);
    first.inc({ workflow: 'shop' }, 2);
    expect((await metrics.render()).body).toContain(
      'items_stored_total{workflow="shop",app="store-worker"} 2',
    );
  });

  it('keeps registries of two instances apart', async () => {
    const a = new MetricsService('a');
    const b = new MetricsService('b');
    a.gauge({ name: 'queue_depth', help: 'Depth' }).set(3);
    expect((await b.render()).body).not.toContain('queue_depth');
    expect(b.gauge({ name: 'queue_depth', help: 'Depth' })).not.toBe(
      a.gauge({ name: 'queue_depth', help: 'Depth' }),
    );
  });

  it('refuses to hand out a metric of another type under a taken name', () => {
    const metrics = new MetricsService('parse-worker');
    metrics.histogram({ name: 'parse_seconds', help: 'Parse time', buckets: [0.1, 1] });
    expect(() => metrics.counter({ name: 'parse_seconds', help: 'Parse time' })).toThrow(
      'metric "parse_seconds" is already registered as a Histogram, not a Counter',
    );
  });
});
