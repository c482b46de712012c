/**
 * The Studio panel's sections and main-area views against a real JupyterLab whose store
 * was seeded by seed.py (experiment "demo", runs demo-0..demo-3):
 * runs in the sidebar, comparing two runs, launching from the form and watching the job
 * complete with live logs, deploying and invoking, stopping a running job, and a server
 * validation error beside its field. Screenshots light and dark go to ui-tests/screenshots
 * (docs/screenshots with `jlpm screenshots`, see ./screenshots.ts).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

import { SCREENSHOTS } from './screenshots';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';

test.describe.configure({ mode: 'serial' });

async function openPanel(page: IJupyterLabPageFixture): Promise<Locator> {
  const panel = page.locator('#labstudio-panel');
  if (!(await panel.isVisible())) {
    await page.locator(STUDIO_TAB).click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute('data-connected', 'true');
  return panel;
}

/** The demo experiment's run rows (expanding it when needed). */
async function demoRuns(panel: Locator): Promise<Locator> {
  const header = panel.locator('[data-testid="labstudio-experiment-row"][data-experiment="demo"]');
  await expect(header).toBeVisible();
  // Only "demo" open (other specs' jobs make runs in other experiments).
  const others = panel.locator('[data-testid="labstudio-experiment-row"][aria-expanded="true"]:not([data-experiment="demo"])');
  while ((await others.count()) > 0) {
    await others.first().click();
  }
  if ((await header.getAttribute('aria-expanded')) !== 'true') {
    await header.click();
  }
  const rows = panel.locator('[data-testid="labstudio-run-row"]');
  await expect(rows.filter({ hasText: 'demo-0' })).toBeVisible();
  return rows;
}

