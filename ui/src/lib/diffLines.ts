/**
 * Unified diffs (git's final.diff, a proposed patch) split into lines a person can scan:
 * file headers, hunk headers, added, removed and context lines.
 */
export type DiffLineKind = 'file' | 'meta' | 'hunk' | 'added' | 'removed' | 'context';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/**
 * The kind of one line. `inHunk` matters for lines such as "--- a" inside a hunk: there they
 * are a removed line "-- a", not a file header.
 */
export function classifyDiffLine(line: string, inHunk: boolean): DiffLineKind {
  if (line.startsWith('diff --git ') || line.startsWith('diff --cc ')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (inHunk) {
    if (line.startsWith('+')) return 'added';
    if (line.startsWith('-')) return 'removed';
    if (line.startsWith(' ') || line === '') return 'context';
    return 'meta'; // "\ No newline at end of file"
  }
  if (line.startsWith('--- ') || line.startsWith('+++ ')) return 'file';
  return 'meta'; // index, mode and rename lines
}

export function parseDiff(text: string): DiffLine[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let inHunk = false;
  return lines.map((line) => {
    if (line.startsWith('diff ')) inHunk = false;
    const kind = classifyDiffLine(line, inHunk);
    if (kind === 'hunk') inHunk = true;
    return { kind, text: line };
  });
}

/** Lines added and removed, for a one-line summary ("+3 −1"). */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'added') added++;
    else if (l.kind === 'removed') removed++;
  }
  return { added, removed };
}
