/**
 * A minimal glob matcher for workspace-relative paths (`/`-separated). `node:path`'s matchesGlob
 * exists only from Node 22, and the rules needed here are few:
 *
 *   `**`  any number of whole path segments (also none): `src/**` matches `src/a` and `src/a/b.ts`,
 *         `**\/*.ts` matches `a.ts` and `x/y/a.ts`;
 *   `*`   any characters within one segment (dotfiles included);
 *   `?`   one character within a segment;
 *   everything else is literal. A pattern always matches the whole path.
 */

/** Compiled patterns kept; specs hold a handful, so this only bounds a pathological caller. */
const CACHE_MAX_ENTRIES = 1_000;
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let cached = cache.get(glob);
  if (cached) return cached;
  const pattern = glob.replaceAll('\\', '/').replace(/^\.\//, '');
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      const atStart = i === 0 || pattern[i - 1] === '/';
      const next = pattern[i + 2];
      if (atStart && next === '/') {
        out += '(?:[^/]*/)*'; // `**/`: zero or more leading segments
        i += 2;
      } else if (atStart && next === undefined) {
        out = out.endsWith('/') ? `${out.slice(0, -1)}(?:/.*)?` : `${out}.*`; // trailing `/**`: the folder and all below
        i += 1;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  cached = new RegExp(`^${out}$`);
  if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
  cache.set(glob, cached);
  return cached;
}

export function matchesGlob(filePath: string, glob: string): boolean {
  return globToRegExp(glob).test(filePath.replaceAll('\\', '/').replace(/^\.\//, ''));
}

export function matchesAny(filePath: string, globs: readonly string[]): string | undefined {
  return globs.find((g) => matchesGlob(filePath, g));
}
