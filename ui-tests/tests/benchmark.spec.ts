/**
 * UI benchmark (opt-in: LABSTUDIO_UI_BENCHMARK=1 jlpm test tests/benchmark.spec.ts).
 * seed.py then adds experiment "bench" (10,000 runs) and "curves" (100 runs × 10,000 points).
 *
 * Reports: time to first render of the 10,000-run experiment in the sidebar, time until all
 * 10,000 rows are loaded by scrolling, scroll frame times of the sidebar list and of the
 * comparison table of 1,000 runs, and time until 100 curves × 10k points are drawn.
 * Results go to stdout and ui-tests/benchmark-results.json.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

test.skip(!process.env.LABSTUDIO_UI_BENCHMARK, 'set LABSTUDIO_UI_BENCHMARK=1 to run the UI benchmark');
test.setTimeout(600_000);

const STUDIO_TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="labstudio-panel"]';
const results: Record<string, unknown> = {};

/** Scroll an element by `step` px per animation frame until its end; frame times in ms. */
async function scrollFrames(page: IJupyterLabPageFixture, selector: string, step: number): Promise<Record<string, number>> {
  return page.evaluate(
    ({ selector, step }) =>
      new Promise<Record<string, number>>(resolve => {
        const el = document.querySelector(selector) as HTMLElement;
        const frames: number[] = [];
        let last = performance.now();
        const tick = (now: number) => {
          frames.push(now - last);
          last = now;
          el.scrollTop += step;
          if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || frames.length >= 600) {
            const sorted = frames.slice(1).sort((a, b) => a - b);
            const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
            resolve({ frames: sorted.length, p50: q(0.5), p95: q(0.95), max: sorted[sorted.length - 1], over50ms: sorted.filter(f => f > 50).length });
            return;
          }
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { selector, step }
  );
}

async function runIds(page: IJupyterLabPageFixture, experiment: string, limit: number): Promise<string[]> {
  const response = await page.request.get(`/labstudio/api/runs?experiment=${experiment}&limit=${limit}&order_by=name%20asc`);
  expect(response.status()).toBe(200);
  return (await response.json()).runs.map((r: { id: string }) => r.id);
}

test('10,000 runs in the sidebar: first render and scrolling', async ({ page }) => {
  await page.locator(STUDIO_TAB).click();
  const panel = page.locator('#labstudio-panel');
  await expect(panel.getByTestId('labstudio-experiment-row').first()).toBeVisible();
  // collapse what is open so "bench" is in view and has the room
  const open = panel.locator('[data-testid="labstudio-experiment-row"][aria-expanded="true"]');
  while ((await open.count()) > 0) {
    await open.first().click();
  }
  const header = panel.locator('[data-testid="labstudio-experiment-row"][data-experiment="bench"]');
  await expect(header).toBeVisible();
  const firstRender = await page.evaluate(
    () =>
      new Promise<number>(resolve => {
        const start = performance.now();
        (document.querySelector('[data-experiment="bench"]') as HTMLElement).click();
        const check = () =>
          document.querySelector('[data-testid="labstudio-run-row"][data-run-name^="bench-"]')
            ? resolve(performance.now() - start)
            : requestAnimationFrame(check);
        requestAnimationFrame(check);
      })
  );
  results.sidebarTimeToFirstRenderMs = Math.round(firstRender);

  // Infinite scroll: keep going to the end until all 10,000 are loaded.
  const started = Date.now();
  const list = '#labstudio-panel [data-testid="labstudio-run-tree"]';
  for (let i = 0; i < 100; i++) {
    const more = await panel.getByTestId('labstudio-run-more').count();
    const rows = await page.evaluate(sel => (document.querySelector(sel) as HTMLElement).scrollHeight / 26, list);
    if (!more && rows >= 10_000) {
      break;
    }
    await page.evaluate(sel => {
      const el = document.querySelector(sel) as HTMLElement;
      el.scrollTop = el.scrollHeight;
    }, list);
    await page.waitForTimeout(100);
  }
  results.sidebarLoadAll10kMs = Date.now() - started;
  await page.evaluate(sel => ((document.querySelector(sel) as HTMLElement).scrollTop = 0), list);
  results.sidebarScrollFrames = await scrollFrames(page, list, 400);
  results.sidebarDomRows = await panel.getByTestId('labstudio-run-row').count();
});

test('comparison of 1,000 runs and of 100 curves × 10k points', async ({ page }) => {
  const thousand = await runIds(page, 'bench', 1000);
  const t0 = Date.now();
  await page.evaluate(ids => (window as any).jupyterapp.commands.execute('labstudio:open-compare', { runIds: ids }), thousand);
  const view = page.getByTestId('labstudio-compare-view');
  await expect(view.getByTestId('labstudio-compare-row').first()).toBeVisible({ timeout: 120_000 });
  await expect(view.getByTestId('labstudio-metric-chart').locator('canvas')).toHaveCount(1);
  results.compare1000RunsFirstRenderMs = Date.now() - t0;
  results.compare1000TableScrollFrames = await scrollFrames(page, '[data-testid="labstudio-compare-table"]', 300);
  const sort0 = Date.now();
  await view.locator('[data-testid="labstudio-compare-header"][data-column="param:p0"]').click();
  await expect(view.locator('[data-testid="labstudio-compare-header"][data-column="param:p0"]')).toHaveAttribute('aria-sort', 'ascending');
  results.compare1000SortMs = Date.now() - sort0;
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('application:close-all'));

  const curves = await runIds(page, 'curves', 100);
  const t1 = Date.now();
  await page.evaluate(ids => (window as any).jupyterapp.commands.execute('labstudio:open-compare', { runIds: ids }), curves);
  const chart = page.getByTestId('labstudio-compare-view').getByTestId('labstudio-metric-chart');
  await expect(chart).toHaveAttribute('data-series', '100', { timeout: 120_000 });
  await expect(chart.locator('canvas')).toHaveCount(1);
  results.curves100x10kFirstRenderMs = Date.now() - t1;
  // smoothing redraws 100 curves
  const t2 = Date.now();
  await page.getByTestId('labstudio-compare-smoothing').fill('0.9');
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  results.curves100SmoothingRedrawMs = Date.now() - t2;

  console.log('labstudio UI benchmark:', JSON.stringify(results, null, 2));
  fs.writeFileSync(path.resolve(__dirname, '..', 'benchmark-results.json'), JSON.stringify(results, null, 2) + '\n');
});
