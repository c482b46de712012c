/**
 * What a new user trips over (issue 9): names cut in the middle to their width with the
 * full name on hover, a key metric chosen by default and remembered per experiment,
 * comparison values with enough digits to tell them apart, the runs' colours in every
 * comparison chart, integer ticks when x is the step, and a filter error that wraps.
 */
import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { LabstudioClient } from '../api';
import { stepAxis } from '../charts/MetricChart';
import { lineColor, ParallelCoordinates } from '../charts/ParallelCoordinates';
import { scatterData } from '../charts/ScatterChart';
import {
  INTEGER_INCRS,
  integerTickLabels,
  seriesColor
} from '../charts/series';
import { ExperimentsModel, pickKeyMetric } from '../panel/experimentsModel';
import { ITrainingJobSummary } from '../types';
import { distinctDigits, formatMetric } from '../views/common/common';
import { MiddleEllipsis } from '../views/common/MiddleEllipsis';
import { ELLIPSIS, middleEllipsis } from '../views/common/ellipsis';
import { CompareTable } from '../views/compare/CompareTable';
import { scatterPoints } from '../views/compare/CompareView';
import { buildColumns, columnWidths } from '../views/compare/table';
import { ExperimentsView } from '../views/ExperimentsView';
import { JobsView } from '../views/JobsView';
import { trainingRow } from '../views/jobKinds';
import { summary } from './fixtures';
import { IRecordedRequest, ITestResponse, TestServer } from './server';
import { experiment, run } from './studioFixtures';

/** One character, one unit: widths in characters. */
const chars = (s: string) => Array.from(s).length;

describe('middleEllipsis', () => {
  const name = 'train-2026-11-30-02-13-45-123';

  it('keeps a name that fits as it is', () => {
    expect(middleEllipsis(name, name.length, chars)).toBe(name);
    expect(middleEllipsis('demo-0', 100, chars)).toBe('demo-0');
  });

  it('cuts the middle, keeping the start and the distinguishing end', () => {
    const cut = middleEllipsis(name, 24, chars);
    expect(chars(cut)).toBeLessThanOrEqual(24);
    expect(chars(cut)).toBeGreaterThanOrEqual(23); // uses the room it has
    expect(cut).toContain(ELLIPSIS);
    expect(cut.startsWith('train-2026')).toBe(true);
    expect(cut.endsWith('-13-45-123')).toBe(true);
    // The old trailing ellipsis made these two identical; cut in the middle they differ.
    expect(middleEllipsis('train-2026-11-30-02-13-45-124', 24, chars)).not.toBe(
      cut
    );
  });

  it('adapts to the width: more room, more of the name', () => {
    const widths = [8, 12, 16, 20, 24, 28];
    const lengths = widths.map(w => chars(middleEllipsis(name, w, chars)));
    lengths.forEach((length, i) =>
      expect(length).toBeLessThanOrEqual(widths[i])
    );
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
    expect(middleEllipsis(name, 29, chars)).toBe(name);
  });

  it('keeps one character at each end when nothing else fits, and never splits a code point', () => {
    expect(middleEllipsis(name, 1, chars)).toBe(`t${ELLIPSIS}3`);
    const emoji = '🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂';
    const cut = middleEllipsis(emoji, 5, chars);
    expect(Array.from(cut).every(c => c === '🙂' || c === ELLIPSIS)).toBe(true);
  });
});

