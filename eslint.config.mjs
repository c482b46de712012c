// ESLint for the panel's TypeScript (labextension/src), run by `jlpm lint:check` in scripts/test.sh.
// Formatting is prettier's job: eslint-config-prettier switches off every rule it would fight.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // generated/ is written by openapi-typescript and checked for drift byte for byte.
    ignores: ['labextension/src/generated/**']
  },
  {
    files: ['labextension/src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { react, 'react-hooks': reactHooks },
    settings: { react: { version: 'detect' } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs['jsx-runtime'].rules,
      // tsconfig uses the classic runtime ("jsx": "react"): React must be in scope.
      'react/react-in-jsx-scope': 'error',
      'react/jsx-uses-react': 'error',
      // Props are typed by TypeScript, not prop-types.
      'react/prop-types': 'off',
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', ignoreRestSiblings: true }],
      // JupyterLab's conventions (as in its extension template): interfaces are I-prefixed,
      // and command ids live in a `CommandIDs` namespace.
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-namespace': 'off',
      eqeqeq: ['error', 'smart'],
      // Named function expressions stay allowed: React.memo(function Row() {...}) keeps its name.
      'prefer-arrow-callback': ['error', { allowNamedFunctions: true }],
      'prefer-const': 'error'
    }
  },
  {
    // Jest specs and their fixtures: test doubles may be loosely typed.
    files: ['labextension/src/__tests__/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off'
    }
  },
  prettier
);
