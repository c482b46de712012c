/**
 * A run's page against a real JupyterLab: a tracked run (parameters, metrics with a chart
 * each, no artifacts, no job) and a training job's run (its job, linked to the job's view;
 * its artifacts; its lineage, since the server has the lineage route).
 */
import { expect, test } from '@jupyterlab/galata';

import { openPanel, screenshotBoth, showOnly, startJob, waitJob } from './helpers';

test.use({ viewport: { width: 1600, height: 1000 } });
test.describe.configure({ mode: 'serial' });

test('a tracked run: parameters, metrics with charts', async ({ page }) => {
  const panel = await openPanel(page);
  const rows = await showOnly(panel, 'demo');
  await rows.filter({ hasText: 'demo-0' }).dblclick();
  const view = page.getByTestId('labstudio-run-view');
  await expect(view).toBeVisible();
  await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')).toContainText('demo-0');
  await expect(view.locator('[data-testid="labstudio-run-param"][data-param="lr"]')).toContainText('0.1');
  await expect(view.locator('[data-testid="labstudio-run-param"][data-param="optimizer"]')).toContainText('sgd');
  await expect(view.getByTestId('labstudio-run-metric-row')).toHaveCount(2);
  await expect(view.locator('[data-testid="labstudio-run-metric-row"][data-metric="loss"]')).toContainText('200');
  await expect(view.getByTestId('labstudio-run-charts').locator('canvas')).toHaveCount(2);
  await expect(view.getByTestId('labstudio-run-job')).toContainText('no job');
  await expect(view.getByTestId('labstudio-run-artifacts')).toContainText('No artifacts');
});

test("a job's run: its job, artifacts and lineage", async ({ page, tmpPath }) => {
  const job = await startJob(page, tmpPath, 'run-page-job', { experiment: 'runpage', hyperparameters: { lr: 0.05 } });
  await waitJob(page, job, ['Completed']);
  const panel = await openPanel(page);
  const rows = await showOnly(panel, 'runpage');
  await rows.filter({ hasText: job }).dblclick();
  const view = page.getByTestId('labstudio-run-view');
  await expect(view.getByTestId('labstudio-run-job')).toHaveAttribute('data-job', job);
  await expect(view.locator('[data-testid="labstudio-run-param"][data-param="lr"]')).toContainText('0.05');
  await expect(view.getByTestId('labstudio-run-charts').locator('canvas')).toHaveCount(1);
  await expect(view.locator('[data-testid="labstudio-run-artifact"][data-artifact="SageMaker.ModelArtifact"]')).toBeVisible();
  // the server has the lineage route: what the job read and what it made
  const lineage = view.getByTestId('labstudio-run-lineage');
  await expect(lineage.getByTestId('labstudio-lineage-up')).toContainText('Code');
  await expect(lineage.getByTestId('labstudio-lineage-down')).toContainText('Model');
  await screenshotBoth(page, 'run');
  await view.getByTestId('labstudio-run-open-job').click();
  await expect(page.getByTestId('labstudio-job-detail')).toBeVisible();
});
