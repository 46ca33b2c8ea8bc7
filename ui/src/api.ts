/**
 * The dashboard's client of /api/v1: the signed-in token from localStorage as a bearer header,
 * JSON in and out, and the API's error envelope `{ error: { code, message, details } }` turned
 * into an ApiError carrying the server's message. A 401 means the token is no longer accepted:
 * the app is told (onUnauthorized) and goes back to the sign-in form with that message.
 * Permissions are the server's to decide; the page only hides what a scope cannot do.
 */
import { ApiError } from './lib/apiError.js';
import type { Principal } from './types.js';

export { ApiError, errorMessage, isMissing } from './lib/apiError.js';

export const TOKEN_KEY = 'gaffer.token';

export const tokenStore = {
  get: (): string | null => {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set: (token: string): void => localStorage.setItem(TOKEN_KEY, token),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

type UnauthorizedListener = (message: string) => void;
let unauthorizedListener: UnauthorizedListener | undefined;

/** The app registers what a 401 does (sign out, with the message). */
export function onUnauthorized(listener: UnauthorizedListener): void {
  unauthorizedListener = listener;
}

export function reportUnauthorized(message: string): void {
  unauthorizedListener?.(message);
}

export function authHeader(token: string | null = tokenStore.get()): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Use this token instead of the stored one (signing in), and do not treat 401 as a sign-out. */
  token?: string;
}

/** Calls `/api/v1<path>`; resolves to the parsed JSON body, rejects with an ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeader(options.token ?? tokenStore.get()), accept: 'application/json' };
  // Action routes refuse an empty body sent with a JSON content type, so send one only with a body.
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!res.ok) {
    const err = await ApiError.from(res);
    if (res.status === 401 && options.token === undefined) reportUnauthorized(err.message);
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>(path, { method: 'POST', body });

export function whoami(token?: string): Promise<Principal> {
  return api<Principal>('/whoami', token === undefined ? {} : { token });
}

/** Fetches an artifact's bytes (the route needs the bearer header, so a plain link cannot). */
export async function fetchArtifact(sha256: string): Promise<Blob> {
  const res = await fetch(`/api/v1/artifacts/${encodeURIComponent(sha256)}`, { headers: authHeader() });
  if (!res.ok) {
    const err = await ApiError.from(res);
    if (res.status === 401) reportUnauthorized(err.message);
    throw err;
  }
  return res.blob();
}

/** Saves an artifact under `name` through an object URL. */
export async function downloadArtifact(sha256: string, name: string): Promise<void> {
  const url = URL.createObjectURL(await fetchArtifact(sha256));
  const a = document.createElement('a');
  a.href = url;
  a.download = name || sha256;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Scopes with the server's `operate` permission: approve, resolve, pause, cancel. */
/** Whether the signed-in token may approve, resolve, pause, cancel: the server says which permissions its scope has. */
export function canOperate(me: Principal | null | undefined): boolean {
  return me?.permissions?.includes('operate') ?? false;
}

/** A query string from the defined values ("?a=1&b=x", or ""). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
