/**
 * An artifact recorded in a run: name, type and size with a Download button (the bytes need the
 * bearer header, so they are fetched into a Blob and saved through an object URL). Diffs are
 * fetched at once and shown as a diff; other text can be opened in place.
 */
import { useEffect, useState } from 'preact/hooks';
import { downloadArtifact, errorMessage, fetchArtifact } from '../api.js';
import { bytes as formatBytes } from '../lib/format.js';
import { DiffView } from './DiffView.js';

export const isDiffType = (contentType: string): boolean => /^(text\/x-diff|text\/x-patch|application\/x-diff|application\/x-patch)\b/.test(contentType);
const isTextType = (contentType: string): boolean => /^text\/|^application\/(json|x-ndjson|yaml|xml)\b/.test(contentType);
/** Larger text is offered for download only, not rendered in the page. */
const MAX_INLINE_BYTES = 512 * 1024;

export function useArtifactText(sha256: string | null): { text?: string; error?: string } {
  const [state, setState] = useState<{ text?: string; error?: string }>({});
  useEffect(() => {
    if (!sha256) return;
    let live = true;
    fetchArtifact(sha256)
      .then((blob) => blob.text())
      .then(
        (text) => live && setState({ text }),
        (err: unknown) => live && setState({ error: errorMessage(err) }),
      );
    return () => {
      live = false;
    };
  }, [sha256]);
  return state;
}

export function DownloadButton({ sha256, name, label = 'Download' }: { sha256: string; name: string; label?: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        class="btn small"
        disabled={busy}
        aria-label={`${label} ${name}`}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          downloadArtifact(sha256, name)
            .catch((err: unknown) => setError(errorMessage(err)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Downloading…' : label}
      </button>
      {error ? (
        <span class="error inline" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}

export function ArtifactDiff({ sha256 }: { sha256: string }) {
  const { text, error } = useArtifactText(sha256);
  if (error) return <p class="error">{error}</p>;
  if (text === undefined) return <p class="muted">Loading the diff…</p>;
  return text.trim() ? <DiffView text={text} /> : <p class="muted">The diff is empty.</p>;
}

function TextPreview({ sha256 }: { sha256: string }) {
  const { text, error } = useArtifactText(sha256);
  if (error) return <p class="error">{error}</p>;
  if (text === undefined) return <p class="muted">Loading…</p>;
  return (
    <pre class="code" tabIndex={0}>
      {text || '(empty)'}
    </pre>
  );
}

export function ArtifactView({ sha256, name, contentType, size }: { sha256: string; name: string; contentType: string; size: number }) {
  const [open, setOpen] = useState(false);
  const diff = isDiffType(contentType);
  const text = !diff && isTextType(contentType) && size > 0 && size <= MAX_INLINE_BYTES;
  return (
    <div class="artifact">
      <div class="artifact-head">
        <span class="mono strong">{name}</span>
        <span class="muted">
          {contentType} · {formatBytes(size)} · <span title={sha256}>sha256:{sha256.slice(0, 12)}</span>
        </span>
        <DownloadButton sha256={sha256} name={name} />
      </div>
      {diff && size <= MAX_INLINE_BYTES ? <ArtifactDiff sha256={sha256} /> : null}
      {text ? (
        <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>Show contents</summary>
          {open ? <TextPreview sha256={sha256} /> : null}
        </details>
      ) : null}
    </div>
  );
}
