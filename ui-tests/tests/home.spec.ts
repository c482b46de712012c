/**
 * The Studio home and the compact navigator against a real JupyterLab (1600 × 1000, the
 * sidebar at its default 250 px): the home opens with the panel and shows running and
 * recent jobs, endpoints, recent experiments, models awaiting approval and pipelines with
 * their last execution (sections the server's routes add), live; quick actions open the
 * launch form; the sidebar shows at least eight items per section, one line each, with
 * counts, hints that are not cut (an empty section takes no more room than its hint), a
 * one-line top bar, and sections resized by dragging.
 */
import { expect, test } from '@jupyterlab/galata';

import { expectFullyVisible, openPanel, screenshotBoth, showOnly, startJob, waitJob } from './helpers';

test.use({ viewport: { width: 1600, height: 1000 } });
test.describe.configure({ mode: 'serial' });

test('the Studio home opens with the panel and follows jobs, experiments, pipelines and models awaiting approval', async ({ page, tmpPath }) => {
  const job = await startJob(page, tmpPath, 'home-job-1', { experiment: 'home' });
  await waitJob(page, job, ['Completed']);
  let response = await page.request.post('/labstudio/api/model-package-groups', { data: { ModelPackageGroupName: 'home-models' } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  response = await page.request.post('/labstudio/api/model-packages', {
    data: { ModelPackageGroupName: 'home-models', TrainingJobName: job }
  });
  expect(response.status(), await response.text()).toBeLessThan(300);
  expect((await response.json()).ModelApprovalStatus).toBe('PendingManualApproval');

  await openPanel(page);
  const home = page.getByTestId('labstudio-home');
  await expect(home).toBeVisible();
  const jobRow = home.locator(`[data-testid="labstudio-home-job"][data-job-name="${job}"]`);
  await expect(jobRow).toHaveAttribute('data-status', 'Completed');
  await expect(home.locator('[data-testid="labstudio-home-experiment"][data-experiment="home"]')).toContainText('1 run');
  await expect(home.locator('[data-testid="labstudio-home-experiment"][data-experiment="many"]')).toContainText('1,200 runs');
  await expect(home.getByTestId('labstudio-home-endpoints')).toContainText('No endpoints');
  // the registry's route exists: its section lists the version waiting for approval
  await expect(home.getByTestId('labstudio-home-approvals-item')).toContainText('home-models/1');
  await expect(home.getByTestId('labstudio-home-approvals-item')).toContainText(`from ${job}`);
  // the pipelines route exists: its section lists the seeded pipeline, then follows a new one live
  const pipelines = home.getByTestId('labstudio-home-pipelines');
  await expect(pipelines).toContainText('ui-pipeline');
  const definition = {
    Version: '2020-12-01',
    Steps: [{ Name: 'Halt', Type: 'Fail', Arguments: { ErrorMessage: 'stopped on purpose' } }]
  };
  response = await page.request.post('/labstudio/api/pipelines', {
    data: { PipelineName: 'home-pipeline', PipelineDefinition: definition }
  });
  expect(response.status(), await response.text()).toBe(201);
  const pipeline = pipelines.getByTestId('labstudio-home-pipelines-item').filter({ hasText: 'home-pipeline' });
  await expect(pipeline).toContainText('home-pipeline', { timeout: 30_000 });
  await expect(pipeline).toContainText('Not run yet');
  response = await page.request.post('/labstudio/api/pipelines/home-pipeline/executions', { data: {} });
  expect(response.status(), await response.text()).toBe(201);
  await expect(pipeline.getByTestId('labstudio-status-icon')).toHaveAttribute('data-status', 'Failed', { timeout: 60_000 });

  // live: a new job shows up without a reload
  const second = await startJob(page, tmpPath, 'home-job-2', { experiment: 'home' });
  await expect(home.locator(`[data-testid="labstudio-home-job"][data-job-name="${second}"]`)).toBeVisible({ timeout: 30_000 });

  // a row opens the job; a quick action opens the launch form in tuning mode
  await jobRow.locator('.labstudio-home-name').click();
  await expect(page.getByTestId('labstudio-job-detail')).toBeVisible();
  await page.getByTestId('labstudio-open-home').click();
  await expect(home).toBeVisible();
  await waitJob(page, second, ['Completed']);
  await screenshotBoth(page, 'home');
  await home.getByTestId('labstudio-home-tune').click();
  const form = page.getByTestId('labstudio-launch-form');
  await expect(form.getByTestId('labstudio-launch-mode-tuning')).toBeChecked();
  // leave no version awaiting approval behind (the registry spec counts them)
  response = await page.request.post('/labstudio/api/model-packages/home-models/1/approve', { data: {} });
  expect(response.status(), await response.text()).toBeLessThan(300);
});

test('the navigator shows at least eight items per section at 250 px, one line each', async ({ page, tmpPath }) => {
  for (let i = 1; i <= 9; i++) {
    await startJob(page, tmpPath, `navigator-${i}`, { experiment: 'navigator' });
  }
  const panel = await openPanel(page);
  await page.sidebar.setWidth(250, 'left');
  const section = (id: string) => panel.getByTestId(`labstudio-section-${id}`);
  const jobs = section('jobs');
  const jobRows = jobs.locator('.labstudio-job-row');
  await expect(jobs.locator('.labstudio-job-row[data-job-name="navigator-9"]')).toBeVisible({ timeout: 60_000 });
  const count = await jobRows.count(); // these nine and the other specs' jobs
  expect(count).toBeGreaterThanOrEqual(9);
  await expect(panel.getByTestId('labstudio-count-jobs')).toHaveText(String(count));

  /** Rows of a section lying wholly inside its body (as seen, no scrolling). */
  const shownRows = async (id: string, rows: string) =>
    section(id).evaluate((node, selector) => {
      const body = node.querySelector('.labstudio-section-body')!.getBoundingClientRect();
      return [...node.querySelectorAll(selector)].filter(row => {
        const r = row.getBoundingClientRect();
        return r.top >= body.top - 0.5 && r.bottom <= body.bottom + 0.5 && r.height > 0;
      }).length;
    }, rows);
  expect(await shownRows('jobs', '.labstudio-job-row')).toBeGreaterThanOrEqual(8);
  for (const row of await jobs.locator('.labstudio-job-row').all()) {
    expect((await row.boundingBox())!.height).toBeLessThanOrEqual(24); // one line
  }

  // experiments: the nine runs of "navigator", at least eight in view with their header
  await showOnly(panel, 'navigator');
  await expect(panel.locator('[data-testid="labstudio-run-row"]')).toHaveCount(9, { timeout: 30_000 });
  expect(await shownRows('experiments', '[data-testid="labstudio-run-row"]')).toBeGreaterThanOrEqual(8);

  // tuning and endpoints are empty here: each keeps its hint whole and leaves the room it
  // does not need to the sections with rows (five sections share the sidebar's height)
  for (const id of ['tuning', 'endpoints']) {
    const body = section(id).locator('.labstudio-section-body');
    const hint = section(id).locator('.labstudio-empty');
    await expectFullyVisible(hint, body);
    expect(await body.evaluate(e => e.clientHeight)).toBeLessThan(8 * 22);
  }

  // the top bar is one line: Refresh beside Launch, not under it
  const launch = (await panel.getByTestId('labstudio-launch').boundingBox())!;
  const refresh = (await panel.getByTestId('labstudio-refresh').boundingBox())!;
  expect(Math.abs(refresh.y - launch.y)).toBeLessThan(4);
  expect((await panel.locator('.labstudio-topbar').boundingBox())!.height).toBeLessThanOrEqual(34);

  // a long list overflows its section: drag the bar between Experiments and Jobs down, and
  // Experiments grows by as much as Jobs shrinks
  await showOnly(panel, 'many');
  const experiments = section('experiments');
  const before = { experiments: (await experiments.boundingBox())!.height, jobs: (await jobs.boundingBox())!.height };
  const bar = (await panel.getByTestId('labstudio-splitter-jobs').boundingBox())!;
  await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width / 2, bar.y + 60, { steps: 6 });
  await page.mouse.up();
  await expect.poll(async () => (await experiments.boundingBox())!.height - before.experiments).toBeGreaterThan(50);
  const after = (await jobs.boundingBox())!.height;
  expect(before.jobs - after).toBeGreaterThan(50);
  await screenshotBoth(page, 'navigator');
});
