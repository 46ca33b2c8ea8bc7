/**
 * Hash routes (#/tasks/<id>) as data: parseRoute and href are pure (unit-tested in test/ui);
 * router.ts adds the hook that follows the location.
 */
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
