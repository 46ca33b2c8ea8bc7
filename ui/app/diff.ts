/** Pure helpers: classify unified-diff lines, and diff two JSON values by path. */
export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'ctx';

export function classifyDiffLine(line: string): DiffLineKind {
  if (line.startsWith('diff --git') || line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('index ') || line.startsWith('new file') || line.startsWith('deleted file')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}

export interface JsonChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** What changed from `a` to `b`: leaves by dotted path (arrays by index). */
export function jsonDiff(a: unknown, b: unknown, path = ''): JsonChange[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = path ? (Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`) : k;
      if (!(k in a)) return [{ path: p, kind: 'added' as const, after: b[k] }];
      if (!(k in b)) return [{ path: p, kind: 'removed' as const, before: a[k] }];
      return jsonDiff(a[k], b[k], p);
    });
  }
  return [{ path: path || '(root)', kind: 'changed', before: a, after: b }];
}
