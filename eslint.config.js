// Lint gate (run by .ci/run before the tests, zero warnings): type-aware rules, so a promise nobody awaits or a
// promise passed where a callback is expected fails the build instead of becoming an unhandled rejection in Azure.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', 'web/dist/**', 'infra/**'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The tool configs at the root are in no tsconfig; they get the default compiler options.
        projectService: { allowDefaultProject: ['*.config.js', '*.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `const { dropped: _, ...rest } = row` is how this codebase leaves a field out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Kubernetes models (V1Job, V1Pod…) are classes with only static metadata; client-node's own examples build them as literals.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // A caught value or an abort reason is passed on unchanged (as fetch does), whatever it is; every value the code
      // itself throws or rejects with is still checked to be an Error.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // noUncheckedIndexedAccess makes every regex capture and proven index `T | undefined`; `!` states that proof
      // (no-non-null-asserted-optional-chain still rejects the unsafe `a?.b!`).
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON answers: the unsafe-any rules would only add casts there. The promise rules stay on.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/require-await': 'off',
      // A hook's `let stack: LocalStack` is unset when beforeAll failed: afterAll's `stack?.close()` guards what the type cannot see.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
