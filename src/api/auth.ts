/**
 * Bearer-token authentication and scope checks, decided on the server for every request. A route
 * declares the permission it needs in `config.permission`; routes without one are public
 * (health, readiness, metrics, the OpenAPI document).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { can, type Permission, type Principal } from '../auth/tokens.js';
import { GafferError } from '../errors.js';
import type { Gaffer } from '../gaffer.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function authHook(gaffer: Gaffer) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new GafferError(
        'UNAUTHENTICATED',
        'missing bearer token: send `Authorization: Bearer <token>` (the admin token is in <dataDir>/admin-token)',
      );
    }
    const principal = await gaffer.tokens.authenticate(match[1]!);
    if (!principal) throw new GafferError('UNAUTHENTICATED', 'invalid or revoked token');
    if (!can(principal, permission)) {
      throw new GafferError('FORBIDDEN', `${/^[aeiou]/.test(principal.scope) ? 'an' : 'a'} ${principal.scope} token may not do this (needs '${permission}' permission)`, {
        details: { scope: principal.scope, required: permission },
      });
    }
    request.principal = principal;
  };
}

/** Name recorded as who did something: `scope:name`. */
export function principalName(request: FastifyRequest): string | undefined {
  return request.principal ? `${request.principal.scope}:${request.principal.name}` : undefined;
}