/** The element's content is not clipped, and it lies inside `container`'s box. */
async function expectFullyVisible(element: Locator, container: Locator): Promise<void> {
  await expect(element).toBeVisible();
  expect(await element.evaluate(e => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
  const box = (await element.boundingBox())!;
  const outer = (await container.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(outer.x - 1);
  expect(box.x + box.width).toBeLessThanOrEqual(outer.x + outer.width + 1);
}

/**
 * Pixels of a canvas drawn in (almost) this colour, e.g. '#1f77b4'. The canvas has no
 * background and getImageData gives colours without their alpha: antialiased edges of a
 * thin line keep its colour, only fainter.
 */
async function pixelsOfColor(canvas: Locator, color: string): Promise<number> {
  return canvas.evaluate((node, hex) => {
    const c = node as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const want = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 60 && want.every((v, k) => Math.abs(data[i + k] - v) <= 40)) {
        count++;
      }
    }
    return count;
  }, color);
}

async function screenshotBoth(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  await page.theme.setDarkTheme();
  await page.waitForTimeout(300); // charts redraw with the theme's colours
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-dark.png`) });
  await page.theme.setLightTheme();
}

test('the panel lists experiments and their runs with a key metric', async ({ page }) => {
  const panel = await openPanel(page);
  const rows = await demoRuns(panel);
  await expect(rows).toHaveCount(4);
  await expect(rows.first()).toHaveAttribute('data-status', 'Completed');

  // Choose a key metric: each row shows its last value, and the runs sort by it.
  await panel.getByTestId('labstudio-key-metric').selectOption('loss');
  await expect(rows.first().getByTestId('labstudio-run-metric')).not.toBeEmpty();
  await panel.getByTestId('labstudio-run-sort').selectOption('metric:asc');
  await expect(rows.first()).toHaveAttribute('data-run-name', 'demo-0');

  // The search box takes a name or a filter expression.
  const search = panel.getByTestId('labstudio-run-search');
  await search.fill('demo-3');
  await expect(rows).toHaveCount(1);
  await search.fill("params.optimizer = 'adam'");
  await expect(rows).toHaveCount(2);

  // A newcomer's mistake (an unquoted string): the server's error, caret and all, wraps
  // inside the default-width sidebar instead of running off its edge.
  await search.fill('metrics.acc > 0.9 and params.optimizer = adam');
  const error = panel.getByTestId('labstudio-run-list-error');
  await expect(error).toContainText("found 'adam'");
  await expect(error).toContainText('^');
  await expectFullyVisible(error, panel);
  await search.fill('');
  await expect(rows.filter({ hasText: 'demo-0' })).toBeVisible();
  await expect(error).toHaveCount(0);
});

test('names are cut in the middle at the default sidebar width, whole on hover', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'fail.py'), `${tmpPath}/fail.py`);
  // Generated names share everything but their end.
  const names = ['hyperparameter-sweep-2026-11-30-02-13-45-101', 'hyperparameter-sweep-2026-11-30-02-13-45-102'];
  for (const name of names) {
    const response = await page.request.post('/labstudio/api/jobs', {
      data: { entry_point: `${tmpPath}/fail.py`, name, experiment_name: 'sweep' }
    });
    expect(response.status(), await response.text()).toBe(201);
  }
  const panel = await openPanel(page); // the default sidebar width: not set here

  const jobNames = names.map(name =>
    panel.locator(`.labstudio-job-row[data-job-name="${name}"]`).getByTestId('labstudio-job-name')
  );
  const header = panel.locator('[data-testid="labstudio-experiment-row"][data-experiment="sweep"]');
  await expect(header).toBeVisible();
  if ((await header.getAttribute('aria-expanded')) !== 'true') {
    await header.click();
  }
  const runNames = names.map(name =>
    panel.locator(`[data-testid="labstudio-run-row"][data-run-name="${name}"]`).getByTestId('labstudio-run-name')
  );
  for (const [i, name] of names.entries()) {
    for (const shown of [jobNames[i], runNames[i]]) {
      await expect(shown).toHaveAttribute('title', name); // the whole name on hover
      // the start, "…", and the end that tells the two apart
      await expect(shown).toHaveText(new RegExp(`^hyper[^…]*…[^…]*${name.slice(-6)}$`));
      expect(await shown.evaluate(e => e.scrollWidth <= e.clientWidth)).toBe(true);
    }
  }
  expect(await jobNames[0].textContent()).not.toBe(await jobNames[1].textContent());
  expect(await runNames[0].textContent()).not.toBe(await runNames[1].textContent());

  // Room enough: the whole name.
  await page.sidebar.setWidth(700, 'left');
  await expect(jobNames[0]).toHaveText(names[0]);
  await expect(runNames[1]).toHaveText(names[1]);
});

test("the key metric defaults to one of the experiment's metrics and survives a reload", async ({ page }) => {
  let panel = await openPanel(page);
  await demoRuns(panel);
  const picker = () => panel.getByTestId('labstudio-key-metric');
  await expect(picker()).toHaveAttribute('data-experiment', 'demo');
  // demo logs acc and loss: one of them, not "(none)"
  await expect(picker()).toHaveValue('acc');
  await expect(panel.getByTestId('labstudio-run-metric').first()).not.toBeEmpty();
  await picker().selectOption('loss');
  await expect(panel.getByTestId('labstudio-run-metric').first()).toHaveAttribute('title', 'loss');

  await page.reload();
  panel = await openPanel(page);
  const rows = await demoRuns(panel);
  await expect(picker()).toHaveAttribute('data-experiment', 'demo');
  await expect(picker()).toHaveValue('loss');
  await expect(rows.first().getByTestId('labstudio-run-metric')).toHaveAttribute('title', 'loss');
});

test('two selected runs compare on one chart with two series', async ({ page }) => {
  const panel = await openPanel(page);
  const rows = await demoRuns(panel);
  await panel.getByTestId('labstudio-run-sort').selectOption('name:asc');
  await expect(rows.first()).toHaveAttribute('data-run-name', 'demo-0');

  await rows.nth(0).getByTestId('labstudio-run-checkbox').click();
  await rows.nth(1).getByTestId('labstudio-run-checkbox').click({ modifiers: ['Shift'] });
  const compare = panel.getByTestId('labstudio-compare');
  await expect(compare).toHaveText('Compare (2)');
  await compare.click();

  const view = page.getByTestId('labstudio-compare-view');
  await expect(view).toBeVisible();
  const chart = view.getByTestId('labstudio-metric-chart');
  await expect(chart).toHaveAttribute('data-series', '2');
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(view.getByTestId('labstudio-legend-item')).toHaveCount(2); // one per run
  await expect(view.getByTestId('labstudio-compare-row')).toHaveCount(2);
  // lr differs between the two runs: its column is marked
  await expect(view.locator('[data-testid="labstudio-compare-header"][data-column="param:lr"]')).toHaveClass(/labstudio-diff-col/);
  await expect(view.getByTestId('labstudio-scatter-chart').locator('canvas')).toHaveCount(1);
  await expect(view.getByTestId('labstudio-parallel-chart')).toBeVisible();

  // The table's last column can be scrolled into view whole.
  const table = view.getByTestId('labstudio-compare-table');
  await table.evaluate(e => (e.scrollLeft = e.scrollWidth));
  const lastHeader = view.getByTestId('labstudio-compare-header').last();
  await expect(lastHeader).toHaveAttribute('data-column', 'metric:loss');
  await expectFullyVisible(lastHeader, table);
  const lastCells = view.getByTestId('labstudio-compare-row').locator('[role="cell"]:last-child');
  await expect(lastCells).toHaveCount(2);
  for (const cell of await lastCells.all()) {
    await expect(cell).toHaveText(/^-?\d[\d.]*(e[-+]?\d+)?$/);
    await expectFullyVisible(cell, table);
  }
  await table.evaluate(e => (e.scrollLeft = 0));

  // Columns as wide as their text: the differences fit beside a narrow sidebar, unscrolled.
  await page.sidebar.setWidth(280, 'left');
  await view.getByTestId('labstudio-only-diff').check();
  await expect(view.locator('[data-testid="labstudio-compare-header"][data-column="experiment"]')).toHaveCount(0);
  await expect(view.locator('[data-testid="labstudio-compare-header"][data-column="param:lr"]')).toHaveCount(1);
  await expect.poll(() => table.evaluate(e => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
  await expectFullyVisible(view.getByTestId('labstudio-compare-header').last(), table);

  // The runs' curve colours (the first two of the palette) in the scatter and the
  // parallel coordinates too.
  for (const chart of ['labstudio-scatter-chart', 'labstudio-parallel-chart']) {
    const canvas = view.getByTestId(chart).locator('canvas');
    await expect.poll(() => pixelsOfColor(canvas, '#1f77b4'), { message: `${chart}: run 1's colour` }).toBeGreaterThan(3);
    await expect.poll(() => pixelsOfColor(canvas, '#ff7f0e'), { message: `${chart}: run 2's colour` }).toBeGreaterThan(3);
  }

  // log scale and smoothing redraw the same two runs
  await view.getByTestId('labstudio-compare-log').check();
  await view.getByTestId('labstudio-compare-smoothing').fill('0.6');
  await expect(chart).toHaveAttribute('data-series', '4'); // smoothed + faint raw per run
  await view.getByTestId('labstudio-compare-smoothing').fill('0');
  await expect(chart).toHaveAttribute('data-series', '2');

  await screenshotBoth(page, 'compare');
  await panel.getByTestId('labstudio-clear-selection').click();
});

