/**
 * Every job kind in the Studio panel against a real JupyterLab: a real processing job (a
 * script that only knows /opt/ml/processing/...) and a real batch transform (a tiny model
 * trained here) created over REST show in the jobs section with their kind, the kind
 * filter keeps one kind; the transform's detail shows its records done of the total, the
 * processing detail links its input into the file browser; a completed training job's
 * *Batch transform…* form shows the server's refusal beside the field, then starts a
 * transform and opens it.
 *
 * Named to run after panel.spec.ts (files run in name order on one server): that file's
 * first test expects a store with no jobs at all, which the jobs made here would break.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { APIResponse, Locator } from '@playwright/test';
import * as path from 'path';

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

async function created(response: APIResponse): Promise<any> {
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/** Wait (over REST) until a job of a kind reaches a final status; returns its description. */
async function waitDone(page: IJupyterLabPageFixture, route: string, name: string, key: string): Promise<any> {
  let described: any = null;
  await expect
    .poll(
      async () => {
        described = await (await page.request.get(`/labstudio/api/${route}/${name}`)).json();
        return described[key];
      },
      { timeout: 90_000, intervals: [250] }
    )
    .toMatch(/^(Completed|Failed|Stopped)$/);
  return described;
}

test('processing and transform jobs show in the jobs section, filtered by kind, with their details', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'prep.py'), `${tmpPath}/prep.py`);
  await page.contents.uploadFile(path.join(FIXTURES, 'scale.py'), `${tmpPath}/scale.py`);
  await page.contents.uploadContent('a\nb\n', 'text', `${tmpPath}/raw/letters.txt`);
  await page.contents.uploadContent('1,2\n3,4\n5,6\n', 'text', `${tmpPath}/test/rows.csv`);
  const panel = await openPanel(page);

  // A tiny model, trained for real.
  const train = await created(
    await page.request.post('/labstudio/api/jobs', {
      data: { entry_point: `${tmpPath}/scale.py`, name: 'kinds-model' }
    })
  );
  expect((await waitDone(page, 'jobs', train.TrainingJobName, 'TrainingJobStatus')).TrainingJobStatus).toBe(
    'Completed'
  );

  const processing = await created(
    await page.request.post('/labstudio/api/processing-jobs', {
      data: {
        code: `${tmpPath}/prep.py`,
        name: 'kinds-prep',
        inputs: [{ source: `${tmpPath}/raw`, destination: '/opt/ml/processing/raw', input_name: 'raw' }],
        outputs: [
          { source: '/opt/ml/processing/output', destination: `${tmpPath}/prepared`, output_name: 'prepared' }
        ]
      }
    })
  );
  const transform = await created(
    await page.request.post('/labstudio/api/transform-jobs', {
      data: {
        model: 'kinds-model',
        name: 'kinds-score',
        input: `${tmpPath}/test`,
        output_path: `${tmpPath}/scored`,
        content_type: 'text/csv',
        split_type: 'Line'
      }
    })
  );
  const prepDone = await waitDone(page, 'processing-jobs', processing.ProcessingJobName, 'ProcessingJobStatus');
  expect(prepDone.ProcessingJobStatus, prepDone.FailureReason).toBe('Completed');
  const scoreDone = await waitDone(page, 'transform-jobs', transform.TransformJobName, 'TransformJobStatus');
  expect(scoreDone.TransformJobStatus, scoreDone.FailureReason).toBe('Completed');

  // Every kind in the one section, each row saying its kind.
  const section = panel.getByTestId('labstudio-section-jobs');
  const row = (name: string) => section.locator(`.labstudio-job-row[data-job-name="${name}"]`);
  await expect(row('kinds-prep')).toHaveAttribute('data-kind', 'processing', { timeout: 30_000 });
  await expect(row('kinds-prep')).toHaveAttribute('data-status', 'Completed', { timeout: 30_000 });
  await expect(row('kinds-prep').getByTestId('labstudio-job-kind')).toHaveText('Processing');
  await expect(row('kinds-score')).toHaveAttribute('data-kind', 'transform');
  await expect(row('kinds-score')).toHaveAttribute('data-status', 'Completed', { timeout: 30_000 });
  await expect(row('kinds-score').getByTestId('labstudio-job-kind')).toHaveText('Transform');
  await expect(row('kinds-score')).toContainText('3 / 3 records');
  await expect(row('kinds-model')).toHaveAttribute('data-kind', 'training');

  // The kind filter keeps one kind.
  await section.getByTestId('labstudio-kind-filter').selectOption('processing');
  await expect(row('kinds-prep')).toBeVisible();
  await expect(row('kinds-score')).toHaveCount(0);
  await expect(row('kinds-model')).toHaveCount(0);
  await section.getByTestId('labstudio-kind-filter').selectOption('transform');
  await expect(row('kinds-score')).toBeVisible();
  await expect(row('kinds-prep')).toHaveCount(0);
  await section.getByTestId('labstudio-kind-filter').selectOption('training');
  await expect(row('kinds-model')).toBeVisible();
  await expect(row('kinds-score')).toHaveCount(0);
  await section.getByTestId('labstudio-kind-filter').selectOption('all');
  for (const name of ['kinds-model', 'kinds-prep', 'kinds-score']) {
    await expect(row(name)).toBeVisible();
  }

  // The transform's detail: records done of the total, its progress bar full.
  await row('kinds-score').click();
  const detail = page.getByTestId('labstudio-transform-detail');
  await expect(detail).toBeVisible();
  await expect(detail.getByTestId('labstudio-transform-records')).toHaveText('3 / 3 records (100%)');
  await expect(detail.getByTestId('labstudio-transform-progress')).toHaveAttribute('aria-valuenow', '3');
  await expect(detail.getByTestId('labstudio-transform-rate')).toContainText('records/s');
  await expect(detail.getByTestId('labstudio-transform-output').getByTestId('labstudio-open-path')).toHaveText(
    `${tmpPath}/scored`
  );
  await expect(detail.getByTestId('labstudio-transform-files')).toContainText('rows.csv.out');
  await expect(detail.getByTestId('labstudio-log')).not.toBeEmpty();

  // The processing detail: its input opens in the file browser.
  await row('kinds-prep').click();
  const prep = page.getByTestId('labstudio-processing-detail');
  await expect(prep).toBeVisible();
  await expect(prep.getByTestId('labstudio-log')).toContainText('prepared 2 lines');
  const input = prep.getByTestId('labstudio-processing-inputs').getByTestId('labstudio-open-path');
  await expect(input).toHaveText(`${tmpPath}/raw`);
  await input.click();
  await expect(page.locator('.jp-FileBrowser .jp-BreadCrumbs')).toContainText('raw');
  await expect(page.locator('.jp-FileBrowser .jp-DirListing-item[title*="letters.txt"]')).toBeVisible();
});

