/**
 * The main-area views: each is a React view in a ReactWidget inside a MainAreaWidget,
 * opened (or re-activated when already open) by the panel and the commands.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { LabstudioClient } from './api';
import { EventStream } from './events';
import { studioIcon } from './icons';
import { DEFAULT_SETTINGS, IStudioSettings } from './panel/settings';
import { ICompareSelection } from './panel/selection';
import { IRun, ITrainingJobDescription } from './types';
import { CompareModel } from './views/compare/compareModel';
import { CompareView } from './views/compare/CompareView';
import { EndpointModel } from './views/endpoint/endpointModel';
import { EndpointView } from './views/endpoint/EndpointView';
import { JobDetailModel } from './views/job/jobDetailModel';
import { JobDetailView } from './views/job/JobDetailView';
import { HomeModel, IHomeSource } from './views/home/homeModel';
import { HomeView, IHomeActions } from './views/home/HomeView';
import { JobKind, jobOfRun } from './views/jobKinds';
import { rootRelative } from './views/kinds/paths';
import { LineageTarget } from './views/lineage/lineageData';
import { LineageModel } from './views/lineage/lineageModel';
import { LineageView } from './views/lineage/LineageView';
import { PipelineModel } from './views/pipelines/pipelineModel';
import { PipelineView } from './views/pipelines/PipelineView';
import { ModelGroupModel } from './views/registry/groupModel';
import { GroupView } from './views/registry/GroupView';
import { ProcessingJobModel } from './views/kinds/processingModel';
import { ProcessingJobView } from './views/kinds/ProcessingJobView';
import { TransformJobModel } from './views/kinds/transformModel';
import { TransformJobView } from './views/kinds/TransformJobView';
import { fromJob, emptyForm, ILaunchForm } from './views/launch/formModel';
import { LaunchForm } from './views/launch/LaunchForm';
import { LaunchFormModel } from './views/launch/launchFormModel';
import { RunModel } from './views/run/runModel';
import { RunView } from './views/run/RunView';
import { TuningModel } from './views/tuning/tuningModel';
import { TuningView } from './views/tuning/TuningView';

export { DEFAULT_SETTINGS };
export type { IStudioSettings };

/** A main-area view's model: started when its view opens, disposed when it closes. */
interface IViewModel extends IDisposable {
  start(): Promise<void>;
}

class StudioView extends ReactWidget {
  constructor(private readonly _render: () => JSX.Element) {
    super();
    this.addClass('labstudio-view');
  }
  protected render(): JSX.Element {
    return this._render();
  }
}

