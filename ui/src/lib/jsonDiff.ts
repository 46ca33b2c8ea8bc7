/**
 * What changed between two JSON values (two versions of a spec's or profile's definition):
 * every added, removed or changed leaf path, in a stable order. Objects are compared key by key
 * and arrays index by index; a value whose type changes (object → string) is one `changed`.
 */
export type JsonChangeKind = 'added' | 'removed' | 'changed';

export interface JsonChange {
  /** `acceptance.validators[0].config.argv`; the root is `(root)`. */
  path: string;
  kind: JsonChangeKind;
  before?: unknown;
  after?: unknown;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

export function diffJson(before: unknown, after: unknown, path = ''): JsonChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const p = child(path, key);
      if (!(key in after)) return [{ path: p, kind: 'removed' as const, before: before[key] }];
      if (!(key in before)) return [{ path: p, kind: 'added' as const, after: after[key] }];
      return diffJson(before[key], after[key], p);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: JsonChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = child(path, i);
      if (i >= after.length) changes.push({ path: p, kind: 'removed', before: before[i] });
      else if (i >= before.length) changes.push({ path: p, kind: 'added', after: after[i] });
      else changes.push(...diffJson(before[i], after[i], p));
    }
    return changes;
  }
  if (Object.is(before, after)) return [];
  return [{ path: path || '(root)', kind: 'changed', before, after }];
}
