/**
 * `gaffer scripted-model`: the scripted model server as a command (a test and demo tool), serving
 * a script file over the real OpenAI chat-completions protocol until it is stopped.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';

const CLI = path.resolve('src/cli/main.ts');

describe('gaffer scripted-model', () => {
  it('plays the script file to an OpenAI client, labelled as a demo tool, and stops on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-scripted-cli-'));
    const script = path.join(dir, 'script.json');
    fs.writeFileSync(script, JSON.stringify({ demo: [{ toolCalls: [{ name: 'finish', arguments: { summary: 'done' } }] }, { content: 'second' }] }));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'scripted-model', '--script', script, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 200 && !/at (http\S+)/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('test and demo tool, not a model');
      const baseURL = /at (http\S+)/.exec(out)![1]!;
      const client = new OpenAI({ baseURL, apiKey: 'unused' });
      const first = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'go' }] });
      expect(first.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'finish', arguments: '{"summary":"done"}' } });
      const second = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'again' }] });
      expect(second.choices[0]!.message.content).toBe('second');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a script that is not a map of model → turns, naming the option', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-scripted-cli-'));
    const script = path.join(dir, 'bad.json');
    fs.writeFileSync(script, JSON.stringify({ demo: { content: 'not a list' } }));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'scripted-model', '--script', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(err).toContain("--script: ");
    expect(err).toContain("'demo' is not a list");
  });
});
