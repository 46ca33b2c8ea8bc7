import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'drizzle/**', 'test-results/**', 'bench/results/**', '.gaffer/**', 'scratch/**',
    // The sample repository agents are pointed at in the README: the user's code (CommonJS), not ours.
    'examples/agent/sample-repo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Build scripts run on Node.
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
);
