/**
 * What the panel specs share: opening the Studio panel, showing one experiment's runs,
 * starting jobs through the REST API and waiting for them, reading a comparison's run ids,
 * light and dark screenshots.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

import { SCREENSHOTS } from './screenshots';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
export const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';

/** The Studio panel, opened (with its events socket live). */
export async function openPanel(page: IJupyterLabPageFixture): Promise<Locator> {
  const panel = page.locator('#labstudio-panel');
  if (!(await panel.isVisible())) {
    await page.locator(STUDIO_TAB).click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('labstudio-connection')).toHaveAttribute('data-connected', 'true', { timeout: 30_000 });
  return panel;
}

/** Expand `experiment` alone in the Experiments section; its run rows. */
export async function showOnly(panel: Locator, experiment: string): Promise<Locator> {
  const header = panel.locator(`[data-testid="labstudio-experiment-row"][data-experiment="${experiment}"]`);
  await expect(header).toBeVisible({ timeout: 30_000 });
  const others = panel.locator(`[data-testid="labstudio-experiment-row"][aria-expanded="true"]:not([data-experiment="${experiment}"])`);
  while ((await others.count()) > 0) {
    await others.first().locator('.labstudio-exp-name').click();
  }
  if ((await header.getAttribute('aria-expanded')) !== 'true') {
    await header.locator('.labstudio-exp-name').click();
  }
  const rows = panel.locator('[data-testid="labstudio-run-row"]');
  await expect(rows.first()).toBeVisible({ timeout: 30_000 });
  return rows;
}

/** Start a training job of a fixture script (uploaded under `folder`); its name. */
export async function startJob(
  page: IJupyterLabPageFixture,
  folder: string,
  name: string,
  options: { script?: string; experiment?: string; hyperparameters?: Record<string, unknown> } = {}
): Promise<string> {
  const script = options.script ?? 'train.py';
  await page.contents.uploadFile(path.join(FIXTURES, script), `${folder}/${script}`);
  const response = await page.request.post('/labstudio/api/jobs', {
    data: {
      entry_point: `${folder}/${script}`,
      name,
      experiment_name: options.experiment,
      hyperparameters: options.hyperparameters,
      metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }]
    }
  });
  expect(response.status(), await response.text()).toBe(201);
  return name;
}

/** Wait until the training job is in one of `statuses` (through the API). */
export async function waitJob(
  page: IJupyterLabPageFixture,
  name: string,
  statuses: string[] = ['Completed', 'Failed', 'Stopped'],
  timeout = 120_000
): Promise<string> {
  let status = '';
  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/labstudio/api/jobs/${name}`);
        status = (await response.json()).TrainingJobStatus;
        return statuses.includes(status);
      },
      { timeout, message: `job ${name} to end` }
    )
    .toBe(true);
  return status;
}

/** The ids of an experiment's runs (newest first). */
export async function runIdsOf(page: IJupyterLabPageFixture, experiment: string, limit: number): Promise<string[]> {
  const response = await page.request.get(`/labstudio/api/runs?experiment=${encodeURIComponent(experiment)}&limit=${limit}`);
  expect(response.status()).toBe(200);
  return (await response.json()).runs.map((r: { id: string }) => r.id);
}

/** Run a JupyterLab command with JSON arguments. */
export async function execute(page: IJupyterLabPageFixture, command: string, args: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(({ command, args }) => (window as any).jupyterapp.commands.execute(command, args), { command, args });
}

/** The page light, then dark (`<name>.png`, `<name>-dark.png`). */
export async function screenshotBoth(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  await page.theme.setDarkTheme();
  await page.waitForTimeout(400); // charts redraw with the theme's colours
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-dark.png`) });
  await page.theme.setLightTheme();
}

/** The element's content is not clipped, and it lies inside `container`'s box. */
export async function expectFullyVisible(element: Locator, container: Locator): Promise<void> {
  await expect(element).toBeVisible();
  expect(await element.evaluate(e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1)).toBe(true);
  const box = (await element.boundingBox())!;
  const outer = (await container.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(outer.x - 1);
  expect(box.x + box.width).toBeLessThanOrEqual(outer.x + outer.width + 1);
  expect(box.y).toBeGreaterThanOrEqual(outer.y - 1);
  expect(box.y + box.height).toBeLessThanOrEqual(outer.y + outer.height + 1);
}