test('Batch transform… on a completed training job starts a transform and opens it', async ({ page, tmpPath }) => {
  await page.contents.uploadContent('7,8\n', 'text', `${tmpPath}/more/rows.csv`);
  const panel = await openPanel(page);
  const section = panel.getByTestId('labstudio-section-jobs');
  await section.getByTestId('labstudio-kind-filter').selectOption('training');
  await section.locator('.labstudio-job-row[data-job-name="kinds-model"]').click();
  const detail = page.locator('[data-testid="labstudio-job-detail"][data-job-name="kinds-model"]');
  await expect(detail).toHaveAttribute('data-status', 'Completed');

  await detail.getByTestId('labstudio-job-batch-transform').click();
  const form = detail.getByTestId('labstudio-transform-form');
  await expect(form).toBeVisible();
  // A folder that does not exist: the server's refusal goes beside the input field.
  await form.getByTestId('labstudio-transform-input').fill(`${tmpPath}/no-such-folder`);
  await form.getByTestId('labstudio-transform-output_path').fill(`${tmpPath}/scored-more`);
  await form.getByTestId('labstudio-transform-submit').click();
  await expect(form.getByTestId('labstudio-field-error-input')).toBeVisible();

  await form.getByTestId('labstudio-transform-input').fill(`${tmpPath}/more`);
  await expect(form.getByTestId('labstudio-field-error-input')).toHaveCount(0);
  await form.getByTestId('labstudio-transform-submit').click();

  const transform = page.getByTestId('labstudio-transform-detail').last();
  await expect(transform).toBeVisible();
  await expect(transform).toHaveAttribute('data-job-name', /kinds-model/);
  await expect(transform).toHaveAttribute('data-status', 'Completed', { timeout: 90_000 });
  await expect(transform.getByTestId('labstudio-transform-records')).toHaveText('1 / 1 records (100%)');
  await expect(detail.getByTestId('labstudio-transform-form')).toHaveCount(0);
});
