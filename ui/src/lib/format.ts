/**
 * How the dashboard writes times, durations, money and ids. Pure functions (no DOM), so they
 * can be unit-tested; `now` is a parameter for the same reason.
 */

const UNITS: readonly [number, string][] = [
  [365 * 24 * 3600_000, 'y'],
  [30 * 24 * 3600_000, 'mo'],
  [7 * 24 * 3600_000, 'w'],
  [24 * 3600_000, 'd'],
  [3600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** "3 min ago", "in 2 h", "just now". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = at - now;
  const abs = Math.abs(delta);
  if (abs < 5000) return 'just now';
  for (const [ms, unit] of UNITS) {
    if (abs >= ms) {
      const n = Math.floor(abs / ms);
      return delta < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
    }
  }
  return 'just now';
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A UTC offset in minutes east as a zone label: "UTC" for 0, else "UTC+01:00" / "UTC-05:30". */
export function zoneLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "2026-11-22 10:52:43" in the viewer's time zone, with the zone ("UTC", "UTC+01:00"). */
export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneLabel(-d.getTimezoneOffset())}`;
}

/** "850 ms", "3.5 s", "2 min 05 s", "1 h 03 min". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1).replace(/\.0$/, '') : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const totalS = Math.round(s);
  const min = Math.floor(totalS / 60);
  if (min < 60) return `${min} min ${pad(totalS % 60)} s`;
  return `${Math.floor(min / 60)} h ${pad(min % 60)} min`;
}

/**
 * US dollars, one rule everywhere (tables, charts, totals): two decimals from $1 up ("$12.50"),
 * three significant digits below $1 ("$0.0241", "$0.000144"), trailing zeros dropped ("$0.02").
 * Model calls cost fractions of a cent, so rounding them to cents would show "$0.00".
 */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  const decimals = Math.min(20, 2 - Math.floor(Math.log10(abs)));
  const text = abs.toFixed(decimals);
  // 0.9996 rounds up to 1.000: from a dollar on, cents.
  if (Number(text) >= 1) return `${sign}$${Number(text).toFixed(2)}`;
  return `${sign}$${text.replace(/0+$/, '').replace(/\.$/, '')}`;
}

/** A rate in 0..1 as "66.7%" (null: "—"). */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const p = rate * 100;
  return `${p === 100 || p === 0 ? p : p.toFixed(1)}%`;
}

/** 1234567 → "1,234,567". */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** Bytes as "390 B", "12.4 KB", "3.1 MB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The distinctive end of a UUIDv7: its first digits are a timestamp shared by everything made
 * in the same minute, so the last 12 (the random part) tell ids apart.
 */
export function shortId(id: string): string {
  return id.length > 12 ? id.slice(-12) : id;
}

/** A compact one-line JSON preview, cut at `max` characters. */
export function preview(value: unknown, max = 140): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The first non-empty line of a longer text (a check's output), cut at `max`. A text the server
 * already cut says so with a leading "…"; its runs of "…" become one, and no second ellipsis is
 * added to it.
 */
export function excerpt(text: string, max = 120): string {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  const line = first.replace(/^…+/, '…').replace(/\s+/g, ' ');
  if (line.length <= max) return line;
  return line.startsWith('…') ? line.slice(0, max) : `${line.slice(0, max - 1)}…`;
}
