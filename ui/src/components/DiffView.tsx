/** A unified diff with added, removed and hunk lines coloured. */
import { diffStats, parseDiff } from '../lib/diffLines.js';

const SIGN: Record<string, string> = { added: 'added line', removed: 'removed line' };

export function DiffView({ text }: { text: string }) {
  const lines = parseDiff(text);
  const stats = diffStats(lines);
  return (
    <div class="diff" data-testid="diff">
      <p class="diff-stats">
        <span class="add">+{stats.added}</span> <span class="del">−{stats.removed}</span>
      </p>
      <pre class="diff-body" tabIndex={0} aria-label="diff">
        {lines.map((l, i) => (
          <span key={i} class={`dl dl-${l.kind}`} title={SIGN[l.kind]}>
            {l.text || ' '}
            {'\n'}
          </span>
        ))}
      </pre>
    </div>
  );
}
