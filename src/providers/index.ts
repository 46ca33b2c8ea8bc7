/** The model-provider layer: profiles → AI SDK models, with every call recorded raw. */
export {
  DEFAULT_BASE_URL,
  PROVIDER_NAME,
  createLanguageModel,
  isLocalBaseUrl,
  profileCallSettings,
  resolveApiKey,
  resolveBaseUrl,
  type CreateLanguageModelOptions,
  type ModelProfile,
  type ProfileCallSettings,
  type ProviderLanguageModel,
} from './languageModel.js';
export {
  createRecordingFetch,
  createRecordingModel,
  deriveCall,
  toLlmCallPayload,
  type CallUsage,
  type CapturedCall,
  type RecordedCall,
  type RecordingModelOptions,
} from './recordingModel.js';