test('a server validation error shows beside its field', async ({ page }) => {
  await openPanel(page);
  await page.locator('#labstudio-panel').getByTestId('labstudio-launch').click();
  const form = page.getByTestId('labstudio-launch-form');
  await expect(form).toBeVisible();
  await form.getByTestId('labstudio-launch-entry-point').fill('no/such/script.py');
  await form.getByTestId('labstudio-launch-submit').click();
  const error = form.locator('[data-field="entry_point"]').getByTestId('labstudio-field-error-entry_point');
  await expect(error).toContainText('does not exist');

  // A bad regex: the tester says so at once, the server's error lands beside the field.
  await form.getByTestId('labstudio-launch-entry-point').fill('');
  await form.getByTestId('labstudio-launch-metric-add').click();
  await form.getByTestId('labstudio-launch-metric-key').fill('loss');
  await form.getByTestId('labstudio-launch-metric-value').fill('loss=([0-9.]+');
  await expect(form.getByTestId('labstudio-regex-result')).toContainText(/Invalid|Unterminated/i);
  await form.getByTestId('labstudio-launch-max-runtime').fill('-5');
  await form.getByTestId('labstudio-launch-entry-point').fill('no/such/script.py');
  await form.getByTestId('labstudio-launch-submit').click();
  // every problem of the request at once, each beside its own field
  await expect(form.locator('.labstudio-field-error')).toHaveCount(3);
});

