import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Nondeterminism enters only through an injected Clock and a seeded Random. */
const deterministic = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'Use the injected Clock.' },
    { object: 'Math', property: 'random', message: 'Use the seeded Random.' },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'Use the injected Clock.' },
    { name: 'setInterval', message: 'Use the injected Clock.' },
    { name: 'setImmediate', message: 'Use the injected Clock.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
  ],
};

/**
 * `src/sim/` is wholly deterministic (live runs live in `src/live/`): on top of the rules above, no
 * randomness or time from anywhere else — no crypto, no performance clock, no timers module, no
 * clock-reading use of Date (Date.parse and new Date(ms) only convert).
 */
const nondeterministicModules = ['crypto', 'timers', 'timers/promises', 'perf_hooks'].flatMap((m) => [m, `node:${m}`]);
const simulation = {
  ...deterministic,
  'no-restricted-properties': [
    ...deterministic['no-restricted-properties'],
    { object: 'process', property: 'hrtime', message: 'Use the injected Clock.' },
    { object: 'globalThis', property: 'performance', message: 'Use the injected Clock.' },
    { object: 'globalThis', property: 'crypto', message: 'Use the seeded Random.' },
  ],
  'no-restricted-globals': [
    ...deterministic['no-restricted-globals'],
    { name: 'performance', message: 'Use the injected Clock.' },
    { name: 'crypto', message: 'Use the seeded Random.' },
  ],
  'no-restricted-imports': ['error', { paths: nondeterministicModules.map((name) => ({ name, message: 'src/sim is deterministic: live code belongs in src/live.' })) }],
  'no-restricted-syntax': [
    ...deterministic['no-restricted-syntax'],
    { selector: "CallExpression[callee.name='Date']", message: 'Use the injected Clock.' },
    {
      selector: `ImportExpression[source.value=/^(node:)?(${['crypto', 'timers', 'perf_hooks'].join('|')})/]`,
      message: 'src/sim is deterministic: live code belongs in src/live.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/domain/**', 'src/engine/**', 'src/sim/**', 'src/semantics/**'], rules: deterministic },
  { files: ['src/sim/**'], rules: simulation },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
