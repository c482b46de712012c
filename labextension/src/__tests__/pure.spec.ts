import {
  align,
  compareCells,
  differs,
  seriesColor,
  smooth
} from '../charts/series';
import { scaleAxes } from '../charts/ParallelCoordinates';
import { isFilterExpression, searchToFilter, filterName } from '../panel/live';
import { RunSelection } from '../panel/selection';
import { buildColumns, sortRuns } from '../views/compare/table';
import {
  emptyForm,
  fieldOf,
  fromJob,
  parseValue,
  testRegex,
  toRequest
} from '../views/launch/formModel';
import {
  endpointNameFor,
  mergePoints,
  userHyperparameters
} from '../views/job/jobData';
import { run } from './studioFixtures';
import { ITrainingJobDescription } from '../types';

describe('chart series helpers', () => {
  it('smooths with a debiased EMA and keeps gaps', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1]);
    const s = smooth([0, null, 10, NaN], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeCloseTo((10 * 0.5) / 0.75);
    expect(Number.isNaN(s[3] as number)).toBe(true);
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });

  it('aligns series on the union of their x values', () => {
    const data = align([
      { label: 'a', x: [0, 2], y: [1, 2] },
      { label: 'b', x: [1, 2], y: [5, Infinity] }
    ]);
    expect(data).toEqual([
      [0, 1, 2],
      [1, null, 2],
      [null, 5, null]
    ]);
  });

  it('buckets very large unions to a fixed number of columns', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      label: `r${i}`,
      x: Array.from({ length: 1000 }, (_, j) => j * 100 + i),
      y: Array.from({ length: 1000 }, (_, j) => j)
    }));
    const data = align(many, { maxCells: 1_000_000, columns: 500 });
    expect(data[0]).toHaveLength(500);
    expect(data).toHaveLength(101);
    expect(data[1].filter(v => v !== null).length).toBeGreaterThan(400);
  });

  it('finds differing columns and sorts numbers numerically, missing last', () => {
    expect(differs(['1', '1', '1'])).toBe(false);
    expect(differs(['1', null])).toBe(true);
    expect(['10', '9', undefined, '100'].sort(compareCells)).toEqual([
      '9',
      '10',
      '100',
      undefined
    ]);
    expect(seriesColor(0)).toMatch(/^#/);
    expect(seriesColor(12, 0.5)).toMatch(/^hsla/);
  });

  it('scales parallel axes (numeric and categorical)', () => {
    const [num, cat] = scaleAxes([
      { name: 'lr', values: ['0.1', '0.3', undefined] },
      { name: 'opt', values: ['sgd', 'adam', 'sgd'] }
    ]);
    expect(num.pos).toEqual([0, 1, null]);
    expect(cat.pos).toEqual([1, 0, 1]);
    expect(cat.labels.map(l => l.text)).toEqual(['adam', 'sgd']);
  });
});

describe('search and selection', () => {
  it('turns plain text into a name filter and keeps expressions', () => {
    expect(searchToFilter('')).toBeUndefined();
    expect(searchToFilter("res'net")).toBe("name like '%res\\'net%'");
    expect(isFilterExpression('metrics.acc > 0.9')).toBe(true);
    expect(searchToFilter("params.opt = 'adam'")).toBe("params.opt = 'adam'");
    expect(filterName('val loss')).toBe('`val loss`');
    expect(filterName('val/loss')).toBe('val/loss');
  });

  it('toggles with a click and selects ranges with shift', () => {
    const s = new RunSelection();
    const order = ['a', 'b', 'c', 'd', 'e'];
    s.click('b', order);
    s.click('d', order, true);
    expect(s.ids.sort()).toEqual(['b', 'c', 'd']);
    s.click('e', order);
    s.click('e', order);
    expect(s.has('e')).toBe(false);
    s.retain(id => id !== 'c');
    expect(s.ids.sort()).toEqual(['b', 'd']);
  });
});

