import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { ValidationContext } from '../../src/acceptance/index.js';

const made: string[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A real temporary workspace holding `files` (path → content). Removed after each test. */
export async function makeWorkspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gaffer-acceptance-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}

export interface StoredArtifact {
  content: Buffer;
  name: string;
  contentType: string;
}

export type TestContext = ValidationContext & { artifacts: Map<string, StoredArtifact> };

/** A context over `workspace` whose artifact store is an in-memory content-addressed map. */
export function makeContext(workspace: string, extra: Partial<ValidationContext> = {}): TestContext {
  const artifacts = new Map<string, StoredArtifact>();
  return {
    workspace,
    changedFiles: [],
    async storeArtifact(content, name, contentType) {
      const buf = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
      const sha256 = createHash('sha256').update(buf).digest('hex');
      artifacts.set(sha256, { content: buf, name, contentType });
      return sha256;
    },
    artifacts,
    ...extra,
  };
}
