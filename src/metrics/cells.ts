/**
 * Counters and histograms for the request path, cheaper than prom-client's own: a label set is
 * resolved once to a cell of plain numbers, and an observation is a bucket search and three
 * additions — no label object, hash or validation per call (prom-client's `labels()` children
 * still hash their labels on every observation: ~1-2 µs, a few % of a prediction). They are
 * registered in the same Registry and rendered by it, in the same text format.
 */
import type { Registry } from "prom-client";

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** What prom-client's Registry reads from a metric (registerMetric / getMetricsAsString). */
interface RegistryMetric {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ExportedValue[];
    aggregator: "sum";
  }>;
  reset(): void;
}

export interface HistogramCell {
  observe(value: number): void;
}

interface Cell extends HistogramCell {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array;
  count: number;
  sum: number;
}

export interface CellHistogram {
  /** The cell for one label set, made on first use and kept. */
  cell(labels: Record<string, string>): HistogramCell;
}

function makeCell(labels: Record<string, string>, bounds: readonly number[]): Cell {
  const buckets = new Float64Array(bounds.length + 1);
  const last = bounds.length;
  const cell: Cell = {
    labels,
    buckets,
    count: 0,
    sum: 0,
    observe(value: number) {
      let i = 0;
      while (i < last && value > (bounds[i] as number)) i++;
      buckets[i] = (buckets[i] as number) + 1;
      cell.count += 1;
      cell.sum += value;
    },
  };
  return cell;
}

const keyOf = (labelNames: readonly string[], labels: Record<string, string>) =>
  labelNames.map((n) => labels[n] ?? "").join("\u0000");

/**
 * A histogram of cells, plus (optionally) a counter of the same observations under its own
 * name — `modelgate_http_requests_total` is the count of the duration histogram's cells, so a
 * request is one observation, not two.
 */
export function cellHistogram(
  registry: Registry,
  options: {
    name: string;
    help: string;
    labelNames: readonly string[];
    buckets: readonly number[];
    counter?: { name: string; help: string };
  },
): CellHistogram {
  const bounds = [...options.buckets].sort((a, b) => a - b);
  const cells = new Map<string, Cell>();

  const histogram: RegistryMetric = {
    name: options.name,
    help: options.help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: ExportedValue[] = [];
      for (const c of cells.values()) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += c.buckets[i] as number;
          values.push({
            labels: { ...c.labels, le },
            value: cumulative,
            metricName: `${options.name}_bucket`,
          });
        });
        values.push({
          labels: { ...c.labels, le: "+Inf" },
          value: c.count,
          metricName: `${options.name}_bucket`,
        });
        values.push({ labels: c.labels, value: c.sum, metricName: `${options.name}_sum` });
        values.push({ labels: c.labels, value: c.count, metricName: `${options.name}_count` });
      }
      return {
        name: options.name,
        help: options.help,
        type: "histogram",
        values,
        aggregator: "sum",
      };
    },
    reset: () => cells.clear(),
  };
  registry.registerMetric(histogram as unknown as Parameters<Registry["registerMetric"]>[0]);

  const counter = options.counter;
  if (counter) {
    const total: RegistryMetric = {
      name: counter.name,
      help: counter.help,
      type: "counter",
      aggregator: "sum",
      async get() {
        const values = [...cells.values()].map((c) => ({ labels: c.labels, value: c.count }));
        return {
          name: counter.name,
          help: counter.help,
          type: "counter",
          values,
          aggregator: "sum",
        };
      },
      reset: () => cells.clear(),
    };
    registry.registerMetric(total as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  return {
    cell(labels) {
      const key = keyOf(options.labelNames, labels);
      let c = cells.get(key);
      if (!c) {
        c = makeCell(labels, bounds);
        cells.set(key, c);
      }
      return c;
    },
  };
}

/** A counter without labels whose `inc()` is one addition (prom-client's builds a label object). */
export function cellCounter(
  registry: Registry,
  options: { name: string; help: string },
): { inc(): void } {
  let value = 0;
  const metric: RegistryMetric = {
    name: options.name,
    help: options.help,
    type: "counter",
    aggregator: "sum",
    async get() {
      return {
        name: options.name,
        help: options.help,
        type: "counter",
        values: [{ labels: {}, value }],
        aggregator: "sum",
      };
    },
    reset: () => {
      value = 0;
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
  return {
    inc() {
      value += 1;
    },
  };
}
