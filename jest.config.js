/**
 * Jest for the labextension, on top of JupyterLab's shared test config
 * (jsdom with Node's fetch, ts-jest, ESM packages transformed by babel).
 */
const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@microsoft',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const base = jestJupyterLab(__dirname);

module.exports = {
  ...base,
  reporters: ['default'],
  setupFilesAfterEnv: [...(base.setupFilesAfterEnv ?? []), '<rootDir>/jest.setup.js'],
  testRegex: 'labextension/src/.*/__tests__/.*\\.spec\\.tsx?$|labextension/src/__tests__/.*\\.spec\\.tsx?$',
  testPathIgnorePatterns: ['/node_modules/', '/labextension/lib/', '/ui-tests/'],
  modulePathIgnorePatterns: ['<rootDir>/server_ext', '<rootDir>/ui-tests'],
  transform: {
    ...base.transform,
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: './tsconfig.test.json' }]
  },
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  collectCoverageFrom: [
    'labextension/src/**/*.{ts,tsx}',
    '!labextension/src/**/__tests__/**'
  ]
};
