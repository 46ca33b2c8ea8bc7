/**
 * The `gaffer` package: the SDK for agents (recorder, openai wrapper), and the building blocks
 * the CLI and server are made of, for embedding.
 */
export { openGaffer, GafferClient, runningServer, type OpenGafferOptions, type GafferClientOptions, type GafferRecorder } from './sdk/openGaffer.js';
export { RecorderError } from './sdk/recorder.js';
export type { SdkSubmitInput, SubmittedTask } from './sdk/transport.js';
export type { TaskView } from './api/taskViews.js';
export type { Recorder, RunRecorder, RecorderOptions, StartRunOptions, FinishRunOptions, ToolCallRecord, ArtifactOptions } from './sdk/types.js';
export { wrapOpenAI } from './sdk/openai.js';
export { createGaffer, type Gaffer, type CreateGafferOptions } from './gaffer.js';
export { buildServer } from './api/server.js';
export { GafferError, ERROR_CODES, type ErrorCode } from './errors.js';
export { resolveConfig, configFromEnv, type GafferConfig, type ConfigInput } from './config/config.js';
export { FAILURE_CLASSES, RUN_STATUSES, VERDICTS, TOKEN_SCOPES, type FailureClass, type RunStatus, type Verdict, type TokenScope } from './db/vocabulary.js';
export { EVENT_SCHEMAS, KNOWN_EVENT_TYPES, type LlmCallPayload, type ToolCallPayload, type ToolResultPayload } from './events/eventTypes.js';
