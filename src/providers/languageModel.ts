/**
 * A profile → an AI SDK language model, through `@ai-sdk/openai-compatible`, so any
 * OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, the scripted model server)
 * works the same way. The API key is read from the environment variable the profile names, never
 * from the profile itself; a missing key for a remote endpoint fails here, before any call, with
 * the variable's name in the message.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { GafferError } from '../errors.js';
import type { ProfileDefinition } from '../specs/definitions.js';

/** The endpoint used when neither the profile nor OPENAI_BASE_URL names one. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The provider name given to the AI SDK; also the key for `providerOptions`. */
export const PROVIDER_NAME = 'openai-compatible';

/** A concrete model object (the AI SDK's `LanguageModel` minus its gateway model-id strings). */
export type ProviderLanguageModel = Exclude<LanguageModel, string>;

/** The part of a profile the provider layer reads. */
export type ModelProfile = Pick<ProfileDefinition, 'name' | 'baseUrl' | 'model' | 'apiKeyEnv'> &
  Partial<Pick<ProfileDefinition, 'parameters' | 'prices' | 'systemPrompt'>>;

export interface CreateLanguageModelOptions {
  /** The fetch the provider uses (the recording model passes its recording fetch here). */
  fetch?: typeof globalThis.fetch;
}

/** `profile.baseUrl`, else `OPENAI_BASE_URL`, else OpenAI's endpoint. */
export function resolveBaseUrl(profile: Pick<ProfileDefinition, 'baseUrl'>, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['OPENAI_BASE_URL'];
  return profile.baseUrl ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_BASE_URL);
}

/**
 * Loopback endpoints (a local vLLM, Ollama, llama.cpp server or the scripted model server) usually
 * take no key, so a missing key is not an error for them.
 */
export function isLocalBaseUrl(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host === '0.0.0.0' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * The API key for a profile's endpoint: `env[profile.apiKeyEnv]`. Throws VALIDATION_FAILED naming
 * the variable when it is unset for a non-local endpoint; undefined for a local endpoint without one.
 */
export function resolveApiKey(profile: ModelProfile, baseUrl: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env[profile.apiKeyEnv];
  if (key !== undefined && key !== '') return key;
  if (isLocalBaseUrl(baseUrl)) return undefined;
  const message =
    `profile '${profile.name}': environment variable ${profile.apiKeyEnv} is not set; it must hold the API key for ` +
    `${baseUrl} (set it, change the profile's apiKeyEnv, or point baseUrl at a local endpoint)`;
  throw new GafferError('VALIDATION_FAILED', message, {
    details: { issues: [{ path: 'apiKeyEnv', message: `environment variable ${profile.apiKeyEnv} is not set` }], envVar: profile.apiKeyEnv },
  });
}

/** An AI SDK chat model for the profile. Throws (see resolveApiKey) when the key is missing. */
export function createLanguageModel(
  profile: ModelProfile,
  env: NodeJS.ProcessEnv = process.env,
  options: CreateLanguageModelOptions = {},
): ProviderLanguageModel {
  const baseURL = resolveBaseUrl(profile, env);
  const apiKey = resolveApiKey(profile, baseURL, env);
  const provider = createOpenAICompatible({
    name: PROVIDER_NAME,
    baseURL,
    // Streams end with a usage chunk, so a streamed call is recorded with its token counts too.
    includeUsage: true,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return provider.chatModel(profile.model);
}

/** The AI SDK call settings (`generateText` options) a profile's `parameters` stand for. */
export interface ProfileCallSettings {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  seed?: number;
}

export function profileCallSettings(profile: Pick<ModelProfile, 'parameters'>): ProfileCallSettings {
  const p = profile.parameters ?? {};
  const settings: ProfileCallSettings = {};
  if (p.temperature !== undefined) settings.temperature = p.temperature;
  if (p.topP !== undefined) settings.topP = p.topP;
  if (p.maxTokens !== undefined) settings.maxOutputTokens = p.maxTokens;
  if (p.seed !== undefined) settings.seed = p.seed;
  return settings;
}
