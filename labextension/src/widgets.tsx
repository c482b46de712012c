/**
 * The main-area views: each is a React view in a ReactWidget inside a MainAreaWidget,
 * opened (or re-activated when already open) by the panel and the commands.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { LabstudioClient } from './api';
import { EventStream } from './events';
import { studioIcon } from './icons';
import { IRun, ITrainingJobDescription } from './types';
import { CompareView } from './views/compare/CompareView';
import { EndpointView } from './views/endpoint/EndpointView';
import { JobDetailView } from './views/job/JobDetailView';
import { fromJob, emptyForm, ILaunchForm } from './views/launch/formModel';
import { LaunchForm } from './views/launch/LaunchForm';

export interface IStudioSettings {
  defaultExperiment: string;
  keyMetric: string;
  /** The key metric chosen per experiment in the panel (experiment → metric). */
  keyMetrics: Record<string, string>;
  /** Fallback refresh while the events socket is down (seconds). */
  refreshInterval: number;
  /** Points per curve asked of the server. */
  maxPoints: number;
}

export const DEFAULT_SETTINGS: IStudioSettings = {
  defaultExperiment: '',
  keyMetric: '',
  keyMetrics: {},
  refreshInterval: 30,
  maxPoints: 1000
};

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
    private readonly pickPath?: (kind: 'file' | 'folder') => Promise<string | null>
  ) {}

  /** Compare runs, charting `keyMetric` first (default: the `keyMetric` setting). */
  openCompare(runIds: string[], keyMetric?: string): void {
    if (runIds.length === 0) {
      return;
    }
    const key = `compare:${runIds.length}:${hash(runIds.join(','))}`;
    this._open(key, `Compare ${runIds.length} run${runIds.length > 1 ? 's' : ''}`, () => (
      <CompareView
        client={this.client}
        runIds={runIds}
        events={this.events}
        keyMetric={keyMetric || this.settings().keyMetric || undefined}
        maxPoints={this.settings().maxPoints}
      />
    ));
  }

  /** A run of a training job opens the job; another run opens its comparison view. */
  openRun(run: IRun): void {
    if (run.source_type === 'TrainingJob' && run.source_name) {
      this.openJob(run.source_name);
    } else {
      this.openCompare([run.id]);
    }
  }

  openJob(name: string): void {
    this._open(`job:${name}`, name, () => (
      <JobDetailView
        client={this.client}
        events={this.events}
        name={name}
        onClone={job => this.openLaunch(job)}
        onOpenEndpoint={endpoint => this.openEndpoint(endpoint)}
        onOpenRun={runId => this.openCompare([runId])}
      />
    ));
  }

  /** The launch form, empty, for a script, or cloned from a job. */
  openLaunch(from?: ITrainingJobDescription | Partial<ILaunchForm>): void {
    const base = emptyForm({ experiment: this.settings().defaultExperiment });
    const initial = from && 'TrainingJobName' in from ? fromJob(from as ITrainingJobDescription, base) : { ...base, ...(from ?? {}) };
    const key = `launch:${++this._launches}`;
    this._open(key, 'Launch training', () => (
      <LaunchForm
        client={this.client}
        initial={initial}
        pickPath={this.pickPath}
        onLaunched={job => this.openJob(job.TrainingJobName)}
      />
    ));
  }

  openEndpoint(name: string): void {
    this._open(`endpoint:${name}`, name, () => (
      <EndpointView
        client={this.client}
        events={this.events}
        name={name}
        onDeleted={() => this._widgets.get(`endpoint:${name}`)?.dispose()}
      />
    ));
  }

  private _open(key: string, label: string, render: () => JSX.Element): void {
    const existing = this._widgets.get(key);
    if (existing && !existing.isDisposed) {
      this.app.shell.activateById(existing.id);
      return;
    }
    const content = new StudioView(render);
    const widget = new MainAreaWidget({ content });
    widget.id = `labstudio-${key.replace(/[^a-zA-Z0-9_-]/g, '-')}-${++this._count}`;
    widget.title.label = label;
    widget.title.caption = label;
    widget.title.icon = studioIcon;
    widget.title.closable = true;
    widget.addClass('labstudio-main-widget');
    widget.disposed.connect(() => this._widgets.delete(key));
    this._widgets.set(key, widget);
    this.app.shell.add(widget, 'main');
    this.app.shell.activateById(widget.id);
  }

  private _widgets = new Map<string, MainAreaWidget>();
  private _count = 0;
  private _launches = 0;
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) {
    h = (h * 31 + text.charCodeAt(i)) | 0;
  }
  return (h >>> 0).toString(36);
}