describe('MiddleEllipsis', () => {
  const name = 'train-2026-11-30-02-13-45-123';
  let width = 0;
  let observers: (() => void)[] = [];
  const original = (globalThis as any).ResizeObserver;

  beforeEach(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    width = 0;
    observers = [];
    jest
      .spyOn(HTMLElement.prototype, 'clientWidth', 'get')
      .mockImplementation(() => width);
    // jsdom lays nothing out: the browser's ResizeObserver, reduced to its callback.
    (globalThis as any).ResizeObserver = class {
      constructor(private readonly callback: () => void) {}
      observe() {
        observers.push(this.callback);
      }
      disconnect() {
        observers = observers.filter(c => c !== this.callback);
      }
    };
  });

  afterEach(() => {
    jest.restoreAllMocks();
    (globalThis as any).ResizeObserver = original;
  });

  const px = (s: string) => chars(s) * 7;

  it('fits the name to its width, with the full name on hover', () => {
    width = 24 * 7;
    render(<MiddleEllipsis text={name} testId="n" measure={px} />);
    const node = screen.getByTestId('n');
    expect(node.textContent).toContain(ELLIPSIS);
    expect(node.textContent!.endsWith('-13-45-123')).toBe(true);
    expect(px(node.textContent!)).toBeLessThanOrEqual(width);
    expect(node.getAttribute('title')).toBe(name);
  });

  it('re-fits when its box is resized, back to the whole name when it fits', () => {
    width = 16 * 7;
    render(<MiddleEllipsis text={name} testId="n" measure={px} />);
    const node = screen.getByTestId('n');
    const narrow = node.textContent!;
    expect(chars(narrow)).toBeLessThanOrEqual(16);
    width = 22 * 7;
    act(() => observers.forEach(c => c()));
    expect(chars(node.textContent!)).toBeGreaterThan(chars(narrow));
    width = 40 * 7;
    act(() => observers.forEach(c => c()));
    expect(node.textContent).toBe(name);
  });

  it('shows the whole name when it has no layout yet', () => {
    width = 0;
    render(<MiddleEllipsis text={name} testId="n" measure={px} />);
    expect(screen.getByTestId('n').textContent).toBe(name);
  });
});

describe('names in the lists have their full name on hover', () => {
  it('jobs', () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const jobs: ITrainingJobSummary[] = [
      summary('train-2026-11-30-02-13-45-123', 'Completed'),
      summary('train-2026-11-30-02-13-45-124', 'Completed')
    ];
    render(
      <JobsView
        rows={jobs.map(trainingRow)}
        filter=""
        onFilterChange={() => undefined}
      />
    );
    const names = screen.getAllByTestId('labstudio-job-name');
    expect(names.map(n => n.getAttribute('title'))).toEqual(
      jobs.map(j => j.TrainingJobName)
    );
    expect(names[0].classList).toContain('labstudio-middle-ellipsis');
  });

  it('runs in the comparison table', () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const runs = [run('a', { name: 'train-2026-11-30-02-13-45-123' })];
    render(
      <CompareTable
        runs={runs}
        columns={buildColumns(runs, 'last', false)}
        sort={null}
        onSort={() => undefined}
      />
    );
    expect(
      screen.getByTestId('labstudio-compare-run-name').getAttribute('title')
    ).toBe('train-2026-11-30-02-13-45-123');
  });
});

describe('comparison values', () => {
  it('print with enough significant digits to tell them apart', () => {
    expect(distinctDigits([0.0105, 0.0107, 0.0102])).toBe(4);
    expect([0.0105, 0.0107, 0.0102].map(v => formatMetric(v, 4))).toEqual([
      '0.0105',
      '0.0107',
      '0.0102'
    ]);
    const close = [0.0105012, 0.0105034, 0.0105012, null];
    const digits = distinctDigits(close);
    expect(digits).toBe(5);
    expect(formatMetric(0.0105012, 4)).toBe(formatMetric(0.0105034, 4)); // why 4 is not enough
    expect(formatMetric(0.0105012, digits)).not.toBe(
      formatMetric(0.0105034, digits)
    );
    expect(distinctDigits([1, 2, 3])).toBe(4);
    expect(distinctDigits([0.1 + 0.2, 0.3])).toBe(17);
    expect(formatMetric(1.23456e-5, 6)).toBe('1.23456e-5');
  });

  it('show distinct in the table where 4 digits would print them equal', () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const metric = (last: number) => ({
      loss: {
        last,
        min: last,
        max: last,
        avg: last,
        std: 0,
        count: 1,
        last_step: 0,
        last_timestamp: 1
      }
    });
    const runs = [
      run('a', { metrics: metric(0.0105012) }),
      run('b', { metrics: metric(0.0105034) })
    ];
    render(
      <CompareTable
        runs={runs}
        columns={buildColumns(runs, 'last', false)}
        sort={null}
        onSort={() => undefined}
      />
    );
    const cells = screen
      .getAllByTestId('labstudio-compare-row')
      .map(row => row.querySelectorAll('[role="cell"]'))
      .map(cells => cells[cells.length - 1].textContent);
    expect(cells).toEqual(['0.010501', '0.010503']);
  });
});

