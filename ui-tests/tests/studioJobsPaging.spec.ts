/**
 * The Jobs section pages through one list of every kind of job against a real JupyterLab:
 * with the "Jobs per page" setting at 3, six real jobs of three kinds (training, processing,
 * batch transform) made here show newest first three at a time, "Load more" brings the
 * rest in the same order, and the kind filter pages through its own kind.
 *
 * Named to run after studioJobKinds.spec.ts (files run in name order on one server); its
 * rows are kept apart from other specs' jobs by the name filter (`paging-`).
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { APIResponse, Locator } from '@playwright/test';
import * as path from 'path';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';

test.describe.configure({ mode: 'serial' });

// Three jobs a page: the "Jobs per page" setting, as the Settings Editor would save it.
test.use({
  mockSettings: { ...galata.DEFAULT_SETTINGS, 'labstudio:plugin': { jobsPageSize: 3 } }
});

async function openPanel(page: IJupyterLabPageFixture): Promise<Locator> {
  const panel = page.locator('#labstudio-panel');
  if (!(await panel.isVisible())) {
    await page.locator(STUDIO_TAB).click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute('data-connected', 'true');
  return panel;
}

async function created(response: APIResponse): Promise<string> {
  expect(response.status(), await response.text()).toBe(201);
  const body = await response.json();
  return body.TrainingJobName ?? body.ProcessingJobName ?? body.TransformJobName;
}

/** Wait (over REST) until a job ends; its final status. */
async function waitDone(page: IJupyterLabPageFixture, route: string, name: string, key: string): Promise<string> {
  let status = '';
  await expect
    .poll(
      async () => {
        status = (await (await page.request.get(`/labstudio/api/${route}/${name}`)).json())[key];
        return status;
      },
      { timeout: 90_000, intervals: [250] }
    )
    .toMatch(/^(Completed|Failed|Stopped)$/);
  return status;
}

test('the Jobs section pages through more jobs of mixed kinds than one page holds', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'train.py'), `${tmpPath}/train.py`);
  await page.contents.uploadFile(path.join(FIXTURES, 'prep.py'), `${tmpPath}/prep.py`);
  await page.contents.uploadFile(path.join(FIXTURES, 'scale.py'), `${tmpPath}/scale.py`);
  await page.contents.uploadContent('a\n', 'text', `${tmpPath}/raw/letters.txt`);
  await page.contents.uploadContent('1,2\n', 'text', `${tmpPath}/test/rows.csv`);

  // Six real jobs, oldest first: training, processing, transform, training, processing, training.
  const train = (name: string, script = 'train.py') =>
    page.request.post('/labstudio/api/jobs', { data: { entry_point: `${tmpPath}/${script}`, name } });
  const prep = (name: string) =>
    page.request.post('/labstudio/api/processing-jobs', {
      data: {
        code: `${tmpPath}/prep.py`,
        name,
        inputs: [{ source: `${tmpPath}/raw`, destination: '/opt/ml/processing/raw' }],
        outputs: [{ source: '/opt/ml/processing/output', destination: `${tmpPath}/out-${name}` }]
      }
    });
  const model = await created(await train('paging-model', 'scale.py'));
  expect(await waitDone(page, 'jobs', model, 'TrainingJobStatus')).toBe('Completed');
  const made: [string, string, string, string][] = [['training', model, 'jobs', 'TrainingJobStatus']];
  made.push(['processing', await created(await prep('paging-prep-1')), 'processing-jobs', 'ProcessingJobStatus']);
  made.push([
    'transform',
    await created(
      await page.request.post('/labstudio/api/transform-jobs', {
        data: {
          model,
          name: 'paging-score',
          input: `${tmpPath}/test`,
          output_path: `${tmpPath}/scored`,
          content_type: 'text/csv',
          split_type: 'Line'
        }
      })
    ),
    'transform-jobs',
    'TransformJobStatus'
  ]);
  made.push(['training', await created(await train('paging-train-1')), 'jobs', 'TrainingJobStatus']);
  made.push(['processing', await created(await prep('paging-prep-2')), 'processing-jobs', 'ProcessingJobStatus']);
  made.push(['training', await created(await train('paging-train-2')), 'jobs', 'TrainingJobStatus']);
  for (const [, name, route, key] of made) {
    expect(await waitDone(page, route, name, key)).toBe('Completed');
  }
  const newestFirst = made.map(([kind, name]) => [kind, name]).reverse();

  const panel = await openPanel(page);
  const section = panel.getByTestId('labstudio-section-jobs');
  const rows = section.locator('.labstudio-job-row');
  const shown = async () =>
    rows.evaluateAll(items => items.map(r => [r.getAttribute('data-kind'), r.getAttribute('data-job-name')]));
  await section.getByTestId('labstudio-job-search').fill('paging-');

  // The first page: the newest three, of two kinds, and more to come.
  await expect.poll(shown, { timeout: 30_000 }).toEqual(newestFirst.slice(0, 3));
  const more = section.getByTestId('labstudio-load-more');
  await expect(more).toBeVisible();

  // "Load more": every job, every kind, newest first, and no more after the last.
  await more.click();
  await expect.poll(shown).toEqual(newestFirst.slice(0, 6));
  await expect(more).toHaveCount(0);
  await expect(rows.filter({ has: page.getByTestId('labstudio-job-kind').getByText('Transform') })).toHaveCount(1);
  await expect(section.locator('.labstudio-job-row[data-job-name="paging-score"]')).toContainText('1 / 1 records');

  // The kind filter reads its own kind from the server, a page at a time too.
  await section.getByTestId('labstudio-kind-filter').selectOption('training');
  await expect.poll(shown).toEqual(newestFirst.filter(([kind]) => kind === 'training'));
  await expect(more).toHaveCount(0);
  await section.getByTestId('labstudio-kind-filter').selectOption('processing');
  await expect.poll(shown).toEqual(newestFirst.filter(([kind]) => kind === 'processing'));
  await section.getByTestId('labstudio-kind-filter').selectOption('all');
  await expect.poll(shown).toEqual(newestFirst.slice(0, 3));
  await expect(more).toBeVisible();

  // A row of any kind opens its own detail.
  await section.locator('.labstudio-job-row[data-job-name="paging-train-2"]').click();
  await expect(page.locator('[data-testid="labstudio-job-detail"][data-job-name="paging-train-2"]')).toBeVisible();
});
