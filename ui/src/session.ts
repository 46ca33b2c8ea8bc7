/** Who is signed in, for any component: the principal and whether it may operate. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { canOperate } from './api.js';
import type { Principal } from './types.js';

export const SessionContext = createContext<Principal | null>(null);

export function useSession(): { me: Principal | null; operate: boolean } {
  const me = useContext(SessionContext);
  return { me, operate: canOperate(me) };
}
