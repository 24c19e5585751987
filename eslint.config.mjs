// Lint rules that keep the layering of DESIGN.md honest: core and cli run in plain Node
// (no `vscode`), and nothing in src builds shell strings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noShell = [
  'error',
  {
    selector: "Property[key.name='shell'][value.value=true]",
    message: 'Never run through a shell: spawn with an argument array (shell: false).',
  },
  {
    selector: "CallExpression[callee.property.name=/^(exec|execSync)$/][callee.object.name=/^(child_process|cp|childProcess)$/]",
    message: 'child_process.exec runs a shell string: use spawn/execFile with an argument array.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'out/**', 'examples/**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-syntax': noShell,
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', importNames: ['exec', 'execSync'], message: 'exec runs a shell string: use spawn/execFile with an argument array.' }, { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'exec runs a shell string: use spawn/execFile with an argument array.' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/core/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'src/core and src/cli run in plain Node: never import vscode here.' },
          { name: 'child_process', importNames: ['exec', 'execSync'], message: 'exec runs a shell string: use spawn/execFile with an argument array.' },
          { name: 'node:child_process', importNames: ['exec', 'execSync'], message: 'exec runs a shell string: use spawn/execFile with an argument array.' },
        ],
      }],
    },
  },
);