describe('comparison table columns', () => {
  it('are as wide as their text needs, so a few columns fit without scrolling', () => {
    const runs = [
      run('a', { name: 'demo-0', params: { lr: '0.1', optimizer: 'sgd' } }),
      run('b', {
        name: 'demo-1',
        params: { lr: '0.03', optimizer: 'adam-with-a-long-name' }
      })
    ];
    const columns = buildColumns(runs, 'last', true); // only differences: Run, lr, optimizer, loss
    expect(columns.map(c => c.id)).toEqual([
      'name',
      'param:lr',
      'param:optimizer',
      'metric:loss'
    ]);
    const widths = columnWidths(columns, runs);
    const [name, lr, optimizer, loss] = widths;
    expect(lr).toBeLessThan(optimizer); // "adam-with-a-long-name" needs room, "0.03" does not
    expect(optimizer).toBeGreaterThanOrEqual(
      'adam-with-a-long-name'.length * 7
    );
    expect(loss).toBeGreaterThanOrEqual('loss (last)'.length * 7);
    expect(name).toBeGreaterThanOrEqual(110);
    // the fixed widths before: 200 for the name, 110 per parameter, 140 per metric
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThan(
      200 + 110 + 110 + 140
    );
    widths.forEach(w => expect(w).toBeLessThanOrEqual(260));
  });
});

describe('comparison charts', () => {
  it('give each scatter point its run colour, in the order uPlot draws them', () => {
    const runs = [
      run('a', { params: { lr: '0.3' } }),
      run('b', { params: { lr: '0.1' } }),
      run('c', { params: { lr: '0.2' } })
    ];
    const colors = new Map(runs.map((r, i) => [r.id, seriesColor(i)]));
    const points = scatterPoints(
      runs,
      'lr',
      r => r.metrics.loss.last as number,
      colors
    );
    expect(points.points.map(p => p.color)).toEqual([
      seriesColor(0),
      seriesColor(1),
      seriesColor(2)
    ]);
    const drawn = scatterData(points.points);
    expect(drawn.data[0]).toEqual([0.1, 0.2, 0.3]);
    expect(drawn.colors).toEqual([
      seriesColor(1),
      seriesColor(2),
      seriesColor(0)
    ]);
    expect(drawn.labels).toEqual(['run-b', 'run-c', 'run-a']);
  });

  it('draw parallel coordinates in the runs colours', () => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    const strokes: string[] = [];
    // jsdom has no canvas: a 2D context that records the colour of each line drawn.
    const ctx: Record<string, unknown> = new Proxy(
      {},
      {
        get: (target: Record<string, unknown>, key: string) =>
          key in target ? target[key] : () => undefined,
        set: (target: Record<string, unknown>, key: string, value: unknown) => {
          target[key] = value;
          return true;
        }
      }
    );
    ctx.stroke = () => strokes.push(ctx.strokeStyle as string);
    jest
      .spyOn(HTMLCanvasElement.prototype, 'getContext')
      .mockImplementation(() => ctx as any);
    try {
      render(
        <ParallelCoordinates
          axes={[
            { name: 'lr', values: ['0.1', '0.2'] },
            { name: 'loss', values: [0.5, 0.4] }
          ]}
          colors={[seriesColor(0), seriesColor(1)]}
        />
      );
    } finally {
      jest.restoreAllMocks();
    }
    expect(strokes.slice(0, 2)).toEqual([seriesColor(0), seriesColor(1)]);
    // without run colours: coloured by the metric, as before
    expect(lineColor(undefined, 0, 'grey')).toBe('hsl(240, 70%, 50%)');
    expect(lineColor(undefined, null, 'grey')).toBe('grey');
  });

  it('never tick between two steps', () => {
    expect(INTEGER_INCRS.every(Number.isInteger)).toBe(true);
    expect(INTEGER_INCRS[0]).toBe(1);
    expect(stepAxis.incrs).toEqual(INTEGER_INCRS);
    expect(integerTickLabels([0, 0.5, 1, 1.5, 2, null])).toEqual([
      '0',
      '',
      '1',
      '',
      '2',
      ''
    ]);
    const values = stepAxis.values as (
      u: unknown,
      splits: number[]
    ) => string[];
    expect(values(null, [0, 0.5, 1000])).toEqual([
      '0',
      '',
      (1000).toLocaleString()
    ]);
  });
});

