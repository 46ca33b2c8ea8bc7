/**
 * Data loading for the pages: useApi fetches a path (again every `pollMs` while mounted, when
 * given) and keeps the last good data while a refresh is under way, so a polling page does not
 * flicker. A failed refresh keeps the data and shows the error beside it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | null, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ path: string | null; data: T | undefined; error: unknown; loading: boolean }>({
    path,
    data: undefined,
    error: undefined,
    loading: path !== null,
  });
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  // What was last read to the end: a change of pollMs alone (a page stops polling once its task
  // is final or missing) schedules the next read instead of reading again at once, so a page
  // that stops polling on its first answer sends one request, not two.
  const done = useRef<{ path: string; nonce: number } | undefined>(undefined);

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const load = async (): Promise<void> => {
      inFlight = true;
      setState((s) => (s.path === path ? { ...s, loading: true } : { path, data: undefined, error: undefined, loading: true }));
      try {
        const data = await api<T>(path, { signal: controller.signal });
        inFlight = false;
        if (controller.signal.aborted) return;
        done.current = { path, nonce };
        setState({ path, data, error: undefined, loading: false });
      } catch (error) {
        inFlight = false;
        if (controller.signal.aborted) return;
        done.current = { path, nonce };
        setState((s) => ({ ...s, path, error, loading: false }));
      }
      if (pollMs && !controller.signal.aborted) timer = setTimeout(() => void load(), pollMs);
    };
    if (done.current?.path === path && done.current.nonce === nonce) {
      if (pollMs) timer = setTimeout(() => void load(), pollMs);
    } else {
      void load();
    }
    return () => {
      controller.abort();
      // A read cut short is read again by the next run of this effect.
      if (inFlight) done.current = undefined;
      if (timer) clearTimeout(timer);
    };
  }, [path, pollMs, nonce]);

  const current = state.path === path;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: !current || state.loading, reload };
}

/** Re-renders every `ms` so relative times ("2 min ago") stay true on a page that does not poll. */
export function useTick(ms = 30_000): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** Sets the document title for a page ("Tasks · Gaffer"). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Gaffer`;
  }, [title]);
}

/** Whether the component is still mounted (for state set after an await). */
export function useMounted(): { current: boolean } {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}
