/**
 * Pipelines in the Studio panel against a real JupyterLab: the small pipeline that seed.py
 * registers (pipeline_seed.py: Prep → Train → Evaluate → CheckScore, else ScoreTooLow)
 * is started for real over REST and its view watches the DAG turn green step by step as
 * the runner's events arrive; a step opens its job's view and the condition shows what it
 * compared; then an execution is started from the view's form with other parameters (down
 * the Fail branch) and the two executions are compared step by step. A screenshot of the
 * view goes to ui-tests/screenshots (docs/screenshots with `jlpm screenshots`).
 *
 * Named to run after panel.spec.ts (files run in name order on one server): that file's
 * first test expects a store with no jobs at all.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

import { SCREENSHOTS } from './screenshots';

const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';
const PIPELINE = 'ui-pipeline';
const STEPS = ['Prep', 'Train', 'Evaluate', 'CheckScore'];

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1400, height: 900 } });

async function openPanel(page: IJupyterLabPageFixture): Promise<Locator> {
  const panel = page.locator('#labstudio-panel');
  if (!(await panel.isVisible())) {
    await page.locator(STUDIO_TAB).click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute('data-connected', 'true');
  return panel;
}

test('a real pipeline turns green live, a step opens its job, the form starts another run', async ({ page }) => {
  const panel = await openPanel(page);
  await page.sidebar.setWidth(300, 'left');
  const row = panel.locator(`[data-testid="labstudio-pipeline-row"][data-pipeline="${PIPELINE}"]`);
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toHaveAttribute('data-status', '');
  await row.click();
  const view = page.locator(`[data-testid="labstudio-pipeline-view"][data-pipeline="${PIPELINE}"]`);
  await expect(view).toBeVisible();
  const node = (name: string) => view.locator(`[data-testid="labstudio-pipeline-node"][data-step="${name}"]`);
  for (const name of [...STEPS, 'ScoreTooLow']) {
    await expect(node(name)).toHaveAttribute('data-status', 'NotStarted');
  }
  await expect(view.getByTestId('labstudio-pipeline-no-executions')).toBeVisible();

  // Every status any node takes from here on, recorded by the page as the DOM changes (a
  // poll could miss a step that is quicker than its interval).
  await view.evaluate(el => {
    const seen: string[] = [];
    (window as unknown as { labstudioStepStatuses: string[] }).labstudioStepStatuses = seen;
    const record = () =>
      el.querySelectorAll('[data-testid="labstudio-pipeline-node"]').forEach(n => {
        seen.push(`${n.getAttribute('data-step')}:${n.getAttribute('data-status')}`);
      });
    new MutationObserver(record).observe(el, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });

  // Start an execution elsewhere (REST, as a notebook or the CLI would): the open view
  // follows it, and each step's node changes colour as the runner reports it.
  const started = await page.request.post(`/labstudio/api/pipelines/${PIPELINE}/executions`, {
    data: { PipelineExecutionDisplayName: 'from-rest', PipelineParameters: [{ Name: 'Tag', Value: 'live' }] }
  });
  expect(started.status(), await started.text()).toBe(201);
  const first = (await started.json()).PipelineExecutionId as string;
  await expect(view).toHaveAttribute('data-execution', first, { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-status', /Executing|Succeeded/);
  await expect.poll(() => view.getAttribute('data-execution-status'), { timeout: 120_000, intervals: [100] }).toBe('Succeeded');
  // Seen while it ran: at least one step was shown Executing (or Starting) before the end.
  const seen = await page.evaluate(() => (window as unknown as { labstudioStepStatuses: string[] }).labstudioStepStatuses);
  for (const name of STEPS) {
    await expect(node(name)).toHaveAttribute('data-status', 'Succeeded');
    await expect(node(name)).toHaveClass(/labstudio-step-succeeded/);
  }
  await expect(node('ScoreTooLow')).toHaveAttribute('data-status', 'NotStarted');
  expect(seen.some(s => s.endsWith(':Executing') || s.endsWith(':Starting')), seen.join(' ')).toBe(true);
  await expect(row).toHaveAttribute('data-status', 'Succeeded');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'pipeline.png') });

  // The condition shows what it compared; the training step opens its job's view.
  await node('CheckScore').click();
  const condition = view.getByTestId('labstudio-step-condition');
  await expect(condition).toHaveAttribute('data-outcome', 'True');
  await expect(condition.getByTestId('labstudio-condition-left')).toHaveText('3');
  await expect(condition.getByTestId('labstudio-condition-right')).toHaveText('1');
  await node('Train').click();
  const job = page.locator(`[data-testid="labstudio-job-detail"][data-job-name="Train-${first}"]`);
  await expect(job).toBeVisible();
  await expect(job).toHaveAttribute('data-status', 'Completed');
  await expect(job.getByTestId('labstudio-log')).toContainText('loss=');

  // Back to the pipeline; start a run from its form with a bar too high: the Fail branch.
  await row.click();
  await expect(view).toBeVisible();
  const form = view.getByTestId('labstudio-pipeline-form');
  const param = (name: string) =>
    form.locator(`[data-testid="labstudio-pipeline-param"][data-param="${name}"] input`);
  await expect(param('MinScore')).toHaveValue('1');
  await param('MinScore').fill('ten');
  await expect(form.getByTestId('labstudio-pipeline-param-error')).toHaveText('A number, such as 0.5.');
  await expect(form.getByTestId('labstudio-pipeline-start')).toBeDisabled();
  await param('MinScore').fill('10');
  await form.getByTestId('labstudio-pipeline-display-name').fill('from-the-form');
  await form.getByTestId('labstudio-pipeline-start').click();
  await expect(view).not.toHaveAttribute('data-execution', first);
  await expect(view).toHaveAttribute('data-execution-status', 'Failed', { timeout: 120_000 });
  await expect(node('ScoreTooLow')).toHaveAttribute('data-status', 'Failed');
  await expect(view.getByTestId('labstudio-pipeline-failure')).toHaveText('The score is below 10.0');
  await expect(row).toHaveAttribute('data-status', 'Failed');

  // The executions with their parameters and durations; the two compared step by step.
  const executions = view.getByTestId('labstudio-pipeline-execution');
  await expect(executions).toHaveCount(2);
  await expect(executions.nth(0)).toHaveAttribute('data-status', 'Failed');
  await expect(executions.nth(0).getByTestId('labstudio-pipeline-execution-params')).toHaveText(
    'Tag=first, Scale=1.0, MinScore=10.0'
  );
  await expect(executions.nth(1).getByTestId('labstudio-pipeline-execution-params')).toHaveText(
    'Tag=live, Scale=1.0, MinScore=1.0'
  );
  await expect(executions.nth(1).getByTestId('labstudio-pipeline-execution-duration')).toHaveText(/^\d+(\.\d)?s$/);
  await executions.nth(0).getByTestId('labstudio-pipeline-execution-select').check();
  await executions.nth(1).getByTestId('labstudio-pipeline-execution-select').check();
  await view.getByTestId('labstudio-pipeline-compare').click();
  const comparison = view.getByTestId('labstudio-pipeline-comparison');
  const compared = (step: string) =>
    comparison.locator(`[data-testid="labstudio-pipeline-compare-row"][data-step="${step}"]`);
  await expect(compared('ScoreTooLow')).toHaveAttribute('data-differs', 'true');
  await expect(compared('Train')).toHaveAttribute('data-differs', 'false');
  await expect(compared('ScoreTooLow').getByTestId('labstudio-pipeline-compare-cell')).toHaveText([
    /Failed/,
    /Not started/
  ]);
});
