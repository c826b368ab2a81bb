// ESLint for the whole workspace, run from the root (`pnpm lint`, and in `make test`).
// The recommended sets, less what does not fit Loupe (below): tsc and svelte-check already
// catch type errors and Prettier owns the layout, so what is left for ESLint is code that
// compiles but is likely a mistake. typescript-eslint's type-aware rules are left out: with
// them a run took over two minutes on the 2-core development machine, and most of what they
// reported was the untyped JSON that tests read on purpose.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './web/svelte.config.js';

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '.tools/',
    'data/',
    'test-results/',
    'web/build/',
    'web/.svelte-kit/',
    'web/src/lib/paraglide/',
    'bench/results/',
    'migrations/',
  ]),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `const { page: _, ...rest } = f` is how the code drops a field from an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['web/**/*.svelte', 'web/**/*.svelte.ts', 'web/src/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
    rules: {
      // Every component's script is TypeScript: svelte-check reports an undefined name, and knows
      // the DOM's types (VideoFrameCallbackMetadata) that ESLint's list of globals lacks.
      'no-undef': 'off',
      // Loupe is served from the root (no `paths.base`), where `resolve('/cases')` is '/cases':
      // the rule guards against a base path the app does not have.
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
  {
    files: ['**/*.svelte.ts'],
    rules: {
      // A `.svelte.ts` class declares what is reactive with `$state`. The rule reports every Map,
      // Set or Date in an exported class, mutated or not, including bookkeeping that no page
      // reads (OverlaySync's receive queues, a stats sum); a SvelteMap there would only add
      // tracking to a path that runs for every packet.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
);
