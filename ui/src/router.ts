/**
 * Hash routes (#/tasks/<id>): the server serves one page and never needs a fallback route.
 * parseRoute is pure; useRoute re-renders on hashchange. Hashes that are not routes ("#main",
 * a skip link's target) leave the current route alone.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'overview' }
  | { page: 'tasks'; params: URLSearchParams }
  | { page: 'task'; id: string }
  | { page: 'run'; id: string }
  | { page: 'runs'; params: URLSearchParams }
  | { page: 'approvals'; params: URLSearchParams }
  | { page: 'escalations'; params: URLSearchParams }
  | { page: 'schedules' }
  | { page: 'specs' }
  | { page: 'spec'; name: string }
  | { page: 'profile'; name: string }
  | { page: 'not_found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart = '/', queryPart = ''] = raw.split('?', 2);
  const params = new URLSearchParams(queryPart);
  const parts = pathPart.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  const [head, id, ...rest] = parts;
  if (rest.length) return { page: 'not_found', path: pathPart };
  switch (head) {
    case undefined:
    case 'overview':
      return { page: 'overview' };
    case 'tasks':
      return id ? { page: 'task', id } : { page: 'tasks', params };
    case 'runs':
      return id ? { page: 'run', id } : { page: 'runs', params };
    case 'approvals':
      return id ? { page: 'not_found', path: pathPart } : { page: 'approvals', params };
    case 'escalations':
      return id ? { page: 'not_found', path: pathPart } : { page: 'escalations', params };
    case 'schedules':
      return id ? { page: 'not_found', path: pathPart } : { page: 'schedules' };
    case 'specs':
      return id ? { page: 'spec', name: id } : { page: 'specs' };
    case 'profiles':
      return id ? { page: 'profile', name: id } : { page: 'specs' };
    default:
      return { page: 'not_found', path: pathPart };
  }
}

/** Links: `href('tasks', id)` → "#/tasks/<id>" with each part encoded. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

const isRouteHash = (hash: string): boolean => hash === '' || hash === '#' || hash.startsWith('#/');

export function useRoute(): Route {
  const [hash, setHash] = useState(() => (isRouteHash(location.hash) ? location.hash : '#/'));
  useEffect(() => {
    const onChange = (): void => {
      if (isRouteHash(location.hash)) setHash(location.hash);
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}