export class MainViews {
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly client: LabstudioClient,
    private readonly events: EventStream | null,
    private readonly settings: () => IStudioSettings,
    private readonly pickPath?: (
      kind: 'file' | 'folder'
    ) => Promise<string | null>
  ) {}

  /**
   * Compare runs (ids, or a selection with whole experiments), charting `keyMetric` first
   * (default: the `keyMetric` setting). The same selection activates its open view.
   */
  openCompare(
    selection: ICompareSelection | string[],
    keyMetric?: string
  ): void {
    const chosen: ICompareSelection = Array.isArray(selection)
      ? { runIds: selection, expected: selection.length }
      : selection;
    const experiments = chosen.experiments ?? [];
    if (chosen.runIds.length === 0 && experiments.length === 0) {
      return;
    }
    const count = chosen.expected;
    const key = `compare:${hash(JSON.stringify([chosen.runIds, experiments, chosen.exclude ?? []]))}`;
    const label =
      count !== undefined
        ? `Compare ${count.toLocaleString()} run${count === 1 ? '' : 's'}`
        : `Compare ${experiments.join(', ')}`;
    this._open(key, label, () => {
      const model = new CompareModel({
        ...this._sources,
        selection: chosen,
        keyMetric: keyMetric || this.settings().keyMetric || undefined,
        maxPoints: this.settings().maxPoints
      });
      return { model, render: () => <CompareView model={model} /> };
    });
  }

  /** A run's page: its parameters, metrics, artifacts and job. */
  openRun(run: IRun | string): void {
    const runId = typeof run === 'string' ? run : run.id;
    this._open(
      `run:${runId}`,
      typeof run === 'string' ? 'Run' : run.name,
      () => {
        const model = new RunModel({ ...this._sources, runId });
        model.changed.connect(() => {
          const widget = this._widgets.get(`run:${runId}`);
          if (widget && model.run) {
            widget.title.label = model.run.name;
            widget.title.caption = `Run ${model.run.name} (${model.run.experiment})`;
          }
        });
        return {
          model,
          render: () => (
            <RunView
              model={model}
              root={serverRoot()}
              onOpenJob={(kind, name) => this.openJobOfKind(kind, name)}
              onCompare={id => this.openCompare([id])}
              onOpenPath={path => this.openPath(path)}
              onOpenTarget={this._openTarget}
              canOpenTarget={this._canOpenTarget}
            />
          )
        };
      }
    );
  }

  /** The run's job in the view of its kind, or the run's page for a script's run. */
  openRunJob(run: IRun): void {
    const job = jobOfRun(run);
    if (job) {
      this.openJobOfKind(job.kind, job.name);
    } else {
      this.openRun(run);
    }
  }

  /** A job in the view of its kind. */
  openJobOfKind(kind: JobKind, name: string): void {
    if (kind === 'processing') {
      this.openProcessing(name);
    } else if (kind === 'transform') {
      this.openTransform(name);
    } else {
      this.openJob(name);
    }
  }

  /**
   * The Studio home: jobs, endpoints, experiments and quick actions at a glance.
   * `activate: false` opens it behind the current tab (a tab the user is reading).
   */
  openHome(
    actions: Partial<IHomeActions>,
    sources: readonly IHomeSource[] = [],
    options: { activate?: boolean } = {}
  ): void {
    this._open(
      'home',
      'Studio',
      () => {
        const model = new HomeModel({ ...this._sources, sources });
        return {
          model,
          render: () => <HomeView model={model} actions={actions} />
        };
      },
      options.activate ?? true
    );
  }

  openJob(name: string): void {
    this._open(`job:${name}`, name, () => {
      const model = new JobDetailModel({ ...this._sources, name });
      return {
        model,
        render: () => (
          <JobDetailView
            model={model}
            onClone={job => this.openLaunch(job)}
            onOpenEndpoint={endpoint => this.openEndpoint(endpoint)}
            onOpenRun={runId => this.openRun(runId)}
            onOpenTransform={transform => this.openTransform(transform)}
            onOpenLineage={job => this.openLineage(job)}
          />
        )
      };
    });
  }

  /** A processing job: its inputs and outputs (links into the file browser) and log. */
  openProcessing(name: string): void {
    this._open(`processing:${name}`, name, () => {
      const model = new ProcessingJobModel({ ...this._sources, name });
      return {
        model,
        render: () => (
          <ProcessingJobView
            model={model}
            root={serverRoot()}
            onOpenPath={path => this.openPath(path)}
            onOpenLineage={job => this.openLineage(job)}
          />
        )
      };
    });
  }

  /** A batch transform job: records done of the total, throughput, data and log. */
  openTransform(name: string): void {
    this._open(`transform:${name}`, name, () => {
      const model = new TransformJobModel({ ...this._sources, name });
      return {
        model,
        render: () => (
          <TransformJobView
            model={model}
            root={serverRoot()}
            onOpenPath={path => this.openPath(path)}
            onOpenLineage={job => this.openLineage(job)}
          />
        )
      };
    });
  }

  /** Show a path (relative to the Jupyter root) in JupyterLab's file browser. */
  openPath(path: string): void {
    void this.app.commands
      .execute('filebrowser:go-to-path', { path })
      .catch(error =>
        console.warn(
          `labstudio: cannot show ${path} in the file browser`,
          error
        )
      );
  }

  /**
   * The launch form, empty, for a script, or cloned from a job. There is one launch tab:
   * a later launch or clone fills it again (and brings it to the front) instead of
   * opening another.
   */
  openLaunch(from?: ITrainingJobDescription | Partial<ILaunchForm>): void {
    const base = emptyForm({ experiment: this.settings().defaultExperiment });
    const initial =
      from && 'TrainingJobName' in from
        ? fromJob(from as ITrainingJobDescription, base)
        : { ...base, ...(from ?? {}) };
    if (this._launchModel && !this._launchModel.isDisposed && from) {
      this._launchModel.reset(initial);
    }
    this._open('launch', 'Launch training', () => {
      const model = new LaunchFormModel({ client: this.client, initial });
      this._launchModel = model;
      return {
        model,
        render: () => (
          <LaunchForm
            model={model}
            pickPath={this.pickPath}
            onLaunched={job => this.openJob(job.TrainingJobName)}
            onTuningLaunched={name => this.openTuning(name)}
          />
        )
      };
    });
  }

  /** A tuning job: its trials, objective chart and parallel coordinates. */
  openTuning(name: string): void {
    this._open(`tuning:${name}`, name, () => {
      const model = new TuningModel({ ...this._sources, name });
      return {
        model,
        render: () => (
          <TuningView
            model={model}
            onOpenJob={job => this.openJob(job)}
            onOpenEndpoint={endpoint => this.openEndpoint(endpoint)}
            onCompare={runIds => this.openCompare(runIds)}
          />
        )
      };
    });
  }

  openEndpoint(name: string): void {
    const key = `endpoint:${name}`;
    this._open(key, name, () => {
      const model = new EndpointModel({ ...this._sources, name });
      model.violationsFound.connect((_, run) => {
        Notification.warning(
          `Model Monitor: ${run.MonitoringScheduleName} on ${name} found violations (${run.ExitMessage ?? run.MonitoringExecutionStatus})`,
          { autoClose: 10000 }
        );
      });
      return {
        model,
        render: () => (
          <EndpointView
            model={model}
            onDeleted={() => this._widgets.get(key)?.dispose()}
            onOpenLineage={endpoint => this.openLineage(endpoint)}
          />
        )
      };
    });
  }

  /**
   * A model package group: its versions, approvals, history and comparison; with
   * `version`, that version's details open (an open view shows them too).
   */
  openModelGroup(group: string, version?: number): void {
    const key = `model-group:${group}`;
    const open = this._models.get(key);
    if (open && !open.isDisposed && version !== undefined) {
      void open.openDetails(version);
    }
    this._open(key, group, () => {
      const model = new ModelGroupModel({
        ...this._sources,
        group,
        version: version ?? null
      });
      this._models.set(key, model);
      return {
        model,
        render: () => (
          <GroupView
            model={model}
            onOpenJob={job => this.openJob(job)}
            onOpenEndpoint={endpoint => this.openEndpoint(endpoint)}
            onOpenLineage={start => this.openLineage(start)}
          />
        )
      };
    });
  }

  /**
   * The lineage graph around `start` (a job's or endpoint's name, `GROUP/VERSION`, a
   * path or an ARN); each node opens its own view.
   */
  openLineage(start: string): void {
    this._open(`lineage:${start}`, `Lineage: ${start}`, () => {
      const model = new LineageModel({ ...this._sources, start });
      return {
        model,
        render: () => (
          <LineageView
            model={model}
            onOpen={this._openTarget}
            canOpen={this._canOpenTarget}
          />
        )
      };
    });
  }

  /**
   * A pipeline: its DAG coloured live by the shown execution's steps (a step opens its
   * job's view), the start form, the executions and their comparison.
   */
  openPipeline(name: string): void {
    this._open(`pipeline:${name}`, `Pipeline: ${name}`, () => {
      const model = new PipelineModel({ ...this._sources, name });
      return {
        model,
        render: () => <PipelineView model={model} onOpen={this._openTarget} />
      };
    });
  }

  /** Show an experiment in the sidebar (set by the plugin, which owns the sidebar). */
  revealExperiment: ((name: string) => void) | null = null;

  /** Whether a lineage node opens here: a path only under the Jupyter root. */
  private _canOpenTarget = (target: LineageTarget): boolean =>
    target.kind !== 'file' || rootRelative(target.path, serverRoot()) !== null;

  /** Open what a lineage node stands for. */
  private _openTarget = (target: LineageTarget): void => {
    switch (target.kind) {
      case 'training-job':
        return this.openJob(target.name);
      case 'processing-job':
        return this.openProcessing(target.name);
      case 'transform-job':
        return this.openTransform(target.name);
      case 'tuning-job':
        return this.openTuning(target.name);
      case 'endpoint':
        return this.openEndpoint(target.name);
      case 'experiment':
        return this.revealExperiment?.(target.name);
      case 'model-package':
        return this.openModelGroup(target.group, target.version);
      case 'model-package-group':
        return this.openModelGroup(target.group);
      case 'file': {
        const path = rootRelative(target.path, serverRoot());
        if (path !== null) {
          this.openPath(path);
        }
        return;
      }
    }
  };

  /** What every view's model reads from: the REST client and the events socket. */
  private get _sources(): {
    client: LabstudioClient;
    events: EventStream | null;
  } {
    return { client: this.client, events: this.events };
  }

  /**
   * Activate the view open under `key`, or make its model (started here) and view: the
   * model lives as long as the widget (disposing the widget disposes it).
   */
  private _open(
    key: string,
    label: string,
    make: () => { model: IViewModel; render: () => JSX.Element },
    activate = true
  ): void {
    const existing = this._widgets.get(key);
    if (existing && !existing.isDisposed) {
      if (activate) {
        this.app.shell.activateById(existing.id);
      }
      return;
    }
    const { model, render } = make();
    void model.start();
    const content = new StudioView(render);
    const widget = new MainAreaWidget({ content });
    widget.id = `labstudio-${key.replace(/[^a-zA-Z0-9_-]/g, '-')}-${++this._count}`;
    widget.title.label = label;
    widget.title.caption = label;
    widget.title.icon = studioIcon;
    widget.title.closable = true;
    widget.addClass('labstudio-main-widget');
    widget.disposed.connect(() => {
      this._widgets.delete(key);
      this._models.delete(key);
      model.dispose();
    });
    this._widgets.set(key, widget);
    this.app.shell.add(widget, 'main', { activate });
    if (activate) {
      this.app.shell.activateById(widget.id);
    }
  }

  private _widgets = new Map<string, MainAreaWidget>();
  /** The group views' models, so a second open can show another version's details. */
  private _models = new Map<string, ModelGroupModel>();
  private _count = 0;
  private _launchModel: LaunchFormModel | null = null;
}

/** The Jupyter root as an absolute path (null when the page does not say it). */
function serverRoot(): string | null {
  const root = PageConfig.getOption('serverRoot');
  return root && root.startsWith('/') ? root : null;
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) {
    h = (h * 31 + text.charCodeAt(i)) | 0;
  }
  return (h >>> 0).toString(36);
}
