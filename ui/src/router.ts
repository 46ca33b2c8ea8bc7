/**
 * Hash routes (#/tasks/<id>): the server serves one page and never needs a fallback route.
 * parseRoute is pure; useRoute re-renders on hashchange. Hashes that are not routes ("#main",
 * a skip link's target) leave the current route alone.
 */
import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './lib/routes.js';

export { href, parseRoute, type Route } from './lib/routes.js';

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