test('launch from the form, watch it complete with live logs, deploy and invoke', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'deployable.py'), `${tmpPath}/deployable.py`);
  await page.filebrowser.openDirectory(tmpPath);

  // Right-click the script in the file browser → "Train with labstudio".
  const item = page.locator('.jp-DirListing-item[data-file-type="python"]', { hasText: 'deployable.py' });
  await item.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Train with labstudio' }).click();
  const form = page.getByTestId('labstudio-launch-form').last();
  await expect(form.getByTestId('labstudio-launch-entry-point')).toHaveValue(`${tmpPath}/deployable.py`);

  await form.getByTestId('labstudio-launch-hp-add').click();
  await form.getByTestId('labstudio-launch-hp-key').fill('epochs');
  await form.getByTestId('labstudio-launch-hp-value').fill('4');
  await form.getByTestId('labstudio-launch-metric-add').click();
  await form.getByTestId('labstudio-launch-metric-key').fill('loss');
  await form.getByTestId('labstudio-launch-metric-value').fill('loss=([0-9.]+)');
  await expect(form.getByTestId('labstudio-regex-result')).toContainText('0.693');
  await form.getByTestId('labstudio-launch-experiment').fill('ui-launch');
  await form.getByTestId('labstudio-launch-submit').click();

  const detail = page.getByTestId('labstudio-job-detail');
  await expect(detail).toBeVisible();
  await expect(detail.getByTestId('labstudio-log')).toContainText('epoch=1', { timeout: 30_000 });
  await expect(detail).toHaveAttribute('data-status', 'Completed', { timeout: 90_000 });
  await expect(detail.getByTestId('labstudio-log')).toContainText('training done');
  await expect(detail.getByTestId('labstudio-job-metrics').locator('canvas')).toHaveCount(1);
  await expect(detail.getByTestId('labstudio-timeline')).toContainText('Training');
  await expect(detail.getByTestId('labstudio-job-hyperparameters')).toContainText('epochs');
  await screenshotBoth(page, 'job-detail');

  await detail.getByTestId('labstudio-job-deploy').click();
  await detail.getByTestId('labstudio-deploy-confirm').click();
  const endpoint = page.getByTestId('labstudio-endpoint-detail');
  await expect(endpoint).toBeVisible({ timeout: 30_000 });
  await expect(endpoint).toHaveAttribute('data-status', 'InService', { timeout: 90_000 });
  await endpoint.getByTestId('labstudio-invoke-body').fill('[1, 2]');
  await endpoint.getByTestId('labstudio-invoke-send').click();
  const result = endpoint.getByTestId('labstudio-invoke-result');
  await expect(result).toHaveAttribute('data-status', '200');
  await expect(result.getByTestId('labstudio-invoke-response')).toContainText('prediction');
  await expect(result.getByTestId('labstudio-invoke-latency')).toContainText('ms');
  // The endpoint shows in the sidebar, live.
  const panel = await openPanel(page);
  await expect(panel.locator('[data-testid="labstudio-endpoint-row"][data-status="InService"]')).toHaveCount(1);
  await screenshotBoth(page, 'endpoint');

  await endpoint.getByTestId('labstudio-endpoint-delete').click();
  await endpoint.getByTestId('labstudio-endpoint-delete-confirm').click();
  await expect(panel.getByTestId('labstudio-endpoint-row')).toHaveCount(0, { timeout: 30_000 });
});

