/**
 * What public/js/charts.js draws: a plain description of one chart, put in the canvas's data-chart
 * attribute (escaped like any attribute, read with JSON.parse: no inline script, CSP-safe).
 */
export interface ChartSeries {
  label: string;
  data: Array<number | null>;
  color: string;
  /** One colour per bar (a distribution coloured by score group). */
  colors?: string[];
  /** Points from fewer than 30 answers: drawn hollow, with a dashed line to them, so nobody reads them as firm. */
  lowSample?: boolean[];
  /** A shaded interval around the line, e.g. the 95 % margin of error. */
  band?: { label: string; lower: Array<number | null>; upper: Array<number | null> };
  axis?: 'y' | 'y2';
}

/** `max` left out: Chart.js picks a round maximum (counts). `step`: the distance between ticks. */
export interface ChartAxis { min: number; max?: number; step?: number; decimals: number; percent?: boolean; title?: string }

export interface ChartSpec {
  type: 'line' | 'bar';
  labels: string[];
  series: ChartSeries[];
  y: ChartAxis;
  y2?: ChartAxis;
  /** Intl locale for ticks and tooltips. */
  locale: string;
}

export function chartJson(spec: ChartSpec): string {
  return JSON.stringify(spec);
}
