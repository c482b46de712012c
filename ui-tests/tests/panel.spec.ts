/**
 * The Studio panel against a real JupyterLab with the labstudio server extension:
 * the sidebar tab opens the panel, and a job created through the REST API appears and
 * reaches Completed live, without reloading the page.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { SCREENSHOTS } from './screenshots';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const TRAIN_SCRIPT = path.join(FIXTURES, 'train.py');
const FAIL_SCRIPT = path.join(FIXTURES, 'fail.py');

/** The Studio tab in the left sidebar. */
const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';

test.describe.configure({ mode: 'serial' });

test('the Studio tab opens the panel with the empty state', async ({ page }) => {
  const tab = page.locator(STUDIO_TAB);
  await expect(tab).toHaveCount(1);
  await expect(tab).toHaveAttribute('title', /Studio/);
  await tab.click();

  const panel = page.locator('#labstudio-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-job-search')).toBeVisible();
  // A fresh LABSTUDIO_HOME: the newcomer's hint, and the live events socket.
  await expect(panel.getByTestId('labstudio-empty')).toContainText(
    'No training jobs yet.'
  );
  await expect(panel.getByTestId('labstudio-empty')).toContainText(
    'labstudio train script.py'
  );
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute(
    'data-connected',
    'true'
  );
});

test('a job created through the API shows up and completes live', async ({
  page,
  tmpPath
}) => {
  // The server only runs scripts inside its root folder: upload the fixture into
  // this test's folder and give the path relative to the root, as the file browser does.
  const entryPoint = `${tmpPath}/train.py`;
  await page.contents.uploadFile(TRAIN_SCRIPT, entryPoint);

  await page.locator(STUDIO_TAB).click();
  const panel = page.locator('#labstudio-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute(
    'data-connected',
    'true'
  );
  // Survives only if the page is not reloaded.
  await page.evaluate(() => ((window as any).__labstudioNoReload = true));

  const response = await page.request.post('/labstudio/api/jobs', {
    data: {
      entry_point: entryPoint,
      hyperparameters: { epochs: 3 },
      metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }]
    }
  });
  expect(response.status(), await response.text()).toBe(201);
  const job = await response.json();
  const name: string = job.TrainingJobName;
  expect(name).toBeTruthy();

  const row = panel.locator(
    `.labstudio-job-row[data-job-name="${name}"]`
  );
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toHaveAttribute('data-status', 'Completed', {
    timeout: 90_000
  });
  await expect(row.getByTestId('labstudio-status-badge')).toHaveText(
    'Completed'
  );
  await expect(panel.getByTestId('labstudio-empty')).toHaveCount(0);
  expect(
    await page.evaluate(() => (window as any).__labstudioNoReload === true)
  ).toBe(true);

  // The search box filters by name.
  const search = panel.getByTestId('labstudio-job-search');
  await search.fill('no-such-job-name');
  await expect(row).toHaveCount(0);
  await expect(panel.getByTestId('labstudio-empty')).toContainText(
    'no-such-job-name'
  );
  await search.fill(name.slice(0, 6));
  await expect(row).toBeVisible();
  await search.fill('');

  // A failing script ends as Failed, with the reason on its row.
  await page.contents.uploadFile(FAIL_SCRIPT, `${tmpPath}/fail.py`);
  const failed = await page.request.post('/labstudio/api/jobs', {
    data: { entry_point: `${tmpPath}/fail.py` }
  });
  expect(failed.status(), await failed.text()).toBe(201);
  const failedName: string = (await failed.json()).TrainingJobName;
  const failedRow = panel.locator(
    `.labstudio-job-row[data-job-name="${failedName}"]`
  );
  await expect(failedRow).toHaveAttribute('data-status', 'Failed', {
    timeout: 90_000
  });
  // Newest first.
  await expect(panel.locator('.labstudio-job-row').first()).toHaveAttribute(
    'data-job-name',
    failedName
  );

  await page.sidebar.setWidth(380, 'left');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'panel-jobs.png') });
  await page.theme.setDarkTheme();
  await expect(row).toBeVisible();
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'panel-jobs-dark.png')
  });
  await page.theme.setLightTheme();
});
