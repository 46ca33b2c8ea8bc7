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

/** "2026-11-22 10:52:43" in the viewer's time zone, with the zone's offset ("UTC+01:00"). */
export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `UTC${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
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

/** US dollars: cents for amounts of a cent or more, four significant digits below that. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  if (Math.abs(value) >= 0.01) return `$${value.toFixed(2)}`;
  return `$${Number(value.toPrecision(3))}`.replace(/e-(\d+)$/, (_, e: string) => `e-${e}`);
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
