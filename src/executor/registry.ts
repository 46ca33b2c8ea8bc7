/**
 * The executors a Gaffer process runs tasks with. Every worker (in `gaffer serve` or `gaffer
 * worker`) gets the same set, so a task runs the same wherever it is claimed.
 */
import { AgentExecutor, type AgentExecutorOptions } from './agent/agentExecutor.js';
import { CliAgentExecutor, type CliAgentExecutorOptions } from './cliAgentExecutor.js';
import { ShellExecutor } from './shellExecutor.js';
import type { TaskExecutor } from './types.js';

export function defaultExecutors(options: { agent?: AgentExecutorOptions; cliAgent?: CliAgentExecutorOptions } = {}): TaskExecutor[] {
  return [new ShellExecutor(), new AgentExecutor(options.agent), new CliAgentExecutor(options.cliAgent ?? options.agent)];
}