describe('the key metric', () => {
  it('is picked when nobody chose one', () => {
    expect(pickKeyMetric([])).toBe('');
    expect(pickKeyMetric(['acc'])).toBe('acc');
    expect(pickKeyMetric(['train_loss', 'val_loss', 'lr'])).toBe('val_loss');
    expect(pickKeyMetric(['loss', 'eval/accuracy'])).toBe('eval/accuracy');
    expect(pickKeyMetric(['loss', 'acc'])).toBe('acc');
    expect(pickKeyMetric(['value', 'loss'])).toBe('loss'); // "value" is not "val_…"
  });

  describe('in the panel', () => {
    let server: TestServer;
    let model: ExperimentsModel | null = null;

    beforeEach(async () => {
      (globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;
      server = await TestServer.start();
    });

    afterEach(async () => {
      model?.dispose();
      model = null;
      await server.close();
    });

    function answer(
      routes: Record<string, (r: IRecordedRequest) => unknown>,
      fallback?: (r: IRecordedRequest) => ITestResponse | null
    ) {
      server.handler = req => {
        const special = fallback?.(req);
        if (special) {
          return special;
        }
        const path = new URL(req.url, 'http://x').pathname.replace(
          '/labstudio/api',
          ''
        );
        const fn = routes[`${req.method} ${path}`];
        return fn
          ? { status: 200, json: fn(req) }
          : { status: 404, json: { message: `no ${path}` } };
      };
    }

    const accRuns = () => [
      run('a', {
        metrics: {
          acc: {
            last: 0.9,
            min: 0.1,
            max: 0.9,
            avg: 0.5,
            std: 0.1,
            count: 3,
            last_step: 2,
            last_timestamp: 2
          }
        }
      }),
      run('b', {
        metrics: {
          acc: {
            last: 0.8,
            min: 0.1,
            max: 0.8,
            avg: 0.5,
            std: 0.1,
            count: 3,
            last_step: 2,
            last_timestamp: 2
          }
        }
      })
    ];

    function mount(
      options: Partial<ConstructorParameters<typeof ExperimentsModel>[0]> = {}
    ) {
      const client = new LabstudioClient({ serverSettings: server.settings() });
      model = new ExperimentsModel({ client, refreshDelay: 10, ...options });
      const m = model;
      const view = render(<View model={m} />);
      void m.start();
      return { model: m, ...view };
    }

    function View(props: { model: ExperimentsModel }) {
      const [, setTick] = React.useState(0);
      React.useEffect(() => {
        const bump = () => setTick(t => t + 1);
        props.model.changed.connect(bump);
        return () => void props.model.changed.disconnect(bump);
      }, [props.model]);
      return (
        <ExperimentsView
          model={props.model}
          onCompare={() => undefined}
          onOpenRun={() => undefined}
        />
      );
    }

    it("defaults to the experiment's only metric instead of (none)", async () => {
      answer({
        'GET /experiments': () => ({ experiments: [experiment('demo')] }),
        'GET /runs': () => ({ runs: accRuns(), next_token: null, total: 2 })
      });
      mount();
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(2)
      );
      const picker = screen.getByTestId<HTMLSelectElement>(
        'labstudio-key-metric'
      );
      expect(picker.value).toBe('acc');
      expect(picker.dataset.experiment).toBe('demo');
      expect(
        screen.getAllByTestId('labstudio-run-metric').map(m => m.textContent)
      ).toEqual(['0.9', '0.8']);
    });

    it('remembers the choice per experiment, and starts from what was remembered', async () => {
      const lossAndAcc = () =>
        accRuns().map(r => ({
          ...r,
          metrics: {
            ...r.metrics,
            loss: {
              last: 0.25,
              min: 0.25,
              max: 1,
              avg: 0.5,
              std: 0.1,
              count: 3,
              last_step: 2,
              last_timestamp: 2
            }
          }
        }));
      answer({
        'GET /experiments': () => ({
          experiments: [experiment('demo'), experiment('other')]
        }),
        'GET /runs': req => {
          const exp = new URL(req.url, 'http://x').searchParams.get(
            'experiment'
          );
          const runs =
            exp === 'demo'
              ? lossAndAcc()
              : accRuns().map(r => ({
                  ...r,
                  id: `o${r.id}`,
                  experiment: 'other'
                }));
          return { runs, next_token: null, total: runs.length };
        }
      });
      const saved: Record<string, string>[] = [];
      const first = mount({
        onKeyMetricsChanged: choices => saved.push(choices)
      });
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(2)
      );
      expect(first.model.keyMetric).toBe('acc');
      fireEvent.change(screen.getByTestId('labstudio-key-metric'), {
        target: { value: 'loss' }
      });
      expect(saved).toEqual([{ demo: 'loss' }]);
      await waitFor(() =>
        expect(
          screen.getAllByTestId('labstudio-run-metric')[0].textContent
        ).toBe('0.25')
      );

      // Another experiment opened: the picker is its own, "demo" keeps its choice.
      first.model.toggleExpanded('other');
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(4)
      );
      expect(
        screen.getByTestId<HTMLSelectElement>('labstudio-key-metric').dataset
          .experiment
      ).toBe('other');
      expect(first.model.keyMetricFor('other')).toBe('acc');
      expect(first.model.keyMetricFor('demo')).toBe('loss');

      // A reload: a new model from what was saved.
      first.unmount();
      model!.dispose();
      mount({ keyMetrics: saved[saved.length - 1] });
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(2)
      );
      expect(
        screen.getByTestId<HTMLSelectElement>('labstudio-key-metric').value
      ).toBe('loss');
      expect(screen.getAllByTestId('labstudio-run-metric')[0].textContent).toBe(
        '0.25'
      );
    });

    it("sorts each experiment's runs by its own key metric", async () => {
      answer({
        'GET /experiments': () => ({ experiments: [experiment('demo')] }),
        'GET /runs': () => ({ runs: accRuns(), next_token: null, total: 2 })
      });
      const { model: m } = mount({ keyMetrics: { demo: 'acc' } });
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(2)
      );
      m.setSort({ key: 'metric', descending: true });
      await waitFor(() => {
        const last = server.requests
          .filter(r => r.url.startsWith('/labstudio/api/runs'))
          .pop()!;
        expect(new URL(last.url, 'http://x').searchParams.get('order_by')).toBe(
          'metrics.acc desc, start_time desc'
        );
      });
    });

    it("shows an invalid filter's error whole, outside the fixed-height rows", async () => {
      // What the server answers (tracking/filter.py): a caret under the culprit.
      const message = [
        "Invalid filter at position 41: expected a value (a number or a quoted string) but found 'adam'",
        '  metrics.acc > 0.9 and params.optimizer = adam',
        '                                           ^'
      ].join('\n');
      answer(
        {
          'GET /experiments': () => ({ experiments: [experiment('demo')] }),
          'GET /runs': () => ({ runs: accRuns(), next_token: null, total: 2 })
        },
        req =>
          req.url.includes('filter=')
            ? { status: 400, json: { message, field: 'filter' } }
            : null
      );
      const { model: m } = mount();
      await waitFor(() =>
        expect(screen.getAllByTestId('labstudio-run-row')).toHaveLength(2)
      );
      m.setSearch('metrics.acc > 0.9 and params.optimizer = adam');
      const error = await screen.findByTestId('labstudio-run-list-error');
      expect(error.textContent).toBe(message);
      expect(error.getAttribute('role')).toBe('alert');
      expect(error.closest('.labstudio-vrow')).toBeNull();
      expect(screen.queryAllByTestId('labstudio-run-row')).toHaveLength(0);
    });
  });
});
