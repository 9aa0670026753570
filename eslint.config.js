// `npm run lint`. Type-aware typescript-eslint over src/, test/, bench/ and vitest.config.ts, plus
// portkeeper's own layer and import-circle rules (eslint/plugin.js, table in eslint/layers.js).
// No stylistic rules: formatting is not linted.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { plugin as portkeeper } from './eslint/plugin.js';

const srcDir = `${import.meta.dirname}/src`;

export default defineConfig(
  // test/fixtures holds plain scripts for spawned processes and a consumer project outside tsconfig.
  // What .gitignore leaves out (build output, scratch) is not linted either.
  { ignores: ['dist/', 'dist-bench/', 'coverage/', '.tmp/', 'test/fixtures/'] },
  {
    // The lint setup itself and .ci's scripts: plain JavaScript run by Node.
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', setInterval: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // In a daemon a floating promise is a silent crash; these three are why lint exists here.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A `default:` does not count for a union: a new member of a union (an ErrorCode, a
      // ReleaseReason…) must be handled in every switch over it, not fall silently into the default.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: false }],
      // `const { pid: _pid, ...rest } = …` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Passing on a caught `unknown` is rethrowing it, not inventing a non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Not for this code base:
      // - async functions without await implement Promise-returning interfaces (storage, probes);
      'require-await': 'off',
      '@typescript-eslint/require-await': 'off',
      // - deps objects hold closures, not methods that need `this`;
      '@typescript-eslint/unbound-method': 'off',
      // - the sanitisers match control characters on purpose;
      'no-control-regex': 'off',
      // - `let x = default; try { x = … }` is the house way to give a value a fallback;
      'no-useless-assignment': 'off',
      // - String(unknown) is the deliberate last resort when describing a value; templates are
      //   still guarded by restrict-template-expressions;
      '@typescript-eslint/no-base-to-string': 'off',
      // - `string | 'shutdown'` spells out the literals that mean something.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // A closure's `let` is assigned after the function that reads it (a timer started later).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read JSON the CLI and the daemon print: `any` from JSON.parse and expect.any() is fine there.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The layers of docs/architecture.md; the rules skip src/'s test files themselves.
    files: ['src/**/*.ts'],
    plugins: { portkeeper },
    rules: {
      'portkeeper/layers': ['error', { srcDir }],
      'portkeeper/no-import-cycle': ['error', { srcDir }],
    },
  },
);
