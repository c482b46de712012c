/**
 * The forms against a real JupyterLab: every problem of a request shown at once beside its
 * field, in the form's own words; the regex tester's warning for a pattern without a
 * capture group; the tuning form's ranges each on their hyperparameter's line; one launch
 * tab for every launch and clone; the batch transform form blaming an empty input (not the
 * output) and keeping its selects to their content's width.
 */
import { expect, test } from '@jupyterlab/galata';

import { openPanel, screenshotBoth, startJob, waitJob } from './helpers';

test.use({ viewport: { width: 1600, height: 1000 } });
test.describe.configure({ mode: 'serial' });

test('every problem at once, beside its field, in the form’s words', async ({ page }) => {
  const panel = await openPanel(page);
  await panel.getByTestId('labstudio-launch').click();
  const form = page.getByTestId('labstudio-launch-form');
  await form.getByTestId('labstudio-launch-entry-point').fill('no/such/script.py');
  await form.getByTestId('labstudio-launch-metric-add').click();
  await form.getByTestId('labstudio-launch-metric-key').fill('loss');
  await form.getByTestId('labstudio-launch-metric-value').fill('loss=[0-9.]+');
  // the tester says at once that the value is not captured
  await expect(form.getByTestId('labstudio-regex-warning')).toContainText('No capture group');
  await form.getByTestId('labstudio-launch-max-runtime').fill('-5');
  await form.getByTestId('labstudio-launch-submit').click();

  const errors = form.locator('.labstudio-field-error');
  await expect(errors).toHaveCount(3);
  await expect(form.locator('[data-field="entry_point"] .labstudio-field-error')).toContainText('The entry point');
  await expect(form.locator('[data-field="metric_definitions"] .labstudio-field-error')).toContainText(
    'The regex of metric 1 (loss)'
  );
  await expect(form.locator('[data-field="max_runtime_seconds"] .labstudio-field-error')).toContainText('The max runtime');
  for (const text of await errors.allTextContents()) {
    expect(text).not.toMatch(/metric_definitions\[|'max_runtime_seconds'|'entry_point'/);
  }
  await screenshotBoth(page, 'launch-errors');
});

test('the tuning form keeps each range on its hyperparameter’s line', async ({ page }) => {
  const panel = await openPanel(page);
  await panel.getByTestId('labstudio-launch').click();
  const form = page.getByTestId('labstudio-launch-form');
  await form.getByTestId('labstudio-launch-mode-tuning').check();
  const names = ['eta0', 'depth', 'booster'];
  const values = ['0.1', '5', 'gbtree'];
  for (let i = 0; i < 3; i++) {
    await form.getByTestId('labstudio-launch-hp-add').click();
    const row = form.getByTestId('labstudio-launch-hp-row').nth(i);
    await row.getByTestId('labstudio-launch-hp-key').fill(names[i]);
    await row.getByTestId('labstudio-launch-hp-value').fill(values[i]);
    await row.getByTestId('labstudio-launch-hp-range-toggle').check();
  }
  for (let i = 0; i < 3; i++) {
    const row = form.getByTestId('labstudio-launch-hp-row').nth(i);
    const rowBox = (await row.boundingBox())!;
    const key = (await row.getByTestId('labstudio-launch-hp-key').boundingBox())!;
    const type = (await row.getByTestId('labstudio-launch-hp-range-type').boundingBox())!;
    // the range's type select sits on the row's own line, level with its name
    expect(type.y).toBeGreaterThanOrEqual(rowBox.y - 1);
    expect(type.y + type.height).toBeLessThanOrEqual(rowBox.y + rowBox.height + 1);
    expect(Math.abs(type.y + type.height / 2 - (key.y + key.height / 2))).toBeLessThan(4);
    expect(rowBox.height).toBeLessThan(40);
  }
});

test('one launch tab for every launch and clone; the transform form blames an empty input', async ({ page, tmpPath }) => {
  const job = await startJob(page, tmpPath, 'forms-job', { experiment: 'forms' });
  await waitJob(page, job, ['Completed']);
  const panel = await openPanel(page);
  const launchTabs = page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'Launch training' });
  await panel.getByTestId('labstudio-launch').click();
  await panel.getByTestId('labstudio-launch').click();
  await expect(launchTabs).toHaveCount(1);
  // a clone fills the same tab
  await panel.locator(`.labstudio-job-row[data-job-name="${job}"]`).click();
  const detail = page.getByTestId('labstudio-job-detail');
  await detail.getByTestId('labstudio-job-clone').click();
  await expect(launchTabs).toHaveCount(1);
  await expect(page.getByTestId('labstudio-launch-entry-point')).toHaveValue(/train\.py$/);

  // Batch transform… with no input: the input is blamed, not the output folder
  await page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: job }).click();
  await detail.getByTestId('labstudio-job-batch-transform').click();
  const form = page.getByTestId('labstudio-transform-form');
  await form.getByTestId('labstudio-transform-input').fill('');
  await form.getByTestId('labstudio-transform-submit').click();
  await expect(form.getByTestId('labstudio-field-error-input')).toContainText('The input folder is required');
  await expect(form.getByTestId('labstudio-field-error-output_path')).toHaveCount(0);
  // the selects are as wide as their choices, not stretched
  for (const id of ['labstudio-transform-split_type', 'labstudio-transform-strategy']) {
    const select = (await form.getByTestId(id).boundingBox())!;
    const input = (await form.getByTestId('labstudio-transform-content_type').boundingBox())!;
    expect(select.width).toBeLessThan(input.width);
    expect(select.width).toBeGreaterThanOrEqual(90);
  }
});
