/**
 * `{{input.path}}` placeholders, rendered one string at a time. For argv this is per element, so
 * an input can never split into extra arguments or reach a shell: `["grep", "{{input.q}}"]` with
 * q = "x; rm -rf /" runs grep with that one literal argument.
 */
import { GafferError } from '../errors.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;

export function lookupPath(context: Record<string, unknown>, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Renders a template; a placeholder with no value is an error naming it (never an empty string). */
export function renderTemplate(template: string, context: Record<string, unknown>, where = 'template'): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => {
    const value = lookupPath(context, path);
    if (value === undefined || value === null) {
      throw new GafferError('VALIDATION_FAILED', `${where}: {{${path}}} has no value; give it in the task input`, {
        details: { issues: [{ path, message: 'missing value for a placeholder' }] },
      });
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

export function renderArgv(argv: readonly string[], context: Record<string, unknown>): string[] {
  return argv.map((arg, i) => renderTemplate(arg, context, `command[${i}]`));
}
