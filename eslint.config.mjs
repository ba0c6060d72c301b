import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Nothing outside local/ and test/ may depend on the local stack.
    files: ['lib/**', 'functions/**', 'infra/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/local/**'] }],
    },
  },
  {
    // The provider protocol and the domain never talk to AWS (architecture §2).
    files: ['lib/upay/**', 'lib/payments/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '**/local/**'] }],
    },
  },
);
