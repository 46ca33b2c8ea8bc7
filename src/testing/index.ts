/**
 * `gaffer/testing`: tools for tests and demos. Nothing exported here talks to a real model.
 */
export {
  ANY_MODEL,
  SCRIPTED_SYSTEM_FINGERPRINT,
  startScriptedModelServer,
  type ChatRequestBody,
  type ReceivedRequest,
  type Script,
  type ScriptedFinishReason,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
  type ScriptedTurn,
  type ScriptHandler,
} from './scriptedModelServer.js';
