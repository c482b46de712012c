/**
 * The notebook widget's Stop against a real JupyterLab and kernel: while `fit()` blocks
 * the kernel, a click on the JobMonitor's Stop stops the job at once (through the REST API,
 * from the browser) and says so beside the button; the job ends Stopped and the cell
 * returns, its summary saying Stopped.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { FIXTURES, waitJob } from './helpers';

test('Stop acts at once while fit() blocks the kernel, and says what it did', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(FIXTURES, 'slow.py'), `${tmpPath}/slow.py`);
  await page.notebook.createNew('fit.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    'import labstudio\nest = labstudio.Estimator("slow.py")\nest.fit(job_name="widget-stop-job")'
  );
  // run the cell without waiting for it: it blocks until the job ends
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-cell');
  });
  const output = page.locator('.jp-OutputArea-output');
  const stop = output.locator('[data-labstudio-stop="training"][data-labstudio-job="widget-stop-job"]');
  await expect(stop).toBeVisible({ timeout: 120_000 });
  // the job runs: the monitor's header says so
  await expect(output.locator('.labstudio-job-header')).toContainText('InProgress', { timeout: 60_000 });
  await stop.click();
  const status = output.locator('[data-labstudio-stop-status]');
  await expect(status).toContainText(/widget-stop-job is (stopping|Stopped)/, { timeout: 30_000 });
  await expect(stop).toBeDisabled();
  // the job stopped while the cell was still running, long before its two minutes
  expect(await waitJob(page, 'widget-stop-job', ['Stopped', 'Completed', 'Failed'], 60_000)).toBe('Stopped');
  // the cell returned: its summary line says the job stopped
  await expect(page.locator('.jp-OutputArea-output').filter({ hasText: /widget-stop-job.*Stopped|Stopped.*widget-stop-job/ }).first()).toBeVisible({
    timeout: 60_000
  });
  await expect(page.locator('.jp-Notebook-cell .jp-InputPrompt').first()).not.toContainText('*', { timeout: 30_000 });
});
