/**
 * The scripted model server — a TEST AND DEMO TOOL, not a model.
 *
 * A real local HTTP server (node:http) that speaks the OpenAI chat-completions protocol and plays
 * back scripted assistant turns, so tests and the demo exercise the real provider path end to end:
 * the official `openai` client, HTTP, SSE streaming, error statuses and retries. Nothing here
 * generates text. Every response echoes the requested `model` name but carries
 * `system_fingerprint: "gaffer-scripted"`, so a recording made against it can always be told apart
 * from a real model's.
 *
 * Endpoints: `POST /v1/chat/completions` (JSON or, with `stream: true`, SSE), `GET /v1/models`.
 * Turns for a model are consumed in order; when a model's script runs out the server answers 500
 * ("scripted model server: no turn left for model X") so a test that makes an unexpected call fails
 * loudly instead of hanging or getting a made-up answer.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  completionBody,
  defaultErrorType,
  errorBody,
  resolveTurn,
  streamChunks,
  type ChatRequestBody,
  type ScriptedTurn,
} from './scriptedResponses.js';

export type { ChatRequestBody, ScriptedTurn, ScriptedFinishReason } from './scriptedResponses.js';
export { SCRIPTED_SYSTEM_FINGERPRINT } from './scriptedResponses.js';

/** Computes the turn for a request; `index` counts the requests this script has answered (from 0). */
export type ScriptHandler = (request: ChatRequestBody, index: number) => ScriptedTurn | Promise<ScriptedTurn>;

/** A script: a list of turns consumed in order, or a handler called for every request. */
export type Script = ScriptedTurn[] | ScriptHandler;

/** Script key that answers for any model without a script of its own. */
export const ANY_MODEL = '*';

export interface ScriptedModelServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind. Only loopback is supported. Default `127.0.0.1`. */
  host?: '127.0.0.1';
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401 in OpenAI's error format. */
  apiKey?: string;
  /** Scripts by model name; the key `'*'` answers for models without their own script. */
  scripts?: Record<string, Script>;
}

/** One request as received, in arrival order. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when there was no body or it was not valid JSON. */
  body: unknown;
  /** The body exactly as received. */
  rawBody: string;
}

export interface ScriptedModelServer {
  /** `http://127.0.0.1:PORT/v1`, ready for `new OpenAI({ baseURL })`. */
  baseUrl: string;
  port: number;
  /** Every request received, in order (including rejected ones). */
  requests: ReceivedRequest[];
  /** Appends turns to a model's script (played before its handler, if it has one). */
  enqueue(model: string, ...turns: ScriptedTurn[]): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface ModelScript {
  turns: ScriptedTurn[];
  handler?: ScriptHandler;
  answered: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const API_PREFIX = '/v1';

/** Starts the server; resolves once it is listening. */
export async function startScriptedModelServer(options: ScriptedModelServerOptions = {}): Promise<ScriptedModelServer> {
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, ModelScript>();
  for (const [model, script] of Object.entries(options.scripts ?? {})) {
    scripts.set(model, Array.isArray(script) ? { turns: [...script], answered: 0 } : { turns: [], handler: script, answered: 0 });
  }
  let sequence = 0;

  const scriptFor = (model: string): ModelScript | undefined => scripts.get(model) ?? scripts.get(ANY_MODEL);

  async function nextTurn(request: ChatRequestBody): Promise<ScriptedTurn> {
    const script = scriptFor(request.model);
    const queued = script?.turns.shift();
    if (script && queued) {
      script.answered += 1;
      return queued;
    }
    if (script?.handler) {
      const index = script.answered;
      script.answered += 1;
      try {
        return await script.handler(request, index);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new HttpError(500, `scripted model server: script handler for model ${request.model} threw: ${reason}`, 'server_error');
      }
    }
    throw new HttpError(
      500,
      `scripted model server: no turn left for model ${request.model}; enqueue more turns or add a script for it`,
      'server_error',
      'script_exhausted',
    );
  }

  async function handleChatCompletion(body: unknown, res: ServerResponse): Promise<void> {
    const request = parseChatRequest(body);
    const turn = await nextTurn(request);
    sequence += 1;
    if (turn.delayMs !== undefined && turn.delayMs > 0) await sleepUnlessClosed(turn.delayMs, res);
    if (clientGone(res)) return;
    if (turn.error) {
      const { status, message, type, code } = turn.error;
      throw new HttpError(status, message, type ?? defaultErrorType(status), code ?? null);
    }
    const resolved = resolveTurn(turn, request, sequence);
    const requestId = `req_scripted_${sequence}`;
    if (request.stream !== true) {
      sendJson(res, 200, completionBody(resolved), { 'x-request-id': requestId });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': requestId,
    });
    for (const chunk of streamChunks(resolved, request.stream_options?.include_usage === true)) {
      if (clientGone(res)) return;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    if (!clientGone(res)) res.end('data: [DONE]\n\n');
  }

  function listModels(res: ServerResponse): void {
    const created = Math.floor(Date.now() / 1000);
    const data = [...scripts.keys()]
      .filter((name) => name !== ANY_MODEL)
      .map((id) => ({ id, object: 'model', created, owned_by: 'gaffer-scripted' }));
    sendJson(res, 200, { object: 'list', data });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://scripted.invalid').pathname;
    let body: unknown;
    let malformed = false;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        malformed = true;
      }
    }
    requests.push({ method, path, headers: req.headers, body, rawBody });

    try {
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        throw new HttpError(401, 'Incorrect API key provided (scripted model server).', 'invalid_request_error', 'invalid_api_key');
      }
      const route = `${method} ${path}`;
      if (route === `POST ${API_PREFIX}/chat/completions`) {
        if (malformed) {
          throw new HttpError(400, 'We could not parse the JSON body of your request (scripted model server).', 'invalid_request_error');
        }
        await handleChatCompletion(body, res);
      } else if (route === `GET ${API_PREFIX}/models`) {
        listModels(res);
      } else {
        throw new HttpError(404, `Unknown request URL: ${method} ${path} (scripted model server).`, 'invalid_request_error', 'unknown_url');
      }
    } catch (err) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendJson(res, err.status, errorBody(err.message, err.type, err.code));
      else {
        const reason = err instanceof Error ? err.message : String(err);
        sendJson(res, 500, errorBody(`scripted model server: internal error: ${reason}`, 'server_error'));
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://${host}:${port}${API_PREFIX}`,
    port,
    requests,
    enqueue(model: string, ...turns: ScriptedTurn[]): void {
      const script = scripts.get(model);
      if (script) script.turns.push(...turns);
      else scripts.set(model, { turns: [...turns], answered: 0 });
    },
    close(): Promise<void> {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      });
    },
  };
}

function parseChatRequest(body: unknown): ChatRequestBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'The request body must be a JSON object (scripted model server).', 'invalid_request_error');
  }
  const { model, messages } = body as { model?: unknown; messages?: unknown };
  if (typeof model !== 'string' || model.length === 0) {
    throw new HttpError(400, "you must provide a model parameter (scripted model server).", 'invalid_request_error', 'missing_required_parameter');
  }
  if (!Array.isArray(messages)) {
    throw new HttpError(400, "Missing required parameter: 'messages' (scripted model server).", 'invalid_request_error', 'missing_required_parameter');
  }
  return body as ChatRequestBody;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** True once the client has disconnected (or the response was torn down). */
function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (clientGone(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Waits `ms`, returning early when the client disconnects (so nothing is written to a dead socket). */
function sleepUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once('close', done);
    function done(): void {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
}