describe('comparison table', () => {
  it('marks differing columns and sorts by a metric', () => {
    const runs = [
      run('1', { params: { lr: '0.1', opt: 'adam' } }),
      run('2', {
        params: { lr: '0.01', opt: 'adam' },
        metrics: { loss: { ...run('x').metrics.loss, last: 0.2 } }
      })
    ];
    const cols = buildColumns(runs, 'last', false);
    const byId = Object.fromEntries(cols.map(c => [c.id, c]));
    expect(byId['param:lr'].differs).toBe(true);
    expect(byId['param:opt'].differs).toBe(false);
    expect(byId['metric:loss'].differs).toBe(true);
    expect(buildColumns(runs, 'last', true).map(c => c.id)).toEqual([
      'name',
      'param:lr',
      'metric:loss'
    ]);
    expect(
      sortRuns(runs, cols, { column: 'metric:loss', descending: false }).map(
        r => r.id
      )
    ).toEqual(['2', '1']);
    expect(
      sortRuns(runs, cols, { column: 'param:lr', descending: true }).map(
        r => r.id
      )
    ).toEqual(['1', '2']);
  });
});

describe('launch form model', () => {
  it('builds the request: typed values, entry point relative to the source dir', () => {
    const req = toRequest(
      emptyForm({
        entryPoint: 'proj/src/train.py',
        sourceDir: 'proj/',
        hyperparameters: [
          { key: 'epochs', value: '3' },
          { key: 'opt', value: 'adam' },
          { key: 'aug', value: 'true' },
          { key: '', value: 'x' }
        ],
        channels: [{ key: 'train', value: ' data/train ' }],
        metricDefinitions: [{ key: 'loss', value: 'loss=([0-9.]+)' }],
        maxRuntime: '60',
        experiment: 'exp'
      })
    );
    expect(req).toEqual({
      entry_point: 'src/train.py',
      source_dir: 'proj',
      hyperparameters: { epochs: 3, opt: 'adam', aug: true },
      channels: { train: 'data/train' },
      metric_definitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+)' }],
      max_runtime_seconds: 60,
      experiment_name: 'exp'
    });
    expect(parseValue('[1, 2]')).toEqual([1, 2]);
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('a b')).toBe('a b');
  });

  it('clones a job without the platform hyperparameters', () => {
    const job = {
      TrainingJobName: 'j',
      EntryPoint: 'train.py',
      SourceDir: '/root/p',
      HyperParameters: {
        epochs: '3',
        opt: '"adam"',
        sagemaker_program: '"train.py"'
      },
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: { FileDataSource: { FileUri: 'file:///d' } }
        }
      ],
      MetricDefinitions: [{ Name: 'loss', Regex: 'l=(.*)' }],
      StoppingCondition: { MaxRuntimeInSeconds: 30 },
      ExperimentName: 'e'
    } as unknown as ITrainingJobDescription;
    expect(userHyperparameters(job)).toEqual({ epochs: '3', opt: 'adam' });
    const form = fromJob(job);
    expect(form.hyperparameters).toEqual([
      { key: 'epochs', value: '3' },
      { key: 'opt', value: 'adam' }
    ]);
    expect(form.channels).toEqual([{ key: 'train', value: 'file:///d' }]);
    expect(form.maxRuntime).toBe('30');
    expect(form.experiment).toBe('e');
  });

  it('maps server fields and tests regexes on sample lines', () => {
    expect(fieldOf('metric_definitions[0].Regex')).toBe('metric_definitions');
    expect(fieldOf('entry_point')).toBe('entry_point');
    expect(fieldOf(null)).toBe('form');
    const ok = testRegex(
      'loss=([0-9.]+)',
      'epoch=1 loss=0.5\nnothing\nloss=abc'
    );
    expect(ok.error).toBeNull();
    expect(ok.results.map(r => r.number)).toEqual([0.5, null, null]);
    expect(testRegex('(', 'x').error).toBeTruthy();
  });

  it('merges live metric points and names endpoints', () => {
    const merged = mergePoints(
      [{ name: 'loss', points: [{ step: 0, value: 1, timestamp: 0 }] }],
      [
        { key: 'loss', value: 0.5, step: 1, timestamp: 1 },
        { key: 'acc', value: 'NaN', step: 0, timestamp: 1 }
      ]
    );
    expect(merged[0].points.map(p => p.value)).toEqual([1, 0.5]);
    expect(Number.isNaN(merged[1].points[0].value as number)).toBe(true);
    expect(endpointNameFor('train_2024.05')).toBe('train-2024-05-ep');
  });
});
