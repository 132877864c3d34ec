// A timeline chart as plain SVG: queued and running queries (left axis) and executor groups (right axis) over time,
// one line per series. No charting dependency: the figure is a few polylines and labels.
import type { TimelinePoint } from './engine';

export interface ChartSeries {
  label: string;
  points: TimelinePoint[];
}

/** The time axis: its title, and with `startMs` (epoch ms of t = 0) clock times in UTC instead of elapsed time. */
export interface TimeAxis {
  label: string;
  startMs?: number;
}

function clockTime(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  return span >= 2 * 86400 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, span < 600 ? 19 : 16);
}

const W = 960;
const H = 360;
const M = { left: 56, right: 56, top: 36, bottom: 40 };
const PREWARM = '#ff7f00';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmtTime(s: number, span: number): string {
  if (span >= 2 * 86400) return `${(s / 86400).toFixed(1)}d`;
  if (span >= 2 * 3600) return `${(s / 3600).toFixed(span >= 12 * 3600 ? 0 : 1)}h`;
  return `${Math.round(s / 60)}m`;
}

/**
 * `main` gives queued and running (left axis, queries), groups (right axis) and its pre-warmings (ticks on the time
 * axis); `groups` adds more policies' group
 * counts for comparison (dashed, right axis).
 */
export function timelineSvg(
  title: string,
  main: ChartSeries,
  groups: ChartSeries[] = [],
  axis: TimeAxis = { label: 'simulated time' },
): string {
  const pts = main.points;
  const span = Math.max(1, ...pts.map((p) => p.t), ...groups.flatMap((g) => g.points.map((p) => p.t)));
  const maxQ = Math.max(1, ...pts.map((p) => Math.max(p.queued, p.running)));
  const maxG = Math.max(1, ...pts.map((p) => p.groups), ...groups.flatMap((g) => g.points.map((p) => p.groups)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + (t / span) * pw;
  const yQ = (v: number) => M.top + ph - (v / maxQ) * ph;
  const yG = (v: number) => M.top + ph - (v / maxG) * ph;
  // Step lines: each bucket's value holds until the next bucket.
  const line = (ps: TimelinePoint[], y: (p: TimelinePoint) => number) => {
    const out: string[] = [];
    let prevY: number | undefined;
    for (const p of ps) {
      const px = x(p.t).toFixed(1);
      const py = y(p).toFixed(1);
      if (prevY !== undefined) out.push(`${px},${prevY.toFixed(1)}`);
      out.push(`${px},${py}`);
      prevY = Number(py);
    }
    return out.join(' ');
  };
  const palette = ['#7b3294', '#008837', '#e66101', '#5e3c99', '#1b9e77'];
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  // Axes and ticks.
  parts.push(`<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#444"/>`);
  parts.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#444"/>`);
  parts.push(`<line x1="${M.left + pw}" y1="${M.top}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#444"/>`);
  for (let i = 0; i <= 6; i++) {
    const t = (span * i) / 6;
    const label = axis.startMs === undefined ? fmtTime(t, span) : clockTime(axis.startMs + t * 1000, span);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - 22}" text-anchor="middle">${label}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const q = (maxQ * i) / 4;
    const gv = (maxG * i) / 4;
    parts.push(`<text x="${M.left - 6}" y="${yQ(q) + 4}" text-anchor="end">${Math.round(q)}</text>`);
    parts.push(`<text x="${M.left + pw + 6}" y="${yG(gv) + 4}">${Number.isInteger(gv) ? gv : gv.toFixed(1)}</text>`);
    parts.push(`<line x1="${M.left}" y1="${yQ(q)}" x2="${M.left + pw}" y2="${yQ(q)}" stroke="#eee"/>`);
  }
  parts.push(
    `<text x="14" y="${M.top + ph / 2}" transform="rotate(-90 14 ${M.top + ph / 2})" text-anchor="middle">queries</text>`,
  );
  parts.push(
    `<text x="${W - 12}" y="${M.top + ph / 2}" transform="rotate(90 ${W - 12} ${M.top + ph / 2})" text-anchor="middle">executor groups</text>`,
  );
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(axis.label)}</text>`);
  // Series.
  // Each series named (data-series), so that the figure can be read back by tools and tests.
  parts.push(
    `<polyline data-series="running" fill="none" stroke="#9ecae1" stroke-width="1" points="${line(pts, (p) => yQ(p.running))}"/>`,
  );
  parts.push(
    `<polyline data-series="queued" fill="none" stroke="#d62728" stroke-width="1" points="${line(pts, (p) => yQ(p.queued))}"/>`,
  );
  parts.push(
    `<polyline data-series="groups" fill="none" stroke="#111" stroke-width="1.6" points="${line(pts, (p) => yG(p.groups))}"/>`,
  );
  groups.forEach((g, i) => {
    parts.push(
      `<polyline fill="none" stroke="${palette[i % palette.length]}" stroke-width="1.2" stroke-dasharray="4 3" points="${line(g.points, (p) => yG(p.groups))}"/>`,
    );
  });
  // Pre-warming: a tick on the time axis where the main policy added groups ahead of a forecast load.
  const warmed = pts.filter((p) => p.prewarmed > 0);
  if (warmed.length > 0) {
    const ticks = warmed.map((p) => `M${x(p.t).toFixed(1)},${M.top + ph} v-10`).join(' ');
    parts.push(`<path d="${ticks}" stroke="${PREWARM}" stroke-width="1.5"/>`);
  }
  // Legend.
  const legend: [string, string, string][] = [
    ['#9ecae1', 'running', ''],
    ['#d62728', 'queued', ''],
    ['#111', `groups (${main.label})`, ''],
    ...groups.map((g, i): [string, string, string] => [palette[i % palette.length], `groups (${g.label})`, '4 3']),
    ...(warmed.length > 0 ? [[PREWARM, 'pre-warm', ''] as [string, string, string]] : []),
  ];
  // Right of the title, wrapping onto a second row.
  const legendLeft = M.left + 260;
  let lx = legendLeft;
  let ly = 12;
  for (const [color, label, dash] of legend) {
    const width = 30 + label.length * 6;
    if (lx + width > W && lx > legendLeft) {
      lx = legendLeft;
      ly += 14;
    }
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    parts.push(`<text x="${lx + 22}" y="${ly + 4}">${esc(label)}</text>`);
    lx += width;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
