/**
 * Configuration: the environment and explicit options feed one schema; bad values fail naming the
 * key. Here: the classifier rules file (GAFFER_CLASSIFIER_RULES), read as YAML or JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import { isGafferError } from '../../src/errors.js';

describe('configuration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-config-'));

  it('reads classifier rules from the file GAFFER_CLASSIFIER_RULES names, YAML or JSON', () => {
    const yaml = path.join(dir, 'rules.yaml');
    fs.writeFileSync(yaml, '- pattern: QUOTA_GONE\n  class: resource_exhausted\n  precedence: 1\n');
    expect(resolveConfig(configFromEnv({ GAFFER_CLASSIFIER_RULES: yaml })).classifierRules).toEqual([{ pattern: 'QUOTA_GONE', class: 'resource_exhausted', precedence: 1 }]);
    const json = path.join(dir, 'rules.json');
    fs.writeFileSync(json, JSON.stringify([{ pattern: 'flaky', flags: 'i', class: 'test_fail' }]));
    expect(resolveConfig(configFromEnv({ GAFFER_CLASSIFIER_RULES: json })).classifierRules).toMatchObject([{ pattern: 'flaky', class: 'test_fail' }]);
    expect(resolveConfig({}).classifierRules).toEqual([]);
  });

  it('names the key when the rules file is missing, not a list, or holds a bad rule', () => {
    const fail = (env: NodeJS.ProcessEnv): string => {
      try {
        resolveConfig(configFromEnv(env));
      } catch (err) {
        expect(isGafferError(err, 'VALIDATION_FAILED')).toBe(true);
        return (err as Error).message;
      }
      throw new Error('expected a VALIDATION_FAILED');
    };
    expect(fail({ GAFFER_CLASSIFIER_RULES: path.join(dir, 'missing.yaml') })).toContain("classifierRules (GAFFER_CLASSIFIER_RULES): cannot read");
    const notList = path.join(dir, 'map.yaml');
    fs.writeFileSync(notList, 'pattern: x\n');
    expect(fail({ GAFFER_CLASSIFIER_RULES: notList })).toContain('must hold a list of rules');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, '- pattern: x\n  class: nonsense\n');
    expect(fail({ GAFFER_CLASSIFIER_RULES: bad })).toContain('classifierRules[0].class');
  });
});
