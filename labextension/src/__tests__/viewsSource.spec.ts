/**
 * The views only render: requests, timers and socket subscriptions live in models
 * (`panel/*Model.ts`, `views/**\/*Model.ts`), never in the React views.
 */
import * as fs from 'fs';
import * as path from 'path';

const VIEWS = path.join(__dirname, '..', 'views');

function viewFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory()
      ? viewFiles(full)
      : entry.name.endsWith('.tsx')
        ? [full]
        : [];
  });
}

/** What a view must not contain, and why. */
const FORBIDDEN: [RegExp, string][] = [
  [/\brequestAPI\s*\(/, 'a direct API request'],
  [
    /\bclient\s*\.\s*(get|list|create|stop|update|delete|invoke|compare|has)\w*\s*\(/,
    'a call to the API client'
  ],
  [/\bapi\s*\.\s*\w+\s*\(/, 'a call to the API module'],
  [/\bnew\s+WebSocket\b/, 'a WebSocket of its own'],
  [/\bevents\s*\??\.\s*on\s*\(/, 'an events subscription'],
  [/\bconnectionChanged\b/, 'a socket connection subscription'],
  [/\bsetInterval\s*\(/, 'polling'],
  [/\bsetTimeout\s*\(/, 'a timer']
];

/** Shared rendering helpers that may use a timer (a clock tick, freeing a download URL). */
const HELPERS = new Set([path.join(VIEWS, 'common', 'common.tsx')]);

describe('views', () => {
  const files = viewFiles(VIEWS);

  it('include the detail views', () => {
    const names = files.map(f => path.basename(f));
    for (const view of [
      'JobDetailView.tsx',
      'LogTail.tsx',
      'EndpointView.tsx',
      'CompareView.tsx',
      'LaunchForm.tsx',
      'JobsView.tsx',
      'ModelsView.tsx',
      'GroupView.tsx',
      'LineageView.tsx',
      'GraphCanvas.tsx',
      'PipelinesView.tsx',
      'PipelineView.tsx'
    ]) {
      expect(names).toContain(view);
    }
  });

  it.each(
    files.filter(f => !HELPERS.has(f)).map(f => [path.relative(VIEWS, f), f])
  )('%s calls no API, polls nothing and opens no socket', (_name, file) => {
    const source = fs.readFileSync(file, 'utf8');
    const found = FORBIDDEN.filter(([pattern]) => pattern.test(source)).map(
      ([, what]) => what
    );
    expect(found).toEqual([]);
  });

  it('do not import the events socket', () => {
    for (const file of files) {
      expect(fs.readFileSync(file, 'utf8')).not.toMatch(
        /from '(\.\.\/)+events'/
      );
    }
  });
});
