/**
 * The Studio sidebar: a ReactWidget with collapsible sections (Experiments, Training
 * jobs, Tuning, Pipelines, Models, Endpoints), each rendered from its model and kept live by the events
 * socket. What the rows open (comparison, job detail, endpoint detail, the launch form)
 * comes in `actions`, so the panel knows nothing of the main area.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { studioIcon } from '../icons';
import { IRun } from '../types';
import { IJobListRow } from '../views/jobKinds';
import { EndpointsView } from '../views/EndpointsView';
import { ExperimentsView } from '../views/ExperimentsView';
import { JobsView } from '../views/JobsView';
import { TuningJobsView } from '../views/TuningJobsView';
import { ModelsView } from '../views/registry/ModelsView';
import { PipelinesView } from '../views/pipelines/PipelinesView';
import { EndpointsModel } from './endpointsModel';
import { ExperimentsModel } from './experimentsModel';
import { JobsModel } from './model';
import { ModelGroupsModel } from './modelGroupsModel';
import { PipelinesModel } from './pipelinesModel';
import { TuningJobsModel } from './tuningJobsModel';

export const PANEL_ID = 'labstudio-panel';

/** What the panel's rows and buttons open. */
export interface IStudioActions {
  openCompare(runIds: string[]): void;
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

type SectionId =
  'experiments' | 'jobs' | 'tuning' | 'pipelines' | 'models' | 'endpoints';

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

  /** Expand or collapse a section (commands use it to reveal one). */
  setSectionOpen(id: SectionId, open: boolean): void {
    this._open = { ...this._open, [id]: open };
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
      />
    );
    if (single) {
      return <UseSignal signal={jobs.changed}>{jobsView}</UseSignal>;
    }
    const section = (
      id: SectionId,
      title: string,
      signal: ISignal<unknown, void>,
      count: () => number,
      view: () => JSX.Element,
      countTitle?: string
    ) => (
      <Section
        id={id}
        title={title}
        open={this._open[id]}
        onToggle={toggle}
        signal={signal}
        count={count}
        countTitle={countTitle}
        view={view}
      />
    );
    return (
      <div className="labstudio-studio">
        <div className="labstudio-topbar">
          <h2 className="labstudio-section-title">Studio</h2>
          <UseSignal signal={jobs.changed}>
            {() => <Connection connected={jobs.connected} />}
          </UseSignal>
          {actions.openLaunch && (
            <button
              className="labstudio-button labstudio-primary"
              data-testid="labstudio-launch"
              title="Open the training launch form"
              onClick={() => actions.openLaunch?.()}
            >
              Launch training
            </button>
          )}
          <button
            className="labstudio-button"
            data-testid="labstudio-refresh"
            title="Refresh experiments, jobs, tuning jobs, pipelines, models and endpoints"
            onClick={() => {
              void jobs.refresh();
              void experiments?.refresh();
              void endpoints?.refresh();
              void tuning?.refresh();
              void pipelines?.refresh();
              void models?.refresh();
            }}
          >
            Refresh
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
                onCompare={ids => actions.openCompare?.(ids)}
                onOpenRun={run => actions.openRun?.(run)}
              />
            )
          )}
        {section(
          'jobs',
          'Jobs',
          jobs.changed,
          () => jobs.items.length,
          jobsView
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
                onOpen={name => actions.openTuning?.(name)}
              />
            )
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
                onOpen={name => actions.openPipeline?.(name)}
              />
            ),
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
                onOpen={name => actions.openModelGroup?.(name)}
              />
            ),
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
                onOpen={name => actions.openEndpoint?.(name)}
              />
            )
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
}

function Section(props: {
  id: SectionId;
  title: string;
  open: boolean;
  onToggle: (id: SectionId) => void;
  signal: ISignal<unknown, void>;
  count: () => number;
  /** What the count counts (its tooltip), when it is not the section's rows. */
  countTitle?: string;
  /** The section's body, rendered again whenever `signal` emits. */
  view: () => JSX.Element;
}): JSX.Element {
  return (
    <section
      className={`labstudio-section labstudio-section-${props.id} ${props.open ? 'labstudio-open' : ''}`}
      data-testid={`labstudio-section-${props.id}`}
      aria-label={props.title}
    >
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
