/**
 * The overview's charts, drawn as inline SVG (no chart library). Each bar carries a <title>
 * for the pointer, and each chart an aria-label that says what it shows in words.
 */
import { percent, usd } from '../lib/format.js';
import type { DayPoint } from '../lib/series.js';
import { plural } from '../lib/words.js';

const W = 10; // width of one day's slot in viewBox units
const H = 100;

function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function Axis({ points }: { points: DayPoint[] }) {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return null;
  return (
    <div class="axis" aria-hidden="true">
      <span>{dayLabel(first.day)}</span>
      <span>{dayLabel(last.day)}</span>
    </div>
  );
}

/** Finished runs per day, successes and failures stacked, with the day's success rate. */
export function RunsChart({ points }: { points: DayPoint[] }) {
  const max = Math.max(1, ...points.map((p) => p.runs));
  const total = points.reduce((n, p) => n + p.runs, 0);
  const ok = points.reduce((n, p) => n + p.successes, 0);
  const label = `Finished runs per day over ${points.length} days: ${plural(total, 'run')}, ${ok} succeeded (${percent(total ? ok / total : null)}).`;
  return (
    <figure class="chart">
      <div class="chart-max" aria-hidden="true">
        {plural(max, 'run')}
      </div>
      <svg viewBox={`0 0 ${points.length * W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <line x1="0" x2={points.length * W} y1={H - 0.5} y2={H - 0.5} class="baseline" />
        {points.map((p, i) => {
          const hs = (p.successes / max) * (H - 4);
          const hf = (p.failures / max) * (H - 4);
          return (
            <g key={p.day}>
              <title>{`${dayLabel(p.day)}: ${plural(p.runs, 'run')}, ${p.successes} succeeded, ${p.failures} failed (${percent(p.successRate)})`}</title>
              <rect x={i * W + 1.5} width={W - 3} y={H - hs} height={hs} class="bar-ok" />
              <rect x={i * W + 1.5} width={W - 3} y={H - hs - hf} height={hf} class="bar-fail" />
              <rect x={i * W} width={W} y="0" height={H} class="hit" />
            </g>
          );
        })}
      </svg>
      <Axis points={points} />
      <figcaption class="legend">
        <span class="key key-ok" /> succeeded <span class="key key-fail" /> failed
      </figcaption>
    </figure>
  );
}

/** Where a point's value label sits over the plot, in percent of its box; kept inside the box. */
function labelStyle(i: number, n: number, rate: number): Record<string, string> {
  const x = ((i + 0.5) / n) * 100;
  const y = ((H - 2 - rate * (H - 4)) / H) * 100;
  const tx = x > 85 ? '-100%' : x < 15 ? '0%' : '-50%';
  // Above the point, or below it when the point is near the top edge.
  const ty = y < 25 ? '35%' : '-135%';
  return { left: `${x}%`, top: `${y}%`, transform: `translate(${tx}, ${ty})` };
}

/**
 * Success rate per day as a line (days without runs leave a gap). The latest day's value is
 * written beside its point, so one day of data still reads as a number, not as a dot under an
 * axis label; the scale (0–100%) is said in the caption.
 */
export function RateChart({ points }: { points: DayPoint[] }) {
  const segments: string[][] = [[]];
  points.forEach((p, i) => {
    if (p.successRate === null) {
      if (segments[segments.length - 1]?.length) segments.push([]);
      return;
    }
    segments[segments.length - 1]?.push(`${i * W + W / 2},${H - 2 - p.successRate * (H - 4)}`);
  });
  const known = points.filter((p) => p.successRate !== null);
  const last = known[known.length - 1];
  const lastIndex = last ? points.indexOf(last) : -1;
  const label = `Success rate per day: ${known.map((p) => `${dayLabel(p.day)} ${percent(p.successRate)}`).join(', ') || 'no finished runs'}.`;
  return (
    <figure class="chart">
      <div class="plot">
        <svg viewBox={`0 0 ${points.length * W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label}>
          <line x1="0" x2={points.length * W} y1={H / 2} y2={H / 2} class="grid" />
          <line x1="0" x2={points.length * W} y1={H - 0.5} y2={H - 0.5} class="baseline" />
          {segments
            .filter((s) => s.length > 1)
            .map((s, i) => (
              <polyline key={i} points={s.join(' ')} class="rate-line" vector-effect="non-scaling-stroke" />
            ))}
          {points.map((p, i) =>
            p.successRate === null ? null : (
              <g key={p.day}>
                <title>{`${dayLabel(p.day)}: ${percent(p.successRate)} of ${plural(p.runs, 'run')}`}</title>
                <line x1={i * W + W / 2} x2={i * W + W / 2} y1={H - 2 - p.successRate * (H - 4)} y2={H - 2 - p.successRate * (H - 4)} class="rate-dot" vector-effect="non-scaling-stroke" />
                <rect x={i * W} width={W} y="0" height={H} class="hit" />
              </g>
            ),
          )}
        </svg>
        {last && last.successRate !== null ? (
          <span class="point-label num" aria-hidden="true" data-testid="rate-label" style={labelStyle(lastIndex, points.length, last.successRate)}>
            {percent(last.successRate)}
          </span>
        ) : null}
      </div>
      <Axis points={points} />
      <figcaption class="legend">
        {last ? `${dayLabel(last.day)}: ${percent(last.successRate)} of ${plural(last.runs, 'run')}` : 'No finished runs'} · scale 0–100%, dashed line 50%
      </figcaption>
    </figure>
  );
}

/** Cost of finished runs per day. */
export function CostChart({ points }: { points: DayPoint[] }) {
  const max = Math.max(0, ...points.map((p) => p.costUsd));
  const total = points.reduce((n, p) => n + p.costUsd, 0);
  return (
    <figure class="chart">
      <div class="chart-max" aria-hidden="true">
        {max > 0 ? usd(max) : '$0'}
      </div>
      <svg viewBox={`0 0 ${points.length * W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Cost per day over ${points.length} days: ${usd(total)} in all.`}>
        <line x1="0" x2={points.length * W} y1={H - 0.5} y2={H - 0.5} class="baseline" />
        {points.map((p, i) => {
          const h = max > 0 ? (p.costUsd / max) * (H - 4) : 0;
          return (
            <g key={p.day}>
              <title>{`${dayLabel(p.day)}: ${usd(p.costUsd)} over ${plural(p.runs, 'run')}`}</title>
              <rect x={i * W + 1.5} width={W - 3} y={H - h} height={h} class="bar-cost" />
              <rect x={i * W} width={W} y="0" height={H} class="hit" />
            </g>
          );
        })}
      </svg>
      <Axis points={points} />
    </figure>
  );
}

/** Horizontal bars, one per group (failure classes), longest first. */
export function HBars({ rows }: { rows: { key: string; value: number; note?: string }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <ul class="hbars">
      {rows.map((r) => (
        <li key={r.key}>
          <span class="hbar-key">{r.key}</span>
          <span class="hbar-track" aria-hidden="true">
            <span class="hbar" style={{ width: `${(r.value / max) * 100}%` }} />
          </span>
          <span class="hbar-val num">
            {r.value}
            {r.note ? <span class="muted"> · {r.note}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
