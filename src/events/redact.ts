/**
 * Secret redaction, applied to every payload before it is stored (events, spilled payloads, text
 * artifacts). Three nets: well-known token shapes (provider API keys, bearer tokens, private keys,
 * passwords in URLs), sensitive object keys (authorization, api-key...), and the literal values of
 * secret environment variables. A value that is redacted is replaced, never dropped, so the
 * record still shows that something was there.
 */
import { DEFAULT_SECRET_ENV_VARS } from '../config/config.js';

export const REDACTED = '[REDACTED]';

/** Token shapes redacted wherever they appear in text. */
const TOKEN_PATTERNS: RegExp[] = [
  /\bsk-(?:ant-|proj-|svcacct-|admin-|or-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, OpenRouter
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API key
  /\bgsk_[A-Za-z0-9]{20,}/g, // Groq
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face
  /\bgfr_[A-Za-z0-9_-]{20,}/g, // Gaffer's own API tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];
/** `Bearer xyz` / `Basic xyz` keep the scheme, lose the credential. */
const AUTH_SCHEME_PATTERN = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** `scheme://user:password@host` keeps the user, loses the password. */
const URL_PASSWORD_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi;

/** Object keys whose values are secrets whatever they look like (headers, config). */
const SENSITIVE_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|openai[-_]api[-_]key|x-goog-api-key|password|passwd|secret|client[-_]secret|access[-_]token|refresh[-_]token|cookie|set-cookie|x-gaffer-token)$/i;

/** Environment variable names treated as secret without being listed. */
const SECRET_ENV_NAME = /(_KEY|_TOKEN|_SECRET|_PASSWORD|PASSWORD|_PAT|_CREDENTIALS)$/i;
/** Shorter values are not redacted: "1" or "true" would shred unrelated text. */
const MIN_SECRET_VALUE_LENGTH = 8;

/**
 * A cheap pre-check run over text (or a payload's JSON): text it does not match cannot contain
 * anything the patterns below would change. Kept narrow on purpose: it must not fire on ordinary
 * prose ("tokens", "basic"), or every payload pays for the full pattern pass.
 */
const QUICK_CHECK = /sk-|gh[pousr]_|github_pat_|xox[abprs]-|AKIA|AIza|gsk_|hf_|gfr_|PRIVATE KEY|\b(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8}|:\/\/[^\s/:@"]+:[^@\s/"]+@/i;
/** The same pre-check for sensitive keys, as they appear in JSON (`"api-key":`). */
const QUICK_KEY_CHECK = new RegExp(`"${SENSITIVE_KEY.source.slice(1, -1)}"\\s*:`, 'i');

export interface RedactorOptions {
  /** Extra environment variable names whose values are secret. */
  secretEnvVars?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export class Redactor {
  private readonly envValues: RegExp | undefined;
  private readonly envValuesInJson: RegExp | undefined;

  constructor(options: RedactorOptions = {}) {
    const env = options.env ?? process.env;
    const names = new Set<string>([...DEFAULT_SECRET_ENV_VARS, ...(options.secretEnvVars ?? [])]);
    for (const name of Object.keys(env)) if (SECRET_ENV_NAME.test(name)) names.add(name);
    const values = [...names]
      .map((name) => env[name])
      .filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_VALUE_LENGTH);
    // Longest first so a value that contains another is replaced whole.
    const unique = [...new Set(values)].sort((a, b) => b.length - a.length);
    const escape = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.envValues = unique.length ? new RegExp(unique.map(escape).join('|'), 'g') : undefined;
    // In JSON text a value appears with its quotes and backslashes escaped.
    const inJson = unique.map((v) => JSON.stringify(v).slice(1, -1));
    this.envValuesInJson = inJson.length ? new RegExp(inJson.map(escape).join('|')) : undefined;
  }

  /**
   * True when `json` (a serialised payload) may hold something to redact. False means the
   * payload can be stored as it is — the common case, which then costs one scan and no copy.
   */
  jsonNeedsRedaction(json: string): boolean {
    return (
      QUICK_CHECK.test(json) ||
      QUICK_KEY_CHECK.test(json) ||
      (this.envValuesInJson?.test(json) ?? false) ||
      json.includes('\\u0000')
    );
  }

  /** Redacts secrets in a string. */
  text(input: string): string {
    // Postgres jsonb cannot hold U+0000; it becomes U+FFFD instead of failing the whole batch.
    let out = input.includes('\u0000') ? input.replaceAll('\u0000', '\uFFFD') : input;
    if (this.envValues) {
      this.envValues.lastIndex = 0;
      if (this.envValues.test(out)) out = out.replace(this.envValues, REDACTED);
    }
    if (!QUICK_CHECK.test(out)) return out;
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
    out = out.replace(AUTH_SCHEME_PATTERN, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    out = out.replace(URL_PASSWORD_PATTERN, (_m, prefix: string) => `${prefix}${REDACTED}@`);
    return out;
  }

  /** Returns a copy of a JSON value with secrets redacted (the input is not modified). */
  value<T>(input: T): T {
    return this.walk(input) as T;
  }

  private walk(input: unknown): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (Array.isArray(input)) return input.map((item) => this.walk(item));
    const out: Record<string, unknown> = {};
    for (const [rawKey, val] of Object.entries(input)) {
      // A NUL in a key fails the insert as surely as one in a value (jsonb cannot hold either).
      const key = rawKey.includes('\u0000') ? rawKey.replaceAll('\u0000', '\uFFFD') : rawKey;
      out[key] = SENSITIVE_KEY.test(key) && val !== null && val !== '' ? REDACTED : this.walk(val);
    }
    return out;
  }
}
