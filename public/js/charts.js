/*
 * Draws every <canvas data-chart="…"> with Chart.js (served by the app at /static/vendor/chart.js/).
 * The chart's description is JSON in the data-chart attribute (escaped by the server like any
 * attribute, parsed here): no inline script, so the Content-Security-Policy stays strict. Pages work
 * without this file: every chart has a table equivalent, open by default and folded once the chart is drawn.
 */
(function () {
  'use strict';
  if (typeof window.Chart === 'undefined') return;

  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }

  function numberFormat(locale, axis) {
    var nf = new Intl.NumberFormat(locale, axis.percent
      ? { style: 'percent', maximumFractionDigits: axis.decimals }
      : { maximumFractionDigits: axis.decimals });
    return function (value) {
      if (value === null || value === undefined) return '–';
      return nf.format(axis.percent ? value / 100 : value);
    };
  }

  function scale(axis, locale, position, grid) {
    var format = numberFormat(locale, axis);
    return {
      position: position,
      min: axis.min,
      max: axis.max,
      grid: { display: grid, color: '#e8ecf3' },
      border: { display: false },
      title: axis.title ? { display: true, text: axis.title, color: '#5b6478' } : { display: false },
      ticks: { color: '#5b6478', stepSize: axis.step, precision: axis.decimals === 0 ? 0 : undefined, maxTicksLimit: axis.step ? 11 : 6, callback: function (value) { return format(value); } },
    };
  }

  /** Points {x, y, label} per series (importance against performance): both axes numeric, zero lines drawn. */
  function drawScatter(canvas, spec) {
    var fx = numberFormat(spec.locale, spec.x);
    var fy = numberFormat(spec.locale, spec.y);
    var box = canvas.closest('.chart-box');
    if (box) box.classList.add('drawn');
    var axis = function (a, format) {
      return {
        title: { display: true, text: a.title, color: '#5b6478' },
        grid: { color: function (ctx) { return ctx.tick && ctx.tick.value === 0 ? '#5b6478' : '#e8ecf3'; } },
        ticks: { color: '#5b6478', callback: function (v) { return format(v); } },
      };
    };
    // The drivers' names next to their points (the first series): a chart of anonymous dots says little.
    var names = {
      id: 'pointNames',
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        ctx.save();
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillStyle = '#1d2433';
        // On a narrow chart only the three most important get a name (the table has them all).
        var points = chart.data.datasets[0].data;
        var shown = points.map(function (p, i) { return i; }).sort(function (a, b) { return points[b].x - points[a].x; })
          .slice(0, chart.width < 560 ? 3 : points.length);
        var taken = [];
        var meta = chart.getDatasetMeta(0).data;
        shown.forEach(function (i) {
          var el = meta[i];
          var p = points[i];
          var w = ctx.measureText(p.label).width;
          var right = el.x + 8 + w > chart.chartArea.right;
          var x0 = right ? el.x - 8 - w : el.x + 8;
          var y = el.y - 6;
          // A name that would cover another moves down a line (a few tries), so names stay readable.
          for (var k = 0; k < 6 && taken.some(function (b) { return x0 < b.x1 && x0 + w > b.x0 && y - 12 < b.y1 && y > b.y0; }); k++) y += 14;
          taken.push({ x0: x0, x1: x0 + w, y0: y - 12, y1: y });
          ctx.textAlign = 'left';
          ctx.fillText(p.label, x0, y);
        });
        ctx.restore();
      },
    };
    new window.Chart(canvas, {
      type: 'scatter',
      plugins: [names],
      data: {
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.points, backgroundColor: s.color, borderColor: s.color, pointRadius: 6, pointHoverRadius: 8 };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: axis(spec.x, fx), y: axis(spec.y, fy) },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, color: '#1d2433' } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.raw.label + ': ρ ' + fx(ctx.raw.x) + ', ' + fy(ctx.raw.y); } } },
        },
      },
    });
    var figure = canvas.closest('figure');
    var table = figure && figure.querySelector('details.chart-table');
    if (table) table.removeAttribute('open');
  }

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute('data-chart'));
    } catch {
      return;
    }
    if (spec.type === 'scatter') return drawScatter(canvas, spec);
    var datasets = [];
    spec.series.forEach(function (s) {
      var axisId = s.axis || 'y';
      if (s.band) {
        // Two invisible lines, the upper one filled down to the lower: the margin-of-error band.
        datasets.push({ label: s.band.label, data: s.band.lower, isBand: true, yAxisID: axisId, borderWidth: 0, pointRadius: 0, pointHitRadius: 0, fill: false, spanGaps: true, order: 2 });
        datasets.push({ label: s.band.label, data: s.band.upper, isBand: true, yAxisID: axisId, borderWidth: 0, pointRadius: 0, pointHitRadius: 0, fill: '-1', backgroundColor: rgba(s.color, 0.16), spanGaps: true, order: 2 });
      }
      // Low-sample points (n < 30) are hollow and the line to them dashed: visible, but not firm.
      var weak = s.lowSample || [];
      datasets.push({
        label: s.label,
        data: s.data,
        yAxisID: axisId,
        borderColor: s.color,
        backgroundColor: s.colors || s.color,
        borderWidth: spec.type === 'line' ? 2.5 : 0,
        borderRadius: spec.type === 'bar' ? 3 : 0,
        pointRadius: spec.type === 'line' ? 3 : 0,
        pointBorderColor: s.color,
        pointBackgroundColor: s.data.map(function (_, i) { return weak[i] ? '#ffffff' : s.color; }),
        segment: { borderDash: function (ctx) { return weak[ctx.p0DataIndex] || weak[ctx.p1DataIndex] ? [5, 4] : undefined; } },
        tension: 0.25,
        spanGaps: true,
        order: 1,
      });
    });
    // Category lines get half a step at each end, so the first and last labels are not cut off.
    var scales = { x: { offset: spec.type === 'bar' || spec.labels.length <= 8, grid: { display: false }, ticks: { color: '#5b6478', maxRotation: 0, autoSkip: true } }, y: scale(spec.y, spec.locale, 'left', true) };
    if (spec.y2) scales.y2 = scale(spec.y2, spec.locale, 'right', false);
    var formats = { y: numberFormat(spec.locale, spec.y), y2: spec.y2 ? numberFormat(spec.locale, spec.y2) : null };
    var lines = spec.series.filter(function (s) { return !s.colors; }).length;
    // Shown before drawing, so Chart.js measures a visible box.
    var box = canvas.closest('.chart-box');
    if (box) box.classList.add('drawn');
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: scales,
        plugins: {
          legend: {
            display: lines > 1 || spec.series.some(function (s) { return s.band; }),
            position: 'bottom',
            labels: {
              boxWidth: 12,
              color: '#1d2433',
              // The band is one legend entry, not two.
              filter: function (item, data) {
                var ds = data.datasets[item.datasetIndex];
                return !ds.isBand || ds.fill === '-1';
              },
            },
          },
          tooltip: {
            filter: function (item) { return !item.dataset.isBand; },
            callbacks: {
              label: function (ctx) {
                var format = formats[ctx.dataset.yAxisID] || formats.y;
                return ctx.dataset.label + ': ' + format(ctx.parsed.y);
              },
            },
          },
        },
      },
    });
    // The chart is drawn: fold its table (still one click away for screen readers and exact figures).
    var figure = canvas.closest('figure');
    var table = figure && figure.querySelector('details.chart-table');
    if (table) table.removeAttribute('open');
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll('canvas[data-chart]'), draw);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
