// ESLint flat config: type-aware typescript-eslint rules over apps/, libs/, test/ and tools/ (the files tsconfig.json
// includes), imports ordered as the code already groups them. Formatting is Prettier's job (`npm run lint` checks both).
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Side-effect imports, node: builtins, packages (@app/* sorts among them), then parent and sibling paths:
      // the grouping the code was written with, so the autofix moves little.
      'simple-import-sort/imports': ['error', { groups: [['^\\u0000'], ['^node:'], ['^@?\\w'], ['^'], ['^\\.']] }],
    },
  },
  {
    // Tests read untyped HTTP and JSON bodies, and Jest's asymmetric matchers (expect.any, expect.objectContaining)
    // are typed `any`: the no-unsafe-* rules would ask for a cast per assertion without making a test safer.
    // `expect(fake.method)` is how Jest inspects a mock, not a call that loses `this`. Fakes and callbacks are async
    // to honour interfaces that take a promise, and a throw inside one must become a rejection, awaited or not.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (this file, the Jest transform) is not part of the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { require: 'readonly', module: 'writable', __filename: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
  {
    // The Jest transform is CommonJS, as Jest loads it.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
