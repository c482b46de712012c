/**
 * labstudio's JupyterLab plugin: the Studio sidebar (experiments, jobs, tuning jobs,
 * pipelines, models, endpoints), the Studio home and the main-area views (comparison, run,
 * job, tuning job, launch form, endpoint, model group, lineage graph, pipeline), commands in
 * the palette, "Train with labstudio" on .py files, the widgets' Stop buttons (acting from
 * the browser while the kernel is busy), and the settings.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog, IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { LabstudioClient } from './api';
import { EventStream } from './events';
import { studioIcon } from './icons';
import { JobsModel, PANEL_ID, StudioPanel } from './panel';
import { EndpointsModel } from './panel/endpointsModel';
import { ExperimentsModel } from './panel/experimentsModel';
import { ModelGroupsModel } from './panel/modelGroupsModel';
import { PipelinesModel } from './panel/pipelinesModel';
import { ICompareSelection } from './panel/selection';
import { applySettings } from './panel/settings';
import { TuningJobsModel } from './panel/tuningJobsModel';
import { HOME_SOURCES } from './views/home/sources';
import { installWidgetStop } from './widgetStop';
import { DEFAULT_SETTINGS, IStudioSettings, MainViews } from './widgets';

export * from './api';
export * from './events';
export * from './types';

export namespace CommandIDs {
  export const open = 'labstudio:open';
  export const openHome = 'labstudio:open-home';
  export const openRun = 'labstudio:open-run';
  export const refresh = 'labstudio:refresh';
  export const refreshJobs = 'labstudio:refresh-jobs';
  export const launch = 'labstudio:launch';
  export const trainFile = 'labstudio:train-file';
  export const compareSelected = 'labstudio:compare-selected';
  export const openCompare = 'labstudio:open-compare';
  export const openJob = 'labstudio:open-job';
  export const openEndpoint = 'labstudio:open-endpoint';
  export const openTuning = 'labstudio:open-tuning';
  export const openModelGroup = 'labstudio:open-model-group';
  export const openLineage = 'labstudio:open-lineage';
  export const openPipeline = 'labstudio:open-pipeline';
  export const refreshModels = 'labstudio:refresh-models';
}

const PLUGIN_ID = 'labstudio:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A local ML studio: training jobs, experiments and endpoints.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    IDocumentManager,
    IDefaultFileBrowser
  ],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    docManager: IDocumentManager | null,
    fileBrowser: IDefaultFileBrowser | null
  ) => {
    let settings: IStudioSettings = { ...DEFAULT_SETTINGS };
    const loaded = registry
      ? await registry.load(PLUGIN_ID).catch(error => {
          console.warn('labstudio: cannot load the settings', error);
          return null;
        })
      : null;
    const read = () => {
      if (loaded) {
        settings = {
          ...DEFAULT_SETTINGS,
          ...(loaded.composite as Partial<IStudioSettings>)
        };
      }
    };
    read();

    const serverSettings = app.serviceManager.serverSettings;
    const client = new LabstudioClient({ serverSettings });
    const events = new EventStream({
      url: () => client.eventsUrl(),
      WebSocket: serverSettings.WebSocket
    });
    const fallback = settings.refreshInterval * 1000;
    // The jobs section lists every kind: training (and tuning trials), processing, transform.
    const jobs = new JobsModel({
      client,
      events,
      fallbackInterval: fallback,
      pageSize: settings.jobsPageSize
    });
    const experiments = new ExperimentsModel({
      client,
      events,
      fallbackInterval: fallback,
      pageSize: 500,
      keyMetric: settings.keyMetric,
      keyMetrics: settings.keyMetrics,
      // The settings registry saves at once (a reload right after a choice keeps it).
      onKeyMetricsChanged: choices => {
        void loaded?.set('keyMetrics', choices).catch(error => {
          console.warn('labstudio: cannot save the key metric', error);
        });
      },
      defaultExperiment: settings.defaultExperiment
    });
    /** The key metric of the runs' experiment, charted first when they are compared. */
    const compareMetric = (selection: ICompareSelection) => {
      const first = selection.runIds.length
        ? experiments.findRun(selection.runIds[0])
        : undefined;
      return experiments.keyMetricFor(
        first?.experiment ??
          selection.experiments?.[0] ??
          experiments.currentExperiment
      );
    };
    const compare = (selection: ICompareSelection) =>
      views.openCompare(selection, compareMetric(selection));
    const endpoints = new EndpointsModel({
      client,
      events,
      fallbackInterval: fallback
    });

    const tuning = new TuningJobsModel({
      client,
      events,
      fallbackInterval: fallback
    });

    const models = new ModelGroupsModel({
      client,
      events,
      fallbackInterval: fallback
    });

    const pipelines = new PipelinesModel({
      client,
      events,
      fallbackInterval: fallback
    });

    const pickPath = docManager
      ? async (kind: 'file' | 'folder'): Promise<string | null> => {
          const result =
            kind === 'folder'
              ? await FileDialog.getExistingDirectory({
                  manager: docManager,
                  title: 'Choose the source folder'
                })
              : await FileDialog.getOpenFiles({
                  manager: docManager,
                  title: 'Choose the training script',
                  filter: model =>
                    model.type === 'directory' || model.name.endsWith('.py')
                      ? {}
                      : null
                });
          const chosen = result.button.accept ? result.value?.[0] : undefined;
          return chosen ? chosen.path : null;
        }
      : undefined;

    const views = new MainViews(app, client, events, () => settings, pickPath);
    const openHome = (options: { activate?: boolean } = {}) =>
      views.openHome(
        {
          openJob: row => views.openJobOfKind(row.kind, row.name),
          openEndpoint: name => views.openEndpoint(name),
          revealExperiment: name => {
            app.shell.activateById(PANEL_ID);
            panel.setSectionOpen('experiments', true);
            experiments.setSearch('');
            experiments.toggleExpanded(name, true);
          },
          compareExperiment: (name, runCount) =>
            compare({ runIds: [], experiments: [name], expected: runCount }),
          launchTraining: () => views.openLaunch({ mode: 'training' }),
          launchTuning: () => views.openLaunch({ mode: 'tuning' }),
          openTuning: () => void app.commands.execute(CommandIDs.openTuning),
          execute: (command, args) => void app.commands.execute(command, args)
        },
        HOME_SOURCES,
        options
      );
    const panel = new StudioPanel({
      jobs,
      experiments,
      endpoints,
      tuning,
      models,
      pipelines,
      actions: {
        openHome,
        openCompare: compare,
        openRun: run => views.openRun(run),
        openJob: name => views.openJob(name),
        openEndpoint: name => views.openEndpoint(name),
        openTuning: name => views.openTuning(name),
        openLaunch: () => views.openLaunch(),
        openProcessing: name => views.openProcessing(name),
        openTransform: name => views.openTransform(name),
        openModelGroup: name => views.openModelGroup(name),
        openPipeline: name => views.openPipeline(name)
      }
    });
    views.revealExperiment = name => {
      app.shell.activateById(PANEL_ID);
      panel.setSectionOpen('experiments', true);
      experiments.toggleExpanded(name, true);
    };
    panel.disposed.connect(() => events.dispose());
    // The Studio home opens with the panel, the first time the user shows the panel: in
    // front when the main area shows nothing else (or the Launcher), behind the tab the
    // user is reading otherwise. A panel the restored layout already shows opens nothing:
    // the restored main area keeps its tabs and focus (the ⌂ button opens the home).
    let homeOpened = false;
    void app.restored.then(() => {
      homeOpened = homeOpened || panel.isVisible;
      panel.shown.connect(() => {
        if (!homeOpened && settings.openHome) {
          homeOpened = true;
          const current = app.shell.currentWidget;
          openHome({
            activate:
              !current || current.node.querySelector('.jp-Launcher') !== null
          });
        }
      });
    });
    // The widgets' Stop buttons (JobMonitor, TuningMonitor) act through the REST API
    // from here: a kernel blocked in fit() cannot hear their clicks.
    const widgetStop = installWidgetStop(document.body, client);
    panel.disposed.connect(() => widgetStop.dispose());

    loaded?.changed.connect(() => {
      read();
      applySettings(settings, {
        jobs,
        experiments,
        endpoints,
        tuning,
        models,
        pipelines
      });
    });

    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }
    void jobs.start();
    void experiments.start();
    void endpoints.start();
    void tuning.start();
    void models.start();
    void pipelines.start();

    const { commands } = app;
    commands.addCommand(CommandIDs.open, {
      label: 'Open the Studio panel',
      icon: studioIcon,
      execute: () => app.shell.activateById(PANEL_ID)
    });
    commands.addCommand(CommandIDs.openHome, {
      label: 'Open the Studio home',
      caption:
        'Running and recent jobs, endpoints, recent experiments, quick actions',
      icon: studioIcon,
      execute: () => openHome()
    });
    commands.addCommand(CommandIDs.openRun, {
      label: args => (args.runId ? `Open run ${args.runId}` : 'Open a run'),
      caption: "A run's parameters, metrics, artifacts and job",
      execute: args => {
        if (args.runId) {
          views.openRun(String(args.runId));
        }
      }
    });
    commands.addCommand(CommandIDs.refresh, {
      label:
        'Refresh experiments, jobs, tuning jobs, pipelines, models and endpoints',
      execute: async () => {
        await Promise.all([
          jobs.refresh(),
          experiments.refresh(),
          endpoints.refresh(),
          tuning.refresh(),
          pipelines.refresh(),
          models.refresh()
        ]);
      }
    });
    commands.addCommand(CommandIDs.refreshModels, {
      label: 'Refresh models',
      execute: () => models.refresh()
    });
    commands.addCommand(CommandIDs.refreshJobs, {
      label: 'Refresh jobs',
      execute: () => jobs.refresh()
    });
    commands.addCommand(CommandIDs.launch, {
      label: 'Launch a training job…',
      caption: 'Open the training launch form',
      icon: studioIcon,
      execute: args =>
        views.openLaunch(
          args?.entryPoint ? { entryPoint: String(args.entryPoint) } : undefined
        )
    });
    commands.addCommand(CommandIDs.trainFile, {
      label: 'Train with labstudio',
      caption: 'Open the launch form for this script',
      icon: studioIcon,
      isVisible: () => selectedPython(fileBrowser) !== null,
      execute: () => {
        const path = selectedPython(fileBrowser);
        if (path) {
          views.openLaunch({ entryPoint: path });
        }
      }
    });
    commands.addCommand(CommandIDs.compareSelected, {
      label: () => {
        const n = experiments.selectedCount();
        return `Compare the selected runs${n ? ` (${n.toLocaleString()})` : ''}`;
      },
      isEnabled: () => !experiments.selection.empty,
      execute: () => compare(experiments.compareSelection())
    });
    commands.addCommand(CommandIDs.openCompare, {
      label: 'Compare runs',
      caption:
        'Compare runs: runIds (run ids), experiments (all their runs), exclude (run ids left out)',
      execute: args => {
        const ids = (args.runIds as string[] | undefined) ?? [];
        const whole = (args.experiments as string[] | undefined) ?? [];
        const exclude = (args.exclude as string[] | undefined) ?? [];
        if (
          !Array.isArray(ids) ||
          !Array.isArray(whole) ||
          !Array.isArray(exclude)
        ) {
          throw new Error(
            'labstudio:open-compare takes runIds, experiments and exclude as lists of strings'
          );
        }
        compare({
          runIds: ids.map(String),
          experiments: whole.length ? whole.map(String) : undefined,
          exclude: exclude.length ? exclude.map(String) : undefined,
          expected: whole.length ? undefined : ids.length
        });
      }
    });
    commands.addCommand(CommandIDs.openJob, {
      label: args =>
        args.name ? `Open training job ${args.name}` : 'Open a training job',
      execute: args => args.name && views.openJob(String(args.name))
    });
    commands.addCommand(CommandIDs.openEndpoint, {
      label: args =>
        args.name ? `Open endpoint ${args.name}` : 'Open an endpoint',
      execute: args => args.name && views.openEndpoint(String(args.name))
    });
    commands.addCommand(CommandIDs.openTuning, {
      label: args =>
        args.name ? `Open tuning job ${args.name}` : 'Open a tuning job…',
      caption: 'Open the view of a hyperparameter tuning job',
      execute: async args => {
        let name = args.name ? String(args.name) : null;
        if (!name) {
          // Choose among the sweeps the Tuning section lists (or type a name).
          await tuning.refresh();
          const names = tuning.jobs.map(j => j.HyperParameterTuningJobName);
          const answer = names.length
            ? await InputDialog.getItem({
                title: 'Open a tuning job',
                items: names,
                editable: true
              })
            : await InputDialog.getText({ title: 'Tuning job name' });
          name = answer.button.accept ? (answer.value ?? '').trim() : null;
        }
        if (name) {
          views.openTuning(name);
        }
      }
    });

    commands.addCommand(CommandIDs.openModelGroup, {
      label: args =>
        args.name ? `Open model ${args.name}` : 'Open a registered model…',
      caption:
        "A model package group's versions, approvals, metrics and history",
      execute: async args => {
        let name = args.name ? String(args.name) : null;
        if (!name) {
          // Choose among the groups the Models section lists (or type a name).
          await models.refresh();
          const names = models.groups.map(g => g.ModelPackageGroupName);
          const answer = names.length
            ? await InputDialog.getItem({
                title: 'Open a registered model',
                items: names,
                editable: true
              })
            : await InputDialog.getText({ title: 'Model package group name' });
          name = answer.button.accept ? (answer.value ?? '').trim() : null;
        }
        const version = Number(args.version);
        if (name) {
          views.openModelGroup(
            name,
            Number.isInteger(version) && version >= 1 ? version : undefined
          );
        }
      }
    });
    commands.addCommand(CommandIDs.openPipeline, {
      label: args =>
        args.name ? `Open pipeline ${args.name}` : 'Open a pipeline…',
      caption:
        "A pipeline's DAG, live, its start form, executions and their comparison",
      execute: async args => {
        let name = args.name ? String(args.name) : null;
        if (!name) {
          // Choose among the pipelines the Pipelines section lists (or type a name).
          await pipelines.refresh();
          const names = pipelines.pipelines.map(p => p.PipelineName);
          const answer = names.length
            ? await InputDialog.getItem({
                title: 'Open a pipeline',
                items: names,
                editable: true
              })
            : await InputDialog.getText({ title: 'Pipeline name' });
          name = answer.button.accept ? (answer.value ?? '').trim() : null;
        }
        if (name) {
          views.openPipeline(name);
        }
      }
    });
    commands.addCommand(CommandIDs.openLineage, {
      label: args =>
        args.start ? `Show the lineage of ${args.start}` : 'Show a lineage…',
      caption:
        'The lineage graph around a job, an endpoint, a model version (GROUP/VERSION) or a data set',
      execute: async args => {
        let start = args.start ? String(args.start) : null;
        if (!start) {
          const answer = await InputDialog.getText({
            title: 'Lineage of',
            placeholder:
              'a job or endpoint name, GROUP/VERSION, a path or an ARN'
          });
          start = answer.button.accept ? (answer.value ?? '').trim() : null;
        }
        if (start) {
          views.openLineage(start);
        }
      }
    });

    app.contextMenu.addItem({
      command: CommandIDs.trainFile,
      selector: '.jp-DirListing-item[data-file-type="python"]',
      rank: 10
    });

    if (palette) {
      for (const command of [
        CommandIDs.open,
        CommandIDs.openHome,
        CommandIDs.launch,
        CommandIDs.openTuning,
        CommandIDs.openModelGroup,
        CommandIDs.openPipeline,
        CommandIDs.openLineage,
        CommandIDs.compareSelected,
        CommandIDs.refresh,
        CommandIDs.refreshJobs,
        CommandIDs.refreshModels
      ]) {
        palette.addItem({ command, category: 'Studio' });
      }
    }
  }
};

/** The path of the one .py file selected in the file browser, if any. */
function selectedPython(browser: IDefaultFileBrowser | null): string | null {
  if (!browser) {
    return null;
  }
  const items = [...browser.selectedItems()];
  return items.length === 1 &&
    items[0].type === 'file' &&
    items[0].path.endsWith('.py')
    ? items[0].path
    : null;
}

export default plugin;
