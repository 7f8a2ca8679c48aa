import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

interface ChartProps {
  /** Unix seconds, ascending. */
  times: number[];
  series: ChartSeries[];
  height?: number;
  /** The chart's accessible name. */
  title: string;
  format?: (value: number) => string;
  /** Step line for values that hold until the next point (intervals). */
  stepped?: boolean;
  /** A fixed value range (e.g. 0–100 for percentages); otherwise from the data. */
  range?: [number, number];
}

/** A small time-series chart (uPlot) that fills its container's width. */
export function Chart({ times, series, height = 90, title, format, stepped, range }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawable = times.length >= 2;
  const shape = `${drawable ? 1 : 0}:${series.map((s) => s.label).join('|')}:${height}:${stepped ? 1 : 0}:${range?.join('-') ?? ''}`;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(120, element.clientWidth),
      height,
      // The figures beside each chart say what it shows; a legend would only repeat them.
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: range
          ? { range }
          : { range: (_u, min, max) => [Math.min(0, min), max > min ? max * 1.15 : min + 1] },
      },
      axes: [
        { stroke: '#5b6472', grid: { show: false }, size: 28, font: '11px system-ui' },
        {
          stroke: '#5b6472',
          grid: { stroke: '#eef0f3' },
          size: 48,
          font: '11px system-ui',
          values: (_u, ticks) => ticks.map((tick) => (format ? format(tick) : String(tick))),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: `${s.color}22`,
          spanGaps: false,
          points: { show: true, size: 6 },
          paths: stepped ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
          value: (_u: uPlot, value: number | null) =>
            value === null ? '—' : format ? format(value) : String(value),
        })),
      ],
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(120, element.clientWidth), height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series' shape changes; new data goes through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  // A line needs two points in time: until then the chart says so instead of spanning years.
  if (!drawable) {
    return (
      <p class="muted small chart chart-wait" role="img" aria-label={title}>
        Collecting samples…
      </p>
    );
  }
  return <div class="chart" ref={host} role="img" aria-label={title} />;
}
