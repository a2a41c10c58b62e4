import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'coverage/**', '.toolgate/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // stdout is the MCP protocol channel on stdio; log through pino to stderr instead.
      'no-console': ['error', { allow: ['error', 'warn'] }],
      // Review-sized lines (issue #11); prettier wraps code, this catches comments and the rest.
      'max-len': [
        'error',
        { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  { files: ['src/cli/**', 'examples/**', 'bench/**', 'bin/**'], rules: { 'no-console': 'off' } },
  { files: ['bin/**/*.js'], languageOptions: { globals: { URL: 'readonly', process: 'readonly' } } },
);
