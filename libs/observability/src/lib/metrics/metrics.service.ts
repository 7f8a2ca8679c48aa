import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Metric,
  Registry,
} from 'prom-client';

/**
 * The app's Prometheus registry: process metrics plus whatever the app's modules register. Every
 * series carries an `app` label. The helpers return the metric already registered under a name, so
 * two providers (or a provider built twice in tests) can ask for the same counter safely.
 * ObservabilityModule provides it (inject it by its class).
 */
export class MetricsService {
  readonly registry = new Registry();

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = string>(config: CounterConfiguration<L>): Counter<L> {
    return this.getOrCreate(
      config.name,
      Counter,
      () => new Counter({ ...config, registers: [this.registry] }),
    );
  }

  gauge<L extends string = string>(config: GaugeConfiguration<L>): Gauge<L> {
    return this.getOrCreate(config.name, Gauge, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  histogram<L extends string = string>(config: HistogramConfiguration<L>): Histogram<L> {
    return this.getOrCreate(
      config.name,
      Histogram,
      () => new Histogram({ ...config, registers: [this.registry] }),
    );
  }

  /** The text exposition format, for `GET /metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private getOrCreate<M extends Metric>(
    name: string,
    // prom-client's metric constructors take per-type configs; only `instanceof` is needed here.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    kind: abstract new (...args: any[]) => M,
    create: () => M,
  ): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (!(existing instanceof kind)) {
      throw new Error(
        `metric "${name}" is already registered as a ${existing.constructor.name}, not a ${kind.name}`,
      );
    }
    return existing;
  }
}
