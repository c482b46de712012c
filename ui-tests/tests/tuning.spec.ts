/**
 * Hyperparameter tuning in the Studio panel against a real JupyterLab: a real sweep of
 * a ~0.2 s script (4 trials, 2 at a time) started over REST shows in the Tuning section,
 * its view fills live (trials table, objective chart, parallel coordinates) until it
 * completes, a trial opens its job; Stop stops a running sweep and its trials; the
 * launch form's tuning mode puts the server's refusal of a range beside the
 * hyperparameters. Screenshots light and dark go to
 * ui-tests/screenshots (docs/screenshots with `jlpm screenshots`, see ./screenshots.ts).
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

/** Canvas pixels that are drawn at all (not transparent). */
async function drawnPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate(node => {
    const c = node as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] > 60) {
        count++;
      }
    }
    return count;
  });
}

async function screenshotBoth(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  await page.theme.setDarkTheme();
  await page.waitForTimeout(300); // charts redraw with the theme's colours
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-dark.png`) });
  await page.theme.setLightTheme();
}

test('a tuning job fills its view live: trials, objective chart, parallel coordinates', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'tune.py'), `${tmpPath}/tune.py`);
  const name = 'ui-sweep';
  const response = await page.request.post('/labstudio/api/tuning-jobs', {
    data: {
      name,
      training: {
        entry_point: `${tmpPath}/tune.py`,
        metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }]
      },
      objective_metric_name: 'loss',
      objective_type: 'Minimize',
      hyperparameter_ranges: {
        x: { type: 'Continuous', min_value: 0, max_value: 1 },
        depth: { type: 'Integer', min_value: 1, max_value: 4 },
        opt: { type: 'Categorical', values: ['adam', 'sgd'] }
      },
      strategy: 'Random',
      random_seed: 7,
      max_jobs: 4,
      max_parallel_jobs: 2
    }
  });
  expect(response.status(), await response.text()).toBe(201);

  // The Tuning section lists it, with its progress; a click opens its view.
  const panel = await openPanel(page);
  const row = panel.locator(`[data-testid="labstudio-tuning-row"][data-tuning-job="${name}"]`);
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row.getByTestId('labstudio-tuning-row-progress')).toHaveText(/^\d\/4$/);
  await row.click();
  const view = page.locator(`[data-testid="labstudio-tuning-view"][data-tuning-job="${name}"]`);
  await expect(view).toBeVisible();

  // Live: the trials arrive, run, and the sweep completes without a reload.
  const trials = view.getByTestId('labstudio-tuning-trial-row');
  await expect(trials).toHaveCount(4, { timeout: 90_000 });
  await expect(view).toHaveAttribute('data-status', 'Completed', { timeout: 90_000 });
  await expect(view.locator('[data-testid="labstudio-tuning-trial-row"][data-status="Completed"]')).toHaveCount(4);
  await expect(view.getByTestId('labstudio-tuning-progress')).toHaveText('4 / 4 trials');
  await expect(view.getByTestId('labstudio-tuning-best')).toContainText(`${name}-`);
  await expect(view.getByTestId('labstudio-tuning-stop')).toHaveCount(0);
  await expect(view.getByTestId('labstudio-tuning-deploy')).toBeVisible();

  await expect(view.getByTestId('labstudio-objective-chart')).toHaveAttribute('data-points', '4');
  await screenshotBoth(page, 'tuning');

  // Each tuned hyperparameter is a column; the table sorts by a click on its header.
  const headers = view.getByTestId('labstudio-trials-header');
  await expect(headers).toHaveText([/Trial/, /Status/, /loss/, /depth/, /x/, /opt/]);
  const objectives = async () =>
    (await trials.locator('td:nth-child(3)').allTextContents()).map(Number);
  const ascending = await objectives();
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b)); // best first
  await headers.filter({ hasText: 'loss' }).click();
  await expect.poll(objectives).toEqual([...ascending].sort((a, b) => b - a));

  // The objective chart has a dot per trial and the best-so-far line; the parallel
  // coordinates have an axis per tuned hyperparameter and the objective, and are drawn.
  const chart = view.getByTestId('labstudio-objective-chart');
  await expect(chart).toHaveAttribute('data-points', '4');
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(chart.locator('.u-legend .u-series')).toHaveCount(3); // x, objective, best so far
  const parallel = view.getByTestId('labstudio-parallel-chart');
  await expect(parallel).toHaveAttribute('data-axes', '4');
  await expect.poll(() => drawnPixels(parallel.locator('canvas'))).toBeGreaterThan(100);
  await view.getByTestId('labstudio-tuning-xmode').selectOption('index');
  await expect(chart).toHaveAttribute('data-points', '4');

  // The sidebar row says so too.
  await expect(row).toHaveAttribute('data-status', 'Completed');
  await expect(row.getByTestId('labstudio-tuning-row-progress')).toHaveText('4/4');
  await expect(row.getByTestId('labstudio-tuning-row-best')).toContainText('best ');

  // The trials' runs compare side by side.
  await view.getByTestId('labstudio-tuning-compare').click();
  const compare = page.getByTestId('labstudio-compare-view');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('labstudio-compare-row')).toHaveCount(4);
  await page.getByRole('tab', { name: name, exact: true }).click();

  // A trial opens its training job.
  const first = await trials.first().getAttribute('data-trial');
  await trials.first().click();
  const detail = page.locator(`[data-testid="labstudio-job-detail"][data-job-name="${first}"]`);
  await expect(detail).toBeVisible();
  await expect(detail).toHaveAttribute('data-status', 'Completed');
});

test('Stop stops a running sweep and its running trials', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'tune.py'), `${tmpPath}/tune.py`);
  const name = 'ui-sweep-stop';
  const response = await page.request.post('/labstudio/api/tuning-jobs', {
    data: {
      name,
      training: {
        entry_point: `${tmpPath}/tune.py`,
        hyperparameters: { sleep: 120 }, // static: every trial runs two minutes
        metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }]
      },
      objective_metric_name: 'loss',
      objective_type: 'Minimize',
      hyperparameter_ranges: { x: { type: 'Continuous', min_value: 0, max_value: 1 } },
      strategy: 'Random',
      max_jobs: 4,
      max_parallel_jobs: 2
    }
  });
  expect(response.status(), await response.text()).toBe(201);
  const panel = await openPanel(page);
  const row = panel.locator(`[data-testid="labstudio-tuning-row"][data-tuning-job="${name}"]`);
  await expect(row).toBeVisible({ timeout: 30_000 });
  // Opened by name with the command (what the palette's "Open a tuning job…" runs).
  await page.evaluate(
    sweep => (window as any).jupyterapp.commands.execute('labstudio:open-tuning', { name: sweep }),
    name
  );
  const view = page.locator(`[data-testid="labstudio-tuning-view"][data-tuning-job="${name}"]`);
  await expect(view).toBeVisible();
  const running = view.locator('[data-testid="labstudio-tuning-trial-row"][data-status="InProgress"]');
  await expect(running).toHaveCount(2, { timeout: 60_000 });
  await view.getByTestId('labstudio-tuning-stop').click();
  await expect(view).toHaveAttribute('data-status', 'Stopped', { timeout: 60_000 });
  await expect(view.getByTestId('labstudio-tuning-stop')).toHaveCount(0);
  const trials = view.getByTestId('labstudio-tuning-trial-row');
  await expect(trials).toHaveCount(2); // no new trial after Stop
  await expect(view.locator('[data-testid="labstudio-tuning-trial-row"][data-status="Stopped"]')).toHaveCount(2);
  await expect(row).toHaveAttribute('data-status', 'Stopped');
});

test("the launch form's tuning mode shows the server's refusal beside the hyperparameters", async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'tune.py'), `${tmpPath}/tune.py`);
  await openPanel(page);
  await page.locator('#labstudio-panel').getByTestId('labstudio-launch').click();
  const form = page.getByTestId('labstudio-launch-form').last();
  await form.getByTestId('labstudio-launch-mode-tuning').check();
  await expect(form.getByTestId('labstudio-launch-tuning')).toBeVisible();
  await form.getByTestId('labstudio-launch-entry-point').fill(`${tmpPath}/tune.py`);
  await form.getByTestId('labstudio-launch-metric-add').click();
  await form.getByTestId('labstudio-launch-metric-key').fill('loss');
  await form.getByTestId('labstudio-launch-metric-value').fill('loss=([0-9.]+)');
  await expect(form.getByTestId('labstudio-launch-objective')).toHaveValue('loss');

  // A float becomes a log-scale range around its value; a minimum of 0 cannot be logged.
  await form.getByTestId('labstudio-launch-hp-add').click();
  await form.getByTestId('labstudio-launch-hp-key').fill('x');
  await form.getByTestId('labstudio-launch-hp-value').fill('0.5');
  await form.getByTestId('labstudio-launch-hp-range-toggle').check();
  await expect(form.getByTestId('labstudio-launch-hp-range-type')).toHaveValue('Continuous');
  await expect(form.getByTestId('labstudio-launch-hp-range-scaling')).toHaveValue('Logarithmic');
  await form.getByTestId('labstudio-launch-hp-range-min').fill('0');
  await form.getByTestId('labstudio-launch-max-jobs').fill('4');
  await form.getByTestId('labstudio-launch-submit').click();
  const error = form.locator('[data-field="hyperparameters"]').getByTestId('labstudio-field-error-hyperparameter_ranges');
  await expect(error).toContainText('x');
  await expect(form.locator('.labstudio-field-error')).toHaveCount(1);
});
