/**
 * The Studio sidebar, a compact navigator: collapsible sections (Experiments, Jobs,
 * Tuning, Pipelines, Models, Endpoints), each with its count and its filters in its header and one
 * line per item with its status, so that each shows at least eight items at the default
 * sidebar width. The sections share the height and can be resized by dragging the bar
 * between two of them (the sizes are remembered in this browser).
 *
 * Each section is rendered from its model and kept live by the events socket. What the
 * rows open (the home, comparison, a run, job detail, endpoint, a model group, the
 * launch form) comes in `actions`, so the panel knows nothing of the main area.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { studioIcon } from '../icons';
import { IRun } from '../types';
import { EndpointFilter, EndpointsView } from '../views/EndpointsView';
import { ExperimentsView, RunSearch } from '../views/ExperimentsView';
import { IJobListRow } from '../views/jobKinds';
import { JobFilters, JobsView } from '../views/JobsView';
import { TuningFilter, TuningJobsView } from '../views/TuningJobsView';
import { ModelFilter, ModelsView } from '../views/registry/ModelsView';
import {
  PipelineFilter,
  PipelinesView
} from '../views/pipelines/PipelinesView';
import { EndpointsModel } from './endpointsModel';
import { ExperimentsModel } from './experimentsModel';
import { JobsModel } from './model';
import { ModelGroupsModel } from './modelGroupsModel';
import { PipelinesModel } from './pipelinesModel';
import { ICompareSelection } from './selection';
import { TuningJobsModel } from './tuningJobsModel';

export const PANEL_ID = 'labstudio-panel';

/** What the panel's rows and buttons open. */
export interface IStudioActions {
  openHome(): void;
  openCompare(selection: ICompareSelection): void;
  openRun(run: IRun): void;
  openJob(name: string): void;
  openEndpoint(name: string): void;
  openTuning(name: string): void;
  openLaunch(): void;
  openProcessing(name: string): void;
  openTransform(name: string): void;
  openModelGroup(name: string): void;
  openPipeline(name: string): void;
}

export interface IStudioPanelOptions {
  jobs: JobsModel;
  experiments?: ExperimentsModel | null;
  endpoints?: EndpointsModel | null;
  tuning?: TuningJobsModel | null;
  models?: ModelGroupsModel | null;
  pipelines?: PipelinesModel | null;
  actions?: Partial<IStudioActions>;
}

export type SectionId =
  'experiments' | 'jobs' | 'tuning' | 'pipelines' | 'models' | 'endpoints';

/** The share of the height each open section starts with (their rows' needs). */
const DEFAULT_WEIGHTS: Record<SectionId, number> = {
  experiments: 230,
  jobs: 180,
  tuning: 180,
  pipelines: 180,
  models: 180,
  endpoints: 180
};
/** The least height a resized section keeps (px). */
const MIN_SECTION = 48;
const STORAGE_KEY = 'labstudio:section-weights';

function storedWeights(): Record<SectionId, number> {
  try {
    const raw = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (raw && typeof raw === 'object') {
      const out = { ...DEFAULT_WEIGHTS };
      for (const id of Object.keys(out) as SectionId[]) {
        const v = Number(raw[id]);
        if (Number.isFinite(v) && v > 0) {
          out[id] = v;
        }
      }
      return out;
    }
  } catch {
    // no storage (or something else in it): the defaults
  }
  return { ...DEFAULT_WEIGHTS };
}

export class StudioPanel extends ReactWidget {
  constructor(options: IStudioPanelOptions | JobsModel) {
    super();
    const opts = options instanceof JobsModel ? { jobs: options } : options;
    this.jobs = opts.jobs;
    this.experiments = opts.experiments ?? null;
    this.endpoints = opts.endpoints ?? null;
    this.tuning = opts.tuning ?? null;
    this.models = opts.models ?? null;
    this.pipelines = opts.pipelines ?? null;
    this.actions = opts.actions ?? {};
    this.id = PANEL_ID;
    this.addClass('labstudio-panel');
    this.title.icon = studioIcon;
    this.title.caption = 'Studio';
    this.title.label = 'Studio';
    this.node.setAttribute('data-testid', PANEL_ID);
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Studio');
  }

