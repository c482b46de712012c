/**
 * Comparing many runs against a real JupyterLab, on experiment "many" (1,200 runs seeded
 * through the bulk path): select all of an experiment, loaded or not, and compare every
 * run's curve; `labstudio:open-compare` with `runIds`; the run under the cursor named and
 * highlighted; a legend click isolates a run; a readable table (whole headers, significant
 * digits with the full value on hover, sticky header and first column, resizable columns);
 * parallel coordinates with a log axis for the log-sampled rate, labels that never overlap
 * and brushing that filters the table and the curves; a scatter that names the point under
 * the cursor.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { execute, openPanel, runIdsOf, screenshotBoth, showOnly } from './helpers';

test.use({ viewport: { width: 1600, height: 1000 } });
test.describe.configure({ mode: 'serial' });

/** Move the mouse over `box` on a grid until `done()` says so (or the grid is swept). */
async function sweep(page: IJupyterLabPageFixture, target: Locator, done: () => Promise<boolean>): Promise<boolean> {
  const box = (await target.boundingBox())!;
  for (let fy = 0.15; fy < 0.9; fy += 0.07) {
    for (let fx = 0.1; fx < 0.95; fx += 0.03) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      if (await done()) {
        return true;
      }
    }
  }
  return false;
}

test('select all of an experiment, loaded or not, and compare every run’s curve', async ({ page }) => {
  const panel = await openPanel(page);
  const rows = await showOnly(panel, 'many');
  // the first pages only are loaded (the next ones are read ahead of the scroll): not all 1,200 runs
  const tree = panel.getByTestId('labstudio-run-tree');
  expect(await tree.evaluate(e => e.scrollHeight)).toBeLessThan(1200 * 22);
  const header = panel.locator('[data-testid="labstudio-experiment-row"][data-experiment="many"]');
  await header.getByTestId('labstudio-experiment-select-all').click();
  const compare = panel.getByTestId('labstudio-compare');
  await expect(compare).toHaveText('Compare (1,200)');
  // unticking one loaded run takes it out of the whole experiment
  await rows.first().getByTestId('labstudio-run-checkbox').click();
  await expect(compare).toHaveText('Compare (1,199)');
  await expect(header.getByTestId('labstudio-experiment-select-all')).not.toBeChecked();
  await rows.first().getByTestId('labstudio-run-checkbox').click();
  await expect(header.getByTestId('labstudio-experiment-select-all')).toBeChecked();
  await compare.click();

  const view = page.getByTestId('labstudio-compare-view');
  await expect(view.getByTestId('labstudio-compare-count')).toHaveText('1,200 runs', { timeout: 60_000 });
  await expect(view).toHaveAttribute('data-runs', '1200', { timeout: 120_000 });
  const chart = view.getByTestId('labstudio-metric-chart');
  await expect(chart).toHaveAttribute('data-curves', '1200', { timeout: 60_000 });
  await expect(chart).toHaveAttribute('data-drawn', '1200', { timeout: 60_000 });
  await expect(view.getByTestId('labstudio-compare-table')).toHaveAttribute('aria-rowcount', '1201');
  await expect(view.getByTestId('labstudio-legend-item')).toHaveCount(1200);
  await panel.getByTestId('labstudio-clear-selection').click();
});

test('open-compare with runIds, the run under the cursor, and a legend click that isolates a run', async ({ page }) => {
  await openPanel(page);
  const ids = await runIdsOf(page, 'many', 30);
  await execute(page, 'labstudio:open-compare', { runIds: ids });
  const view = page.getByTestId('labstudio-compare-view');
  await expect(view.getByTestId('labstudio-compare-count')).toHaveText('30 runs');
  const chart = view.getByTestId('labstudio-metric-chart');
  await expect(chart).toHaveAttribute('data-drawn', '30');

  const hover = view.getByTestId('labstudio-chart-hover');
  const found = await sweep(page, chart.locator('.u-over'), async () => ((await hover.textContent()) ?? '') !== '');
  expect(found).toBe(true);
  const under = await hover.getAttribute('data-run');
  expect(ids).toContain(under);
  await expect(hover).toHaveText(/^many-\d{4} · step \d+ · -?\d/);

  // a legend click shows that run alone; again, every run
  const item = view.locator(`[data-testid="labstudio-legend-item"][data-run="${ids[3]}"]`);
  await item.click();
  await expect(chart).toHaveAttribute('data-curves', '1');
  await expect(item).toHaveAttribute('aria-pressed', 'true');
  await expect(view.locator(`[data-testid="labstudio-compare-row"][data-run-id="${ids[3]}"]`)).toHaveClass(/labstudio-highlighted/);
  await item.click();
  await expect(chart).toHaveAttribute('data-curves', '30');

  // one run: "1 run", not "1 runs"
  await execute(page, 'labstudio:open-compare', { runIds: ids.slice(0, 1) });
  await expect(page.getByTestId('labstudio-compare-view').getByTestId('labstudio-compare-count').last()).toHaveText('1 run');
});

