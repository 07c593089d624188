import path from 'node:path';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type ScriptableLineSegmentContext } from 'chart.js';
import { t } from '../../i18n';
import type { MetricKind } from '../metrics';
import { KIND_COLOR, KIND_LABEL } from '../dashboard';
import type { Formatter } from '../../web/format';

/**
 * The digest's 12-week trend as a PNG, drawn on the server by Chart.js on a Skia canvas (@napi-rs/canvas
 * ships its binary in an npm package). One panel per metric, stacked, each with its 95 % margin-of-error
 * band; low-sample weeks are hollow points reached by a dashed line. Text is set in Be Vietnam Pro (from
 * an npm package too), which has every Vietnamese diacritic: system fonts may not, and a missing glyph
 * would print as a box.
 */

const FONT_FAMILY = 'Be Vietnam Pro';
const fontDir = path.dirname(require.resolve('@expo-google-fonts/be-vietnam-pro/package.json'));
GlobalFonts.registerFromPath(path.join(fontDir, '400Regular/BeVietnamPro_400Regular.ttf'), FONT_FAMILY);
GlobalFonts.registerFromPath(path.join(fontDir, '600SemiBold/BeVietnamPro_600SemiBold.ttf'), FONT_FAMILY);
Chart.register(...registerables);

/**
 * Drawn at twice the size it is shown (520 px wide in the email) so it stays sharp on dense screens; the
 * text is large enough to stay legible when a phone shrinks the image to its width.
 */
const SCALE = 2;
export const CHART_WIDTH = 520;
const PANEL_HEIGHT = 200;

export interface TrendPanel {
  kind: MetricKind;
  labels: string[];
  scores: Array<number | null>;
  lower: Array<number | null>;
  upper: Array<number | null>;
  lowSample: boolean[];
}

const AXIS: Record<MetricKind, { min: number; max: number; step: number; decimals: number }> = {
  nps: { min: -100, max: 100, step: 10, decimals: 0 },
  csat: { min: 0, max: 100, step: 10, decimals: 0 },
  ces: { min: 1, max: 7, step: 0.5, decimals: 1 },
};

/** The y range that holds the line and its band, on the tick grid, within the scale: small moves stay visible. */
function fitAxis(kind: MetricKind, values: number[]): { min: number; max: number; step: number } {
  const a = AXIS[kind];
  if (values.length === 0) return a;
  let min = Math.max(a.min, Math.floor(Math.min(...values) / a.step) * a.step);
  let max = Math.min(a.max, Math.ceil(Math.max(...values) / a.step) * a.step);
  if (max - min < 2 * a.step) {
    min = Math.max(a.min, min - a.step);
    max = Math.min(a.max, max + a.step);
  }
  // No more than about six ticks on a panel this small.
  const step = a.step * Math.max(1, Math.ceil((max - min) / a.step / 6));
  return { min, max, step };
}

function panelConfig(panel: TrendPanel, fmt: Formatter): ChartConfiguration<'line'> {
  const color = KIND_COLOR[panel.kind];
  const present = [...panel.scores, ...panel.lower, ...panel.upper].filter((v): v is number => v !== null);
  const y = fitAxis(panel.kind, present);
  const tick = (value: number) => (panel.kind === 'csat' ? fmt.percent(value, 0) : fmt.number(value, AXIS[panel.kind].decimals, panel.kind === 'nps'));
  const dashed = (ctx: ScriptableLineSegmentContext) => (panel.lowSample[ctx.p0DataIndex] || panel.lowSample[ctx.p1DataIndex] ? [5 * SCALE, 4 * SCALE] : undefined);
  return {
    type: 'line',
    data: {
      labels: panel.labels,
      datasets: [
        { label: 'lower', data: panel.lower, borderWidth: 0, pointRadius: 0, fill: false, spanGaps: true },
        {
          label: t(fmt.locale, 'metrics.moeBand'), data: panel.upper, borderWidth: 0, pointRadius: 0, spanGaps: true,
          fill: '-1', backgroundColor: `${color}29`,
        },
        {
          label: KIND_LABEL[panel.kind], data: panel.scores, borderColor: color, borderWidth: 2.5 * SCALE, spanGaps: true,
          pointRadius: 3.5 * SCALE, pointBorderWidth: 2 * SCALE, pointBorderColor: color,
          pointBackgroundColor: panel.lowSample.map((low) => (low ? '#ffffff' : color)),
          segment: { borderDash: dashed },
        },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { top: 4 * SCALE, right: 12 * SCALE, bottom: 0, left: 4 * SCALE } },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false },
        title: {
          display: true, align: 'start', text: t(fmt.locale, 'digest.chartTitle', { metric: KIND_LABEL[panel.kind] }),
          color: '#1d2433', font: { family: FONT_FAMILY, size: 16 * SCALE, weight: 600 }, padding: { top: 2 * SCALE, bottom: 6 * SCALE },
        },
      },
      scales: {
        x: {
          grid: { display: false },
          ticks: { color: '#5b6478', font: { family: FONT_FAMILY, size: 13 * SCALE }, maxRotation: 0, autoSkip: true, autoSkipPadding: 6 * SCALE, padding: 6 * SCALE },
        },
        y: {
          min: y.min, max: y.max,
          grid: { color: '#e6e9f0', lineWidth: SCALE },
          border: { display: false },
          ticks: { stepSize: y.step, color: '#5b6478', font: { family: FONT_FAMILY, size: 13 * SCALE }, callback: (v) => tick(Number(v)) },
        },
      },
    },
  };
}

/** One PNG holding a panel per metric, top to bottom. */
export function renderTrendChart(panels: TrendPanel[], fmt: Formatter): Buffer {
  const width = CHART_WIDTH * SCALE;
  const panelHeight = PANEL_HEIGHT * SCALE;
  const gap = 14 * SCALE;
  const canvas = createCanvas(width, panels.length * panelHeight + Math.max(0, panels.length - 1) * gap);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  panels.forEach((panel, i) => {
    const part = createCanvas(width, panelHeight);
    const partCtx = part.getContext('2d');
    partCtx.fillStyle = '#ffffff';
    partCtx.fillRect(0, 0, width, panelHeight);
    // Chart.js draws on any object shaped like a 2D context; Skia's is one.
    const chart = new Chart(partCtx as unknown as ChartItem, panelConfig(panel, fmt));
    (ctx as SKRSContext2D).drawImage(part, 0, i * (panelHeight + gap));
    // After drawing: destroying the chart clears its canvas.
    chart.destroy();
  });
  return canvas.toBuffer('image/png');
}

/** The height the chart is shown at when it is `CHART_WIDTH` wide. */
export function chartHeight(panels: number): number {
  return panels * PANEL_HEIGHT + Math.max(0, panels - 1) * 14;
}