test('a running job stops from its detail view', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'slow.py'), `${tmpPath}/slow.py`);
  const response = await page.request.post('/labstudio/api/jobs', { data: { entry_point: `${tmpPath}/slow.py` } });
  expect(response.status(), await response.text()).toBe(201);
  const name: string = (await response.json()).TrainingJobName;

  const panel = await openPanel(page);
  const row = panel.locator(`.labstudio-job-row[data-job-name="${name}"]`);
  await expect(row).toHaveAttribute('data-status', 'InProgress', { timeout: 30_000 });
  await row.click();
  const detail = page.locator(`[data-testid="labstudio-job-detail"][data-job-name="${name}"]`);
  await expect(detail.getByTestId('labstudio-log')).toContainText('step=1', { timeout: 30_000 });
  await detail.getByTestId('labstudio-job-stop').click();
  await expect(detail).toHaveAttribute('data-status', 'Stopped', { timeout: 60_000 });
  await expect(row).toHaveAttribute('data-status', 'Stopped');
});

test('the launch form offers the backends; a 2-host job shows its hosts and filters its log by host', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'train.py'), `${tmpPath}/train.py`);
  await openPanel(page);
  await page.locator('#labstudio-panel').getByTestId('labstudio-launch').click();
  const form = page.getByTestId('labstudio-launch-form').last();
  await expect(form).toBeVisible();

  // local is the server's default; ray is offered but disabled, with what to configure
  // (this server's store is a SQLite file).
  const backend = form.getByTestId('labstudio-launch-backend');
  await expect(backend).toHaveValue('local');
  await expect(backend.locator('option[value="local"]')).toBeEnabled();
  await expect(backend.locator('option[value="ray"]')).toBeDisabled();
  const reason = form.locator('[data-testid="labstudio-launch-backend-reason"][data-backend="ray"]');
  await expect(reason).toContainText('LABSTUDIO_DB_URL');

  await form.getByTestId('labstudio-launch-entry-point').fill(`${tmpPath}/train.py`);
  await expect(form.getByTestId('labstudio-launch-torchrun')).toBeDisabled();
  await form.getByTestId('labstudio-launch-instance-count').fill('2');
  await expect(form.getByTestId('labstudio-launch-torchrun')).toBeEnabled();
  await form.getByTestId('labstudio-launch-placement').screenshot({ path: path.join(SCREENSHOTS, 'launch-backend.png') });
  await form.getByTestId('labstudio-launch-experiment').fill('ui-hosts');
  await form.getByTestId('labstudio-launch-submit').click();

  const detail = page.getByTestId('labstudio-job-detail').last();
  await expect(detail).toHaveAttribute('data-status', 'Completed', { timeout: 90_000 });
  const hosts = detail.getByTestId('labstudio-job-host');
  await expect(hosts).toHaveCount(2);
  await expect(hosts.nth(0)).toHaveAttribute('data-host', 'algo-1');
  await expect(hosts.nth(1)).toHaveAttribute('data-host', 'algo-2');
  await expect(hosts.nth(0)).toHaveAttribute('data-status', 'Completed');
  await expect(hosts.nth(1)).toHaveAttribute('data-status', 'Completed');

  // Every host's lines, prefixed; then only algo-2's.
  const log = detail.getByTestId('labstudio-log');
  await expect(log).toContainText(/algo-1-\w+ \| training done/);
  await expect(log).toContainText(/algo-2-\w+ \| training done/);
  await detail.getByTestId('labstudio-log-host').selectOption('algo-2');
  await expect(log).toContainText(/algo-2-\w+ \| training done/);
  await expect(log).not.toContainText('algo-1-');
  await screenshotBoth(page, 'job-hosts');
});
