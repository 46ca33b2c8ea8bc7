/**
 * Serves the dashboard: `GET /` is its page, `GET /ui/<file>` its bundle, stylesheet and source
 * maps, all from the directory `npm run build` writes (dist/ui). Nothing is fetched from anywhere
 * else, so the dashboard works offline. The page holds no data: it signs in with a token and reads
 * the same /api/v1 routes as everyone else, so every permission is still checked by the server.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The page may load only what this server serves; it may not be framed. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Where the built dashboard is: dist/ui beside dist/api when running the build, else the repository's dist/ui. */
export function defaultUiDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const besideBuild = path.resolve(here, '..', 'ui');
  return existsSync(path.join(besideBuild, 'index.html')) ? besideBuild : path.resolve(here, '..', '..', 'dist', 'ui');
}

export function uiRoutes(uiDir: string): FastifyPluginAsync {
  return async (app) => {
    const send = async (reply: FastifyReply, file: string, cache: string): Promise<FastifyReply> => {
      const ext = path.extname(file);
      let body: Buffer;
      try {
        body = await readFile(path.join(uiDir, file));
      } catch {
        if (file === 'index.html') return notBuilt(reply);
        reply.callNotFound();
        return reply;
      }
      return reply
        .headers(SECURITY_HEADERS)
        .header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream')
        .header('cache-control', cache)
        .send(body);
    };

    app.get('/', { schema: { hide: true } }, (_request, reply) => send(reply, 'index.html', 'no-cache'));
    app.get<{ Params: { file: string } }>('/ui/:file', { schema: { hide: true } }, (request, reply) => {
      const file = request.params.file;
      // One flat directory: a name with a separator or a leading dot is never a file of ours.
      if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(file)) {
        reply.callNotFound();
        return reply;
      }
      return send(reply, file, 'no-cache');
    });

    function notBuilt(reply: FastifyReply): FastifyReply {
      return reply
        .code(503)
        .header('content-type', 'text/html; charset=utf-8')
        .send(
          `<!doctype html><meta charset="utf-8"><title>Gaffer</title><p>The dashboard is not built in ${escapeHtml(uiDir)}. ` +
            'Run <code>npm run build</code> and reload. The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>',
        );
    }
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
