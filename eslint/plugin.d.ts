// Types for test/lint-rules.test.ts; the plugin itself is plain JavaScript so eslint.config.js loads it as is.
import type { ESLint } from 'eslint';

export declare const plugin: ESLint.Plugin & { rules: Record<'layers' | 'no-import-cycle', NonNullable<ESLint.Plugin['rules']>[string]> };
