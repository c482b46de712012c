/**
 * The model registry and lineage in the Studio panel against a real JupyterLab: a real
 * processing job prepares a data set, two real training jobs read it, and each model is
 * registered (over REST, with a metrics document) as a version of one group. Then, in the
 * browser: the Models section shows the group awaiting approval; its view lists both
 * versions with their metric numbers side by side; approving one with a comment shows in
 * the history and moves the sidebar's counts live; a rejection made elsewhere (over REST)
 * arrives live too; two versions compare field by field; the approved version deploys
 * with the deploy form; the endpoint's lineage graph runs from the data sets through
 * processing and training to the package and the endpoint, and a click on the training
 * job's node opens that job. Screenshots of the group view and of the graph go to
 * ui-tests/screenshots (docs/screenshots with `jlpm screenshots`, see ./screenshots.ts).
 *
 * Named to run after panel.spec.ts (files run in name order on one server): that file's
 * first test expects a store with no jobs at all.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { APIResponse, Locator } from '@playwright/test';
import * as path from 'path';

import { SCREENSHOTS } from './screenshots';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';
const GROUP = 'churn';

test.describe.configure({ mode: 'serial' });
// Room for a graph of six stages and a table of versions, as on a laptop.
test.use({ viewport: { width: 1280, height: 800 } });

async function openPanel(page: IJupyterLabPageFixture): Promise<Locator> {
  const panel = page.locator('#labstudio-panel');
  if (!(await panel.isVisible())) {
    await page.locator(STUDIO_TAB).click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute('data-connected', 'true');
  return panel;
}

async function answered(response: APIResponse, status = 201): Promise<any> {
  expect(response.status(), await response.text()).toBe(status);
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

/** A processing job, then two training jobs reading its output, each registered in GROUP. */
async function registerTwoVersions(page: IJupyterLabPageFixture, tmpPath: string): Promise<string[]> {
  await page.contents.uploadFile(path.join(FIXTURES, 'prep.py'), `${tmpPath}/prep.py`);
  await page.contents.uploadFile(path.join(FIXTURES, 'deployable.py'), `${tmpPath}/deployable.py`);
  await page.contents.uploadContent('1,2\n3,4\n', 'text', `${tmpPath}/raw/rows.csv`);
  const accuracy = [0.91, 0.935];
  for (const [i, value] of accuracy.entries()) {
    const statistics = { binary_classification_metrics: { accuracy: { value }, f1: { value: value - 0.04 } } };
    await page.contents.uploadContent(JSON.stringify(statistics), 'text', `${tmpPath}/evaluation-${i + 1}.json`);
  }

  const prep = await answered(
    await page.request.post('/labstudio/api/processing-jobs', {
      data: {
        code: `${tmpPath}/prep.py`,
        name: 'registry-prep',
        inputs: [{ source: `${tmpPath}/raw`, destination: '/opt/ml/processing/raw', input_name: 'raw' }],
        outputs: [{ source: '/opt/ml/processing/output', destination: `${tmpPath}/prepared`, output_name: 'prepared' }]
      }
    })
  );
  const prepDone = await waitDone(page, 'processing-jobs', prep.ProcessingJobName, 'ProcessingJobStatus');
  expect(prepDone.ProcessingJobStatus, prepDone.FailureReason).toBe('Completed');

  const jobs: string[] = [];
  for (const i of [1, 2]) {
    const job = await answered(
      await page.request.post('/labstudio/api/jobs', {
        data: {
          entry_point: `${tmpPath}/deployable.py`,
          name: `registry-fit-${i}`,
          channels: { train: `${tmpPath}/prepared` },
          metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }],
          experiment_name: 'registry'
        }
      })
    );
    const done = await waitDone(page, 'jobs', job.TrainingJobName, 'TrainingJobStatus');
    expect(done.TrainingJobStatus, done.FailureReason).toBe('Completed');
    jobs.push(job.TrainingJobName);
  }
  for (const [i, job] of jobs.entries()) {
    const version = await answered(
      await page.request.post('/labstudio/api/model-packages', {
        data: {
          ModelPackageGroupName: GROUP,
          CreateGroup: true,
          TrainingJobName: job,
          ModelPackageDescription: `deployable, run ${i + 1}`,
          ModelMetrics: {
            ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `${tmpPath}/evaluation-${i + 1}.json` } }
          }
        }
      })
    );
    expect(version.ModelPackageVersion).toBe(i + 1);
  }
  return jobs;
}