  readonly jobs: JobsModel;
  readonly experiments: ExperimentsModel | null;
  readonly endpoints: EndpointsModel | null;
  readonly tuning: TuningJobsModel | null;
  readonly models: ModelGroupsModel | null;
  readonly pipelines: PipelinesModel | null;
  readonly actions: Partial<IStudioActions>;

  /** Emits each time the panel is shown (the host opens the Studio home the first time). */
  get shown(): ISignal<this, void> {
    return this._shown;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._shown.emit();
  }

  /** Expand or collapse a section (commands use it to reveal one). */
  setSectionOpen(id: SectionId, open: boolean): void {
    this._open = { ...this._open, [id]: open };
    this.update();
  }

  /** The height shares of the sections (what dragging a bar between two changes). */
  get sectionWeights(): Readonly<Record<SectionId, number>> {
    return this._weights;
  }

  /** Give the open sections these height shares (px of each, as dragged). */
  setSectionWeights(weights: Partial<Record<SectionId, number>>): void {
    this._weights = { ...this._weights, ...weights };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(this._weights));
    } catch {
      // not remembered: still applied
    }
    this.update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.jobs.dispose();
    this.experiments?.dispose();
    this.endpoints?.dispose();
    this.tuning?.dispose();
    this.models?.dispose();
    this.pipelines?.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    const { jobs, experiments, endpoints, tuning, models, pipelines, actions } =
      this;
    const toggle = (id: SectionId) => this.setSectionOpen(id, !this._open[id]);
    const single =
      !experiments && !endpoints && !tuning && !models && !pipelines;
    const open = (row: IJobListRow) =>
      row.kind === 'processing'
        ? actions.openProcessing?.(row.name)
        : row.kind === 'transform'
          ? actions.openTransform?.(row.name)
          : actions.openJob?.(row.name);
    const jobsView = () => (
      <JobsView
        rows={jobs.rows()}
        kind={jobs.kind}
        onKindChange={kind => jobs.setKind(kind)}
        filter={jobs.filter}
        onFilterChange={text => jobs.setFilter(text)}
        loading={jobs.loading}
        loaded={jobs.loaded}
        error={jobs.error}
        connected={jobs.connected}
        hasMore={jobs.hasMore}
        onLoadMore={() => void jobs.loadMore()}
        onRefresh={() => void jobs.refresh()}
        onSelectRow={open}
        showHeader={single}
        showFilters={single}
      />
    );
    if (single) {
      return <UseSignal signal={jobs.changed}>{jobsView}</UseSignal>;
    }
    const ids: SectionId[] = [];
    if (experiments) {
      ids.push('experiments');
    }
    ids.push('jobs');
    if (tuning) {
      ids.push('tuning');
    }
    if (models) {
      ids.push('models');
    }
    if (endpoints) {
      ids.push('endpoints');
    }
    const openIds = ids.filter(id => this._open[id]);
    const section = (
      id: SectionId,
      title: string,
      signal: ISignal<unknown, void>,
      count: () => number,
      view: () => JSX.Element,
      tools?: () => JSX.Element,
      countTitle?: string
    ) => {
      // the bar above an open section resizes it and the open section before it
      const previous = openIds[openIds.indexOf(id) - 1];
      return (
        <Section
          key={id}
          id={id}
          title={title}
          open={this._open[id]}
          weight={this._weights[id]}
          onToggle={toggle}
          signal={signal}
          count={count}
          countTitle={countTitle}
          view={view}
          tools={tools}
          resizeWith={this._open[id] ? previous : undefined}
          onResize={weights => this.setSectionWeights(weights)}
        />
      );
    };
    return (
      <div className="labstudio-studio">
        <div className="labstudio-topbar">
          <h2 className="labstudio-section-title">Studio</h2>
          <UseSignal signal={jobs.changed}>
            {() => <Connection connected={jobs.connected} />}
          </UseSignal>
          {actions.openHome && (
            <button
              className="labstudio-button labstudio-icon-button"
              data-testid="labstudio-open-home"
              title="Open the Studio home: jobs, endpoints and experiments at a glance"
              aria-label="Open the Studio home"
              onClick={() => actions.openHome?.()}
            >
              ⌂
            </button>
          )}
          {actions.openLaunch && (
            <button
              className="labstudio-button labstudio-primary"
              data-testid="labstudio-launch"
              title="Open the training launch form"
              onClick={() => actions.openLaunch?.()}
            >
              Launch
            </button>
          )}
          <button
            className="labstudio-button labstudio-icon-button"
            data-testid="labstudio-refresh"
            title="Refresh experiments, jobs, tuning jobs, pipelines, models and endpoints"
            aria-label="Refresh"
            onClick={() => {
              void jobs.refresh();
              void experiments?.refresh();
              void endpoints?.refresh();
              void tuning?.refresh();
              void pipelines?.refresh();
              void models?.refresh();
            }}
          >
            ⟳
          </button>
        </div>
        {experiments &&
          section(
            'experiments',
            'Experiments',
            experiments.changed,
            () => experiments.experiments.length,
            () => (
              <ExperimentsView
                model={experiments}
                showSearch={false}
                onCompare={selection => actions.openCompare?.(selection)}
                onOpenRun={run => actions.openRun?.(run)}
              />
            ),
            () => <RunSearch model={experiments} />
          )}
        {section(
          'jobs',
          'Jobs',
          jobs.changed,
          () => jobs.items.length,
          jobsView,
          () => (
            <JobFilters
              filter={jobs.filter}
              onFilterChange={text => jobs.setFilter(text)}
              kind={jobs.kind}
              onKindChange={kind => jobs.setKind(kind)}
            />
          )
        )}
        {tuning &&
          section(
            'tuning',
            'Tuning',
            tuning.changed,
            () => tuning.jobs.length,
            () => (
              <TuningJobsView
                model={tuning}
                showFilter={false}
                onOpen={name => actions.openTuning?.(name)}
              />
            ),
            () => <TuningFilter model={tuning} />
          )}
        {pipelines &&
          section(
            'pipelines',
            'Pipelines',
            pipelines.changed,
            () => pipelines.runningCount,
            () => (
              <PipelinesView
                model={pipelines}
                showFilter={false}
                onOpen={name => actions.openPipeline?.(name)}
              />
            ),
            () => <PipelineFilter model={pipelines} />,
            'Pipelines executing now'
          )}
        {models &&
          section(
            'models',
            'Models',
            models.changed,
            () => models.pendingCount,
            () => (
              <ModelsView
                model={models}
                showFilter={false}
                onOpen={name => actions.openModelGroup?.(name)}
              />
            ),
            () => <ModelFilter model={models} />,
            'Versions awaiting approval'
          )}
        {endpoints &&
          section(
            'endpoints',
            'Endpoints',
            endpoints.changed,
            () => endpoints.endpoints.length,
            () => (
              <EndpointsView
                model={endpoints}
                showFilter={false}
                onOpen={name => actions.openEndpoint?.(name)}
              />
            ),
            () => <EndpointFilter model={endpoints} />
          )}
      </div>
    );
  }

  private _open: Record<SectionId, boolean> = {
    experiments: true,
    jobs: true,
    tuning: true,
    pipelines: true,
    models: true,
    endpoints: true
  };
  private _weights: Record<SectionId, number> = storedWeights();
  private _shown = new Signal<this, void>(this);
}

