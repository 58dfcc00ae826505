// Small charts in plain SVG, drawn by the page itself: stacked bars per
// minute, lines with gaps, and a meter against a limit. The SVG holds shapes
// only; every number a person reads is HTML text beside it, so charts stay
// legible at phone width and screen readers get the values. The layout
// functions are DOM-free and unit-tested under Node.

const NS = 'http://www.w3.org/2000/svg';

/** The drawing area of every chart, in viewBox units (it scales to its box). */
export const WIDTH = 600;
export const HEIGHT = 120;

/** A round axis maximum at or above `value`: 1, 2 or 5 × 10ⁿ (at least 1). */
export function niceMax(value) {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

/**
 * Stacked bars, one slot per row. `rows` are objects of numbers, `keys` the
 * series in stacking order (bottom first). Returns the axis maximum and per
 * slot `{index, x, width, total, segments: [{key, value, y, height}]}`; empty
 * segments are left out.
 */
export function stackLayout(rows, keys, { width = WIDTH, height = HEIGHT, max } = {}) {
  const totals = rows.map((row) => keys.reduce((sum, k) => sum + (Number(row?.[k]) || 0), 0));
  const top = max || niceMax(Math.max(0, ...totals));
  const slot = width / Math.max(1, rows.length);
  const gap = slot > 4 ? Math.min(2, slot * 0.2) : 0;
  const bars = rows.map((row, i) => {
    let base = height;
    const segments = [];
    for (const key of keys) {
      const value = Number(row?.[key]) || 0;
      if (value <= 0) continue;
      const h = (value / top) * height;
      base -= h;
      segments.push({ key, value, y: base, height: h });
    }
    return { index: i, x: i * slot + gap / 2, width: slot - gap, total: totals[i], segments };
  });
  return { max: top, bars };
}

/**
 * Lines through the slots' centres; `null` values break a line. Returns the
 * axis maximum and per series the runs of `[x, y]` points.
 */
export function lineLayout(series, { width = WIDTH, height = HEIGHT, max } = {}) {
  const all = series.flatMap((s) => s.values.filter((v) => typeof v === 'number'));
  const top = max || niceMax(Math.max(0, ...all));
  const lines = series.map((s) => {
    const slot = width / Math.max(1, s.values.length);
    const runs = [];
    let run = null;
    s.values.forEach((v, i) => {
      if (typeof v !== 'number') {
        run = null;
        return;
      }
      if (!run) {
        run = [];
        runs.push(run);
      }
      run.push([i * slot + slot / 2, height - (Math.min(v, top) / top) * height]);
    });
    return { key: s.key, runs };
  });
  return { max: top, lines };
}

/** Milliseconds in words: `840 ms`, `2.3 s`, `4 min 5 s`; `–` for none. */
export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60000);
  const seconds = Math.round((ms % 60000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** An SVG element (attributes set as given; children appended). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

const round = (n) => Math.round(n * 10) / 10;

function frame(name, label) {
  return svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': label,
    'data-chart': name,
  },
  svg('line', { class: 'axis', x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5 }),
  svg('line', { class: 'grid', x1: 0, y1: HEIGHT / 2, x2: WIDTH, y2: HEIGHT / 2 }));
}

/** Stacked bars: `layout` from `stackLayout`; each segment is a `rect.bar.series-<key>`. */
export function barChart(name, label, layout, titleOf) {
  const chart = frame(name, label);
  for (const bar of layout.bars) {
    for (const seg of bar.segments) {
      chart.append(svg('rect', {
        class: `bar series-${seg.key}`,
        x: round(bar.x),
        y: round(seg.y),
        width: round(Math.max(bar.width, 0.5)),
        height: round(Math.max(seg.height, 1)),
        'data-value': seg.value,
      }, titleOf ? svg('title', {}, titleOf(bar, seg)) : null));
    }
  }
  return chart;
}

/** Lines: `layout` from `lineLayout`, with a dot on every point. */
export function lineChart(name, label, layout) {
  const chart = frame(name, label);
  for (const line of layout.lines) {
    for (const run of line.runs) {
      const points = run.map(([x, y]) => `${round(x)},${round(y)}`).join(' ');
      if (run.length > 1) {
        chart.append(svg('polyline', { class: `line series-${line.key}`, points, 'vector-effect': 'non-scaling-stroke' }));
      }
      for (const [x, y] of run) {
        // A zero-length round-capped line: a dot that stays round however the chart is stretched.
        chart.append(svg('line', {
          class: `point series-${line.key}`, x1: round(x), y1: round(y), x2: round(x), y2: round(y), 'vector-effect': 'non-scaling-stroke',
        }));
      }
    }
  }
  return chart;
}

/** A horizontal meter of `value` out of `limit`. */
export function meter(name, label, value, limit) {
  const share = limit > 0 ? Math.min(1, value / limit) : 0;
  const level = share >= 0.9 ? 'high' : share >= 0.6 ? 'mid' : 'low';
  return svg('svg', {
    class: 'meter',
    viewBox: '0 0 100 10',
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': label,
    'data-chart': name,
    'data-level': level,
  },
  svg('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10, rx: 2 }),
  svg('rect', { class: 'fill', x: 0, y: 0, width: round(share * 100), height: 10, rx: 2, 'data-value': value }));
}
