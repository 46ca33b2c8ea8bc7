/**
 * The OpenAPI 3.1 document is valid under Redocly's linter (its recommended ruleset, errors only)
 * and documents the fixed-contract paths.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createGaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1, lints clean, and lists the contract paths', async () => {
    const gaffer = await createGaffer({ memory: true, logger: silentLogger() });
    const app = await buildServer(gaffer);
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    await app.close();
    await gaffer.close();
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/v1/runs', 'post'],
      ['/api/v1/runs', 'get'],
      ['/api/v1/runs/{id}', 'get'],
      ['/api/v1/runs/{id}/events', 'post'],
      ['/api/v1/runs/{id}/events', 'get'],
      ['/api/v1/runs/{id}/finish', 'post'],
      ['/api/v1/artifacts/{sha256}', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });
});
