/**
 * Galata/Playwright against a real JupyterLab (with the labstudio server extension)
 * started by ./start-jupyter.sh on port 8899.
 *
 * Browsers are not downloaded: Chromium comes from the system
 * (LABSTUDIO_CHROMIUM, default /usr/bin/chromium).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const PORT = Number(process.env.LABSTUDIO_UI_PORT || 8899);
const BASE_URL = `http://127.0.0.1:${PORT}`;

module.exports = {
  ...baseConfig,
  testDir: './tests',
  timeout: 120 * 1000,
  // How long an assertion waits for the page to get there (not a time it must beat): on a
  // loaded two-core machine a list's next page or a live update can take more than the 5 s default.
  expect: { ...baseConfig.expect, timeout: 15 * 1000 },
  workers: 1,
  retries: 0,
  reporter: [
    [process.env.CI ? 'github' : 'list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }]
  ],
  use: {
    ...baseConfig.use,
    baseURL: BASE_URL,
    // Video needs Playwright's own ffmpeg download; traces do not.
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.LABSTUDIO_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  // One server for the whole run: panel.spec.ts checks the newcomer's empty state, so it
  // runs first, before the specs that create jobs (otherwise files run in name order).
  projects: [
    { name: 'fresh-store', testMatch: 'panel.spec.ts' },
    { name: 'studio', testIgnore: 'panel.spec.ts' }
  ],
  webServer: {
    command: './start-jupyter.sh',
    cwd: __dirname,
    url: `${BASE_URL}/lab`,
    // The opt-in UI benchmark seeds 10,000 runs before JupyterLab starts.
    timeout: (process.env.LABSTUDIO_UI_BENCHMARK ? 900 : 120) * 1000,
    // Always a fresh server: the tests rely on a fresh LABSTUDIO_HOME.
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, LABSTUDIO_UI_PORT: String(PORT) }
  }
};