function Section(props: {
  id: SectionId;
  title: string;
  open: boolean;
  weight: number;
  onToggle: (id: SectionId) => void;
  signal: ISignal<unknown, void>;
  count: () => number;
  /** What the count counts (its tooltip), when it is not the section's rows. */
  countTitle?: string;
  /** The section's body, rendered again whenever `signal` emits. */
  view: () => JSX.Element;
  /** Filters shown in the header while the section is open. */
  tools?: () => JSX.Element;
  /** The open section above, resized with this one by the bar between them. */
  resizeWith?: SectionId;
  onResize: (weights: Partial<Record<SectionId, number>>) => void;
}): JSX.Element {
  const ref = React.useRef<HTMLElement>(null);
  const startResize = (event: React.PointerEvent) => {
    const node = ref.current;
    const above = node?.previousElementSibling as HTMLElement | null;
    const prevId = props.resizeWith;
    if (!node || !prevId) {
      return;
    }
    const target = node.parentElement
      ? (([...node.parentElement.children].find(
          c => (c as HTMLElement).dataset.section === prevId
        ) as HTMLElement | undefined) ?? above)
      : above;
    if (!target) {
      return;
    }
    event.preventDefault();
    const y0 = event.clientY;
    // the open sections' heights now are their weights: the drag moves px between two
    const heights = new Map<string, number>();
    for (const child of node.parentElement?.children ?? []) {
      const el = child as HTMLElement;
      if (el.dataset.section && el.classList.contains('labstudio-open')) {
        heights.set(el.dataset.section, el.getBoundingClientRect().height);
      }
    }
    const h1 = target.getBoundingClientRect().height;
    const h2 = node.getBoundingClientRect().height;
    const move = (e: PointerEvent) => {
      const dy = Math.max(
        MIN_SECTION - h1,
        Math.min(h2 - MIN_SECTION, e.clientY - y0)
      );
      props.onResize({
        ...Object.fromEntries(heights),
        [prevId]: h1 + dy,
        [props.id]: h2 - dy
      });
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return (
    <section
      ref={ref}
      className={`labstudio-section labstudio-section-${props.id} ${props.open ? 'labstudio-open' : ''}`}
      data-testid={`labstudio-section-${props.id}`}
      data-section={props.id}
      aria-label={props.title}
      style={props.open ? { flexGrow: props.weight } : undefined}
    >
      {props.resizeWith && (
        <div
          className="labstudio-splitter"
          data-testid={`labstudio-splitter-${props.id}`}
          role="separator"
          aria-orientation="horizontal"
          aria-label={`Resize ${props.title}`}
          title="Drag to resize"
          onPointerDown={startResize}
        />
      )}
      <div className="labstudio-section-header-row">
        <button
          className="labstudio-section-toggle"
          aria-expanded={props.open}
          onClick={() => props.onToggle(props.id)}
        >
          <span className="labstudio-caret" aria-hidden="true">
            {props.open ? '▾' : '▸'}
          </span>
          <span className="labstudio-section-name">{props.title}</span>
          <UseSignal signal={props.signal}>
            {() => (
              <span
                className="labstudio-count"
                data-testid={`labstudio-count-${props.id}`}
                title={props.countTitle}
              >
                {props.count() || ''}
              </span>
            )}
          </UseSignal>
        </button>
        {props.open && props.tools && (
          <UseSignal signal={props.signal}>{() => props.tools!()}</UseSignal>
        )}
      </div>
      {props.open && (
        <div className="labstudio-section-body">
          <UseSignal signal={props.signal}>{() => props.view()}</UseSignal>
        </div>
      )}
    </section>
  );
}

function Connection(props: { connected: boolean }): JSX.Element {
  return (
    <span
      className={`labstudio-connection ${props.connected ? 'labstudio-connection-live' : ''}`}
      data-testid="labstudio-connection"
      data-connected={props.connected ? 'true' : 'false'}
      title={
        props.connected
          ? 'Live: updates arrive as they happen'
          : 'Offline: refreshing periodically until the live connection is back'
      }
    >
      {props.connected ? 'live' : 'offline'}
    </span>
  );
}
