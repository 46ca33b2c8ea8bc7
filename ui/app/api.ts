/**
 * The dashboard's only way to the server: fetch with the signed-in token, JSON in and out, the
 * API's error envelope turned into an ApiError. A 401 signs the person out (the token is no
 * longer accepted). Every permission is decided by the server; the page only hides what a scope
 * cannot do.
 */
const TOKEN_KEY = 'gaffer.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string): void => localStorage.setItem(TOKEN_KEY, token),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

type Listener = (reason: string) => void;
const signedOut = new Set<Listener>();
export function onSignedOut(listener: Listener): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string; signal?: AbortSignal } = {}): Promise<T> {
  const token = init.token ?? tokenStore.get() ?? '';
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
  const envelope = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  const error = new ApiError(res.status, envelope.error?.code ?? 'HTTP_ERROR', envelope.error?.message ?? `${res.status} ${res.statusText}`);
  if (res.status === 401 && init.token === undefined) for (const listener of signedOut) listener(error.message);
  throw error;
}

/** Downloads an artifact (the route needs the bearer header, so a plain link cannot). */
export async function downloadArtifact(sha256: string, name: string): Promise<void> {
  const res = await fetch(`/api/v1/artifacts/${sha256}`, { headers: { authorization: `Bearer ${tokenStore.get() ?? ''}` } });
  if (!res.ok) throw new ApiError(res.status, 'DOWNLOAD_FAILED', `could not download ${name}: ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function artifactText(sha256: string): Promise<string> {
  const res = await fetch(`/api/v1/artifacts/${sha256}`, { headers: { authorization: `Bearer ${tokenStore.get() ?? ''}` } });
  if (!res.ok) throw new ApiError(res.status, 'ARTIFACT', `artifact ${sha256.slice(0, 12)}: ${res.status}`);
  return res.text();
}

export interface Principal {
  id: string;
  name: string;
  scope: 'admin' | 'operator' | 'agent' | 'viewer';
}

/** Scopes that may approve, resolve, pause, cancel (the server's 'operate' permission). */
export const canOperate = (p: Principal | null): boolean => p?.scope === 'admin' || p?.scope === 'operator';