test('register, approve live, compare, deploy a version and walk its lineage to the training job', async ({
  page,
  tmpPath
}) => {
  // Versions other specs left awaiting approval (a pipeline's ModelStep registers one): the
  // section's count is theirs plus ours.
  const groups = await answered(await page.request.get('/labstudio/api/model-package-groups?max_results=100'), 200);
  const before = groups.ModelPackageGroupSummaryList.filter((g: { ModelPackageGroupName: string }) => g.ModelPackageGroupName !== GROUP)
    .reduce((sum: number, g: { PendingApprovalCount: number }) => sum + g.PendingApprovalCount, 0);
  const jobs = await registerTwoVersions(page, tmpPath);
  const panel = await openPanel(page);

  // The Models section: the group, nothing approved yet, two versions awaiting approval.
  const section = panel.getByTestId('labstudio-section-models');
  const row = section.locator(`[data-testid="labstudio-model-row"][data-group="${GROUP}"]`);
  await expect(row).toHaveAttribute('data-pending', '2', { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-latest-approved', '');
  await expect(row.getByTestId('labstudio-model-pending')).toHaveText('2 pending');
  await expect(panel.getByTestId('labstudio-count-models')).toHaveText(String(before + 2));

  // The group's view: both versions, their metric numbers side by side.
  await row.click();
  const view = page.locator(`[data-testid="labstudio-group-view"][data-group="${GROUP}"]`);
  await expect(view).toBeVisible();
  const versions = view.getByTestId('labstudio-version-row');
  await expect(versions).toHaveCount(2);
  const version = (n: number) => view.locator(`[data-testid="labstudio-version-row"][data-version="${n}"]`);
  await expect(version(1)).toHaveAttribute('data-status', 'PendingManualApproval');
  await expect(version(2)).toHaveAttribute('data-status', 'PendingManualApproval');
  const headers = view.getByTestId('labstudio-version-metric-header');
  await expect(headers).toHaveText(['accuracy', 'f1']);
  await expect(version(1).locator('[data-testid="labstudio-version-metric"][data-metric="accuracy"]')).toHaveText('0.91');
  await expect(version(2).locator('[data-testid="labstudio-version-metric"][data-metric="accuracy"]')).toHaveText('0.935');
  await expect(version(2).getByTestId('labstudio-version-job')).toHaveText(jobs[1]);

  // Approve v2 with a comment: the row, the history and the sidebar change.
  await version(2).getByTestId('labstudio-version-approve').click();
  const form = view.getByTestId('labstudio-decision-form');
  await expect(form).toHaveAttribute('data-version', '2');
  await form.getByTestId('labstudio-decision-comment').fill('passed review');
  await form.getByTestId('labstudio-decision-confirm').click();
  await expect(form).toHaveCount(0);
  await expect(version(2)).toHaveAttribute('data-status', 'Approved');
  const approval = view.locator('[data-testid="labstudio-activity-entry"][data-action="ApprovalChanged"][data-version="2"]');
  await expect(approval).toHaveAttribute('data-to', 'Approved');
  await expect(approval.getByTestId('labstudio-activity-comment')).toHaveText('passed review');
  await expect(view.locator('[data-testid="labstudio-activity-entry"][data-action="Registered"]')).toHaveCount(2);
  await expect(row).toHaveAttribute('data-pending', '1');
  await expect(row).toHaveAttribute('data-latest-approved', '2');
  await expect(row.getByTestId('labstudio-model-approved')).toHaveText('✓ v2');
  await expect(view).toHaveAttribute('data-latest-approved', '2');

  // A decision made elsewhere (here over REST, as the CLI or a notebook would) arrives live.
  await answered(
    await page.request.post(`/labstudio/api/model-packages/${GROUP}/1/reject`, {
      data: { ApprovalDescription: 'accuracy below 0.92' }
    }),
    200
  );
  await expect(version(1)).toHaveAttribute('data-status', 'Rejected');
  await expect(
    view.locator('[data-testid="labstudio-activity-entry"][data-action="ApprovalChanged"][data-version="1"]').getByTestId(
      'labstudio-activity-comment'
    )
  ).toHaveText('accuracy below 0.92');
  await expect(row).toHaveAttribute('data-pending', '0');
  await expect(row.getByTestId('labstudio-model-pending')).toHaveText('');
  await expect(version(2).getByTestId('labstudio-version-approve')).toBeDisabled();
  await expect(version(1).getByTestId('labstudio-version-reject')).toBeDisabled();

  // Compare the two versions field by field: what differs is marked.
  await version(1).getByTestId('labstudio-version-select').check();
  await version(2).getByTestId('labstudio-version-select').check();
  await view.getByTestId('labstudio-group-compare').click();
  const compare = view.getByTestId('labstudio-version-compare');
  await expect(compare).toHaveAttribute('data-versions', '1,2');
  const field = (key: string) => compare.locator(`[data-testid="labstudio-version-compare-row"][data-field="${key}"]`);
  await expect(field('metric:accuracy')).toHaveAttribute('data-differs', 'true');
  await expect(field('metric:accuracy').locator('td')).toHaveText(['0.91', '0.935']);
  await expect(field('status').locator('td')).toHaveText(['Rejected', 'Approved']);
  await expect(field('job').locator('td')).toHaveText(jobs);
  await expect(field('content')).toHaveAttribute('data-differs', 'false');

  // A version's details show its ModelMetrics document, read.
  await version(2).getByTestId('labstudio-version-open').click();
  const details = view.getByTestId('labstudio-version-details');
  await expect(details).toHaveAttribute('data-version', '2');
  await expect(
    details.locator('[data-testid="labstudio-metrics-document"][data-document="ModelQuality.Statistics"]')
  ).toContainText('"value": 0.935');
  await view.getByTestId('labstudio-version-compare-close').click();
  await page.sidebar.setWidth(300, 'left');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'registry-group.png') });
  await details.getByTestId('labstudio-version-details-close').click();
  await expect(details).toHaveCount(0);

  // Deploy the approved version with the deploy form: its endpoint opens, in service.
  await version(2).getByTestId('labstudio-version-deploy').click();
  const deploy = view.getByTestId('labstudio-group-deploy');
  await expect(deploy).toHaveAttribute('data-version', '2');
  await expect(deploy.getByTestId('labstudio-deploy-name')).toHaveValue(`${GROUP}-v2`);
  await deploy.getByTestId('labstudio-deploy-name').fill('churn-live');
  await deploy.getByTestId('labstudio-deploy-confirm').click();
  const endpoint = page.locator('[data-testid="labstudio-endpoint-detail"][data-endpoint="churn-live"]');
  await expect(endpoint).toBeVisible({ timeout: 30_000 });
  await expect(endpoint).toHaveAttribute('data-status', 'InService', { timeout: 90_000 });
  await endpoint.getByTestId('labstudio-invoke-body').fill('[1, 2]');
  await endpoint.getByTestId('labstudio-invoke-send').click();
  await expect(endpoint.getByTestId('labstudio-invoke-result')).toHaveAttribute('data-status', '200');
  await expect(endpoint.getByTestId('labstudio-invoke-response')).toContainText('prediction');

  // The endpoint's lineage: data sets -> processing -> training -> model -> package -> endpoint.
  await endpoint.getByTestId('labstudio-open-lineage').click();
  const lineage = page.locator('[data-testid="labstudio-lineage-view"][data-start="churn-live"]');
  await expect(lineage).toBeVisible();
  const node = (type: string, name?: string) =>
    lineage.locator(
      `[data-testid="labstudio-lineage-node"][data-type="${type}"]${name === undefined ? '' : `[data-name="${name}"]`}`
    );
  await expect(node('Endpoint', 'churn-live')).toBeVisible();
  await expect(node('ModelPackage', `${GROUP}/2`)).toBeVisible();
  await expect(node('TrainingJob', jobs[1])).toBeVisible();
  await expect(node('ProcessingJob', 'registry-prep')).toBeVisible();
  await expect(node('DataSet', 'prepared')).toBeVisible();
  await expect(node('DataSet', 'raw')).toBeVisible();
  await expect(node('TrainingJob', jobs[0])).toHaveCount(0); // v1 is not behind this endpoint
  // Laid out upstream to downstream: left to right, or top to bottom when that draws the
  // nodes larger in this view.
  const orientation = await lineage.getAttribute('data-orientation');
  const along = async (l: Locator) => {
    const box = (await l.boundingBox())!;
    return orientation === 'down' ? box.y : box.x;
  };
  const chain = [
    node('DataSet', 'raw'),
    node('ProcessingJob', 'registry-prep'),
    node('DataSet', 'prepared'),
    node('TrainingJob', jobs[1]),
    node('ModelPackage', `${GROUP}/2`),
    node('Endpoint', 'churn-live')
  ];
  for (let i = 1; i < chain.length; i++) {
    expect(await along(chain[i])).toBeGreaterThan(await along(chain[i - 1]));
  }
  // Every edge drawn, each between two nodes of the graph.
  await expect(lineage.locator('.react-flow__edge')).toHaveCount(Number(await lineage.getAttribute('data-edges')));
  await page.screenshot({ path: path.join(SCREENSHOTS, 'lineage.png') });
  await page.theme.setDarkTheme();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'lineage-dark.png') });
  await page.theme.setLightTheme();

  // A node opens its own view: the training job's detail.
  await node('TrainingJob', jobs[1]).click();
  const detail = page.locator(`[data-testid="labstudio-job-detail"][data-job-name="${jobs[1]}"]`);
  await expect(detail).toBeVisible();
  await expect(detail).toHaveAttribute('data-status', 'Completed');

  // ...and the job's own Lineage button opens the graph around the job.
  await detail.getByTestId('labstudio-open-lineage').click();
  const jobLineage = page.locator(`[data-testid="labstudio-lineage-view"][data-start="${jobs[1]}"]`);
  await expect(jobLineage.locator('[data-testid="labstudio-lineage-node"][data-type="Endpoint"]')).toBeVisible();
  // The version node opens the group's view (already open: brought forward) at that version.
  await jobLineage.locator(`[data-testid="labstudio-lineage-node"][data-type="ModelPackage"]`).click();
  await expect(view).toBeVisible();
  await expect(view.getByTestId('labstudio-version-details')).toHaveAttribute('data-version', '2');

  expect((await page.request.delete('/labstudio/api/endpoints/churn-live')).ok()).toBe(true);
});
