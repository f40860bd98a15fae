// ESLint (flat config): npm run lint. The recommended rules, the globals of where each
// file runs, and functions short enough to read at a glance.
import js from '@eslint/js'
import globals from 'globals'

export default [
  { ignores: ['node_modules/'] },
  js.configs.recommended,
  {
    files: ['src/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }]
    }
  },
  {
    files: ['test/**/*.mjs', 'tests/**/*.mjs', 'bench/**/*.mjs', '*.mjs', '*.js'],
    ignores: ['src/**'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node }
  }
]