test('a readable table: whole headers, significant digits, sticky header and first column, resizable columns', async ({ page }) => {
  await openPanel(page);
  const ids = await runIdsOf(page, 'many', 40);
  await execute(page, 'labstudio:open-compare', { runIds: ids });
  const view = page.getByTestId('labstudio-compare-view').last();
  const table = view.getByTestId('labstudio-compare-table');
  await expect(view.getByTestId('labstudio-compare-row').first()).toBeVisible();
  // every header shows its whole name
  for (const label of await view.getByTestId('labstudio-compare-header-label').all()) {
    expect(await label.evaluate(e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1)).toBe(true);
  }
  await expect(view.locator('[data-testid="labstudio-compare-header"][data-column="metric:loss"]')).toContainText('loss (last)');
  // numbers to a few significant digits, the full value on hover
  const lr = view.locator('[data-testid="labstudio-compare-row"] [role="cell"]').filter({ hasText: /^\d/ });
  const cells = view.getByTestId('labstudio-compare-row').first().locator('[role="cell"]');
  const lrColumn = await view.getByTestId('labstudio-compare-header').evaluateAll(hs => hs.findIndex(h => h.getAttribute('data-column') === 'param:lr'));
  const lrCell = cells.nth(lrColumn);
  const full = (await lrCell.getAttribute('title'))!;
  const shown = (await lrCell.textContent())!;
  expect(Number(shown)).toBeCloseTo(Number(full), 4);
  expect(shown.replace(/^0\.0*|e.*$|\./g, '').length).toBeLessThanOrEqual(6); // significant digits
  expect(await lr.count()).toBeGreaterThan(0);

  // the header stays on top and the run's name at the left while the rest scrolls
  await table.evaluate(e => {
    e.scrollTop = 300;
    e.scrollLeft = 400;
  });
  await page.waitForTimeout(200);
  const tableBox = (await table.boundingBox())!;
  const headerBox = (await view.locator('.labstudio-ctable-header').boundingBox())!;
  expect(Math.abs(headerBox.y - tableBox.y)).toBeLessThan(3);
  const visibleName = view.locator('[data-testid="labstudio-compare-row"] .labstudio-ctable-sticky').nth(12);
  expect(Math.abs((await visibleName.boundingBox())!.x - tableBox.x)).toBeLessThan(3);
  await table.evaluate(e => {
    e.scrollTop = 0;
    e.scrollLeft = 0;
  });

  // a header's right edge resizes its column
  const header = view.locator('[data-testid="labstudio-compare-header"][data-column="param:optimizer"]');
  const width = (await header.boundingBox())!.width;
  const handle = (await header.getByTestId('labstudio-compare-resize').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + 120, handle.y + handle.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await header.boundingBox())!.width).toBeGreaterThan(width + 80);
});

test('parallel coordinates: a log axis, labels that do not overlap, brushing that filters; the scatter names its points', async ({ page }) => {
  await openPanel(page);
  await execute(page, 'labstudio:open-compare', { experiments: ['many'] });
  const view = page.getByTestId('labstudio-compare-view').last();
  await expect(view).toHaveAttribute('data-runs', '1200', { timeout: 120_000 });
  await view.getByTestId('labstudio-compare-metric').selectOption('loss');
  const parallel = view.getByTestId('labstudio-parallel-chart');
  // the learning rate was sampled on a log scale: its axis is logarithmic
  await expect(parallel).toHaveAttribute('data-log-axes', /(^|,)lr(,|$)/);
  const canvas = parallel.getByTestId('labstudio-parallel-canvas');
  // 24 optimizers on one axis: labels left out rather than drawn over each other
  await expect.poll(async () => Number(await canvas.getAttribute('data-min-label-gap'))).toBeGreaterThanOrEqual(12);
  await expect(parallel).toHaveAttribute('data-brushed', '1200');

  // brush the first axis (depth or lr, whichever varies first): the table and the curves follow
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const axisX = box.x + 56; // the first axis sits at the left margin
  await page.mouse.move(axisX, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(axisX, box.y + box.height * 0.5, { steps: 6 });
  await page.mouse.up();
  const brushed = Number(await parallel.getAttribute('data-brushed'));
  expect(brushed).toBeGreaterThan(0);
  expect(brushed).toBeLessThan(1200);
  await expect(view.getByTestId('labstudio-compare-brushed')).toContainText(`${brushed.toLocaleString('en-US')} of 1,200 runs`);
  await expect(view.getByTestId('labstudio-compare-table')).toHaveAttribute('aria-rowcount', String(brushed + 1));
  await expect(view.getByTestId('labstudio-metric-chart')).toHaveAttribute('data-curves', String(brushed));
  await screenshotBoth(page, 'compare-many');
  // a click on the axis clears its brush
  await page.mouse.click(axisX, box.y + box.height * 0.35);
  await expect(parallel).toHaveAttribute('data-brushed', '1200');

  // the scatter: the point under the cursor is named
  const scatter = view.getByTestId('labstudio-scatter-chart');
  await scatter.scrollIntoViewIfNeeded();
  const tip = view.getByTestId('labstudio-scatter-tip');
  const found = await sweep(page, scatter.locator('.u-over'), async () => tip.isVisible());
  expect(found).toBe(true);
  await expect(tip).toContainText(/many-\d{4} · /);
});
