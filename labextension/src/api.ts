/**
 * The one client of the labstudio REST API, typed from its OpenAPI document.
 *
 * `api` is an openapi-fetch client over `generated/openapi.ts` (`jlpm gen:types`): every
 * path, parameter, body and answer is the document's, so a change on the server is a
 * regeneration here, not an edit. The methods below only name the calls the panel makes
 * (their types are inferred from the document) and do what a single call cannot: follow
 * pages, turn JSON's spellings of NaN into numbers, build URLs for links and the socket.
 *
 * Every request goes through `ServerConnection.makeRequest`, so the token, the XSRF
 * cookie and the base URL of the Jupyter server are handled the JupyterLab way. A non-2xx
 * answer rejects with a `LabstudioApiError` carrying the server's `{message, field}` and
 * every problem of the request (`errors`).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import createClient, { Client } from 'openapi-fetch';

import { components, paths } from './generated/openapi';
import { IInvokeRequest, IInvokeResult, IJobMetrics, toNumber } from './types';

/** The path of the labstudio REST API under the server's base URL. */
export const API_PATH = 'labstudio/api';

/** The header that sends an invocation to one variant. */
export const TARGET_VARIANT_HEADER = 'X-Labstudio-Target-Variant';
/** The header that names the variant that answered. */
export const INVOKED_VARIANT_HEADER = 'X-Labstudio-Invoked-Variant';

/** Shown when the server answers 404 for the API itself. */
export const EXTENSION_MISSING_MESSAGE =
  'The labstudio server extension is not enabled';

/**
 * One problem of a refused request (an item of the error body's `errors`): what is wrong
 * and the request field at fault (null when none is).
 */
export type IApiProblem = Required<components['schemas']['ErrorItem']>;

/**
 * A labstudio API call that did not succeed: a non-2xx answer (`status` is the HTTP
 * status, `message` and `field` come from the JSON body, `problems` lists every problem
 * the server found in the request, the first one included) or no answer at all
 * (`status` 0).
 */
export class LabstudioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null,
    problems?: IApiProblem[]
  ) {
    super(message);
    this.name = 'LabstudioApiError';
    this.problems = problems?.length ? problems : [{ message, field }];
  }

  /** Every problem of the request (at least this error's own). */
  readonly problems: IApiProblem[];

  /** True when the server has no labstudio API (the server extension is not enabled). */
  get extensionMissing(): boolean {
    return false;
  }
}

/** The Jupyter server answered 404 for the labstudio API itself. */
export class ServerExtensionMissingError extends LabstudioApiError {
  constructor() {
    super(EXTENSION_MISSING_MESSAGE, 404);
    this.name = 'ServerExtensionMissingError';
  }

  get extensionMissing(): boolean {
    return true;
  }
}

/** Answers are read as JSON (a route that can also answer CSV is typed by its JSON). */
type Json = `${string}/json`;

/** The typed openapi-fetch client of the whole document. */
export type LabstudioApi = Client<paths, Json>;

/** The query parameters of an operation, as the document declares them. */
export type QueryOf<
  P extends keyof paths,
  M extends 'get' | 'post' = 'get'
> = paths[P][M] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

/** The query of `GET /jobs`: `kind` (repeatable), `status`, `name_contains`, `limit`, `next_token`. */
export type ListJobsQuery = QueryOf<'/labstudio/api/jobs'>;
/** The query of the processing and transform job lists. */
export type ListKindJobsQuery = QueryOf<'/labstudio/api/processing-jobs'>;
export type ListTuningJobsQuery = QueryOf<'/labstudio/api/tuning-jobs'>;
export type ListRunsQuery = QueryOf<'/labstudio/api/runs'>;
export type ListModelPackagesQuery = QueryOf<'/labstudio/api/model-packages'>;
/** The query of `GET /model-package-groups`: `name_contains`, sorting, `max_results`, `next_token`. */
export type ListModelPackageGroupsQuery =
  QueryOf<'/labstudio/api/model-package-groups'>;
/** The query of `GET /pipelines`: `prefix`, sorting, `max_results`, `next_token`. */
export type ListPipelinesQuery = QueryOf<'/labstudio/api/pipelines'>;
/** The body of `POST /pipelines/{name}/executions` (SageMaker's StartPipelineExecution). */
export type ICreateExecutionBody =
  paths['/labstudio/api/pipelines/{name}/executions']['post']['requestBody']['content']['application/json'];
/** Which way a lineage graph goes from its start: `up` (what it came from), `down`, `both`. */
export type LineageDirection = NonNullable<
  QueryOf<'/labstudio/api/lineage'>['direction']
>;

export interface ILabstudioClientOptions {
  /** Defaults to `ServerConnection.makeSettings()`. */
  serverSettings?: ServerConnection.ISettings;
}

/** What openapi-fetch resolves with: the answer's data, or its error body. */
interface IFetched<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Typed access to `/labstudio/api`. */
export class LabstudioClient {
  constructor(options: ILabstudioClientOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this.api = createClient<paths, Json>({
      baseUrl: this.serverSettings.baseUrl,
      Request: this.serverSettings.Request,
      fetch: request => this._send(request),
      querySerializer: serializeQuery
    });
  }

  readonly serverSettings: ServerConnection.ISettings;
  /** Every route of the document, typed; the methods below use it. */
  readonly api: LabstudioApi;

  // -- jobs of every kind -----------------------------------------------------------

  /**
   * `GET /jobs`: one page, newest first. With `kind` (e.g. `['training', 'processing',
   * 'transform']`) the page is `JobSummaries`, each row with its `Kind`; without it,
   * SageMaker's `TrainingJobSummaries`.
   */
  listJobs(query: ListJobsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/jobs', { params: { query } })
    );
  }

  /** `POST /jobs`: launch a training job. */
  createJob(
    body: paths['/labstudio/api/jobs']['post']['requestBody']['content']['application/json']
  ) {
    return this.data(this.api.POST('/labstudio/api/jobs', { body }));
  }

  /** `GET /jobs/{name}` (SageMaker's DescribeTrainingJob). */
  getJob(name: string) {
    return this.data(this.api.GET('/labstudio/api/jobs/{name}', named(name)));
  }

  /** `POST /jobs/{name}/stop`. */
  stopJob(name: string) {
    return this.data(
      this.api.POST('/labstudio/api/jobs/{name}/stop', named(name))
    );
  }

  /**
   * `GET /jobs/{name}/logs?offset=N[&host=algo-k]`: the log text from byte `offset` on;
   * with `host`, only that host's lines of a multi-host job (offsets stay the whole log's).
   */
  getLogs(name: string, offset = 0, host?: string | null) {
    return this.data(
      this.api.GET('/labstudio/api/jobs/{name}/logs', {
        params: { path: { name }, query: { offset, host: host ?? undefined } }
      })
    );
  }

  /**
   * `GET /jobs/{name}/metrics`, every page: the server answers at most a page of points
   * (a metric may continue on the next page), so follow `NextToken` and join the series.
   */
  async getMetrics(name: string): Promise<IJobMetrics> {
    const series = new Map<string, IJobMetrics['metrics'][number]>();
    let token: string | undefined;
    do {
      const page = await this.data(
        this.api.GET('/labstudio/api/jobs/{name}/metrics', {
          params: { path: { name }, query: { next_token: token } }
        })
      );
      for (const item of page.metrics) {
        const points = item.points.map(p => ({
          ...p,
          value: toNumber(p.value)
        }));
        const known = series.get(item.name);
        if (known) {
          known.points.push(...points);
        } else {
          series.set(item.name, { name: item.name, points });
        }
      }
      token = page.NextToken ?? undefined;
    } while (token);
    return { metrics: [...series.values()] };
  }

  /** `GET /backends`: where jobs and endpoints can run, and why a backend cannot. */
  getBackends() {
    return this.data(this.api.GET('/labstudio/api/backends'));
  }

  // -- hyperparameter tuning jobs ----------------------------------------------------

  /** `GET /tuning-jobs`: one page of tuning jobs, newest first. */
  listTuningJobs(query: ListTuningJobsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/tuning-jobs', { params: { query } })
    );
  }

  /** `POST /tuning-jobs`: start a tuning job (validated before anything runs). */
  createTuningJob(
    body: paths['/labstudio/api/tuning-jobs']['post']['requestBody']['content']['application/json']
  ) {
    return this.data(this.api.POST('/labstudio/api/tuning-jobs', { body }));
  }

  /** `GET /tuning-jobs/{name}` (SageMaker's DescribeHyperParameterTuningJob). */
  getTuningJob(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/tuning-jobs/{name}', named(name))
    );
  }

  /**
   * `GET /tuning-jobs/{name}/training-jobs`, every page: the trials of a tuning job
   * (a sweep is at most a few hundred trials, and the view shows them all).
   */
  async listTuningTrials(name: string) {
    let token: string | undefined;
    let page;
    const trials = [];
    do {
      page = await this.data(
        this.api.GET('/labstudio/api/tuning-jobs/{name}/training-jobs', {
          params: {
            path: { name },
            query: {
              sort_by: 'CreationTime',
              sort_order: 'Ascending',
              next_token: token
            }
          }
        })
      );
      trials.push(...page.TrainingJobSummaries);
      token = page.NextToken ?? undefined;
    } while (token);
    return { ...page, TrainingJobSummaries: trials, NextToken: null };
  }

  /** `POST /tuning-jobs/{name}/stop`: stops every running trial. */
  stopTuningJob(name: string) {
    return this.data(
      this.api.POST('/labstudio/api/tuning-jobs/{name}/stop', named(name))
    );
  }

  // -- processing and batch transform jobs -------------------------------------------

  /** `GET /processing-jobs`: one page of processing jobs, newest first. */
  listProcessingJobs(query: ListKindJobsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/processing-jobs', { params: { query } })
    );
  }

  /** `GET /processing-jobs/{name}` (SageMaker's DescribeProcessingJob). */
  getProcessingJob(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/processing-jobs/{name}', named(name))
    );
  }

  /** `POST /processing-jobs/{name}/stop`. */
  stopProcessingJob(name: string) {
    return this.data(
      this.api.POST('/labstudio/api/processing-jobs/{name}/stop', named(name))
    );
  }

  /** `GET /processing-jobs/{name}/logs?offset=N`. */
  getProcessingLogs(name: string, offset = 0) {
    return this.data(
      this.api.GET('/labstudio/api/processing-jobs/{name}/logs', {
        params: { path: { name }, query: { offset } }
      })
    );
  }

  /** `GET /transform-jobs`: one page of batch transform jobs, newest first. */
  listTransformJobs(query: ListKindJobsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/transform-jobs', { params: { query } })
    );
  }

  /** `POST /transform-jobs`: score a file or folder with a model (checked first). */
  createTransformJob(
    body: paths['/labstudio/api/transform-jobs']['post']['requestBody']['content']['application/json']
  ) {
    return this.data(this.api.POST('/labstudio/api/transform-jobs', { body }));
  }

  /** `GET /transform-jobs/{name}`: DescribeTransformJob with the records done so far. */
  getTransformJob(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/transform-jobs/{name}', named(name))
    );
  }

  /** `POST /transform-jobs/{name}/stop`. */
  stopTransformJob(name: string) {
    return this.data(
      this.api.POST('/labstudio/api/transform-jobs/{name}/stop', named(name))
    );
  }

  /** `GET /transform-jobs/{name}/logs?offset=N`. */
  getTransformLogs(name: string, offset = 0) {
    return this.data(
      this.api.GET('/labstudio/api/transform-jobs/{name}/logs', {
        params: { path: { name }, query: { offset } }
      })
    );
  }

  // -- experiments and runs ---------------------------------------------------------

  /** `GET /experiments`. */
  async listExperiments() {
    const answer = await this.data(this.api.GET('/labstudio/api/experiments'));
    return answer.experiments;
  }

  /** `GET /experiments/{name}` (with its metric and parameter names). */
  getExperiment(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/experiments/{name}', named(name))
    );
  }

  /** `GET /runs`: one page of runs matching a filter, in `order_by` order. */
  listRuns(query: ListRunsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/runs', { params: { query } })
    );
  }

  /** `GET /runs/{id}`: params, metric summaries, artifacts and the job. */
  getRun(id: string) {
    return this.data(
      this.api.GET('/labstudio/api/runs/{run_id}', {
        params: { path: { run_id: id } }
      })
    );
  }

  /** `GET /runs/{id}/metrics/{name}` (the name may contain `/`, sent as it is). */
  getRunMetric(id: string, name: string, maxPoints?: number) {
    return this.data(
      this.api.GET('/labstudio/api/runs/{run_id}/metrics/{name}', {
        params: {
          path: { run_id: id, name },
          query: { max_points: maxPoints }
        },
        pathSerializer: slashesKept
      })
    );
  }

  /** `POST /runs/compare`: the series of several runs, downsampled by the server. */
  compareRuns(
    body: paths['/labstudio/api/runs/compare']['post']['requestBody']['content']['application/json']
  ) {
    return this.data(this.api.POST('/labstudio/api/runs/compare', { body }));
  }

  // -- endpoints ----------------------------------------------------------------------

  /** `GET /endpoints`, newest first. */
  listEndpoints() {
    return this.data(this.api.GET('/labstudio/api/endpoints'));
  }

  /** `GET /endpoints/{name}`, with per-variant figures. */
  getEndpoint(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/endpoints/{name}', named(name))
    );
  }

  /** `POST /endpoints`: deploy (answers while Creating unless `wait`). */
  createEndpoint(
    body: paths['/labstudio/api/endpoints']['post']['requestBody']['content']['application/json'],
    wait = false
  ) {
    return this.data(
      this.api.POST('/labstudio/api/endpoints', {
        body,
        params: { query: { wait: wait || undefined } }
      })
    );
  }

  /** `PATCH /endpoints/{name}`: a new set of variants (or new weights). */
  updateEndpoint(
    name: string,
    variants: paths['/labstudio/api/endpoints/{name}']['patch']['requestBody']['content']['application/json']['ProductionVariants']
  ) {
    return this.data(
      this.api.PATCH('/labstudio/api/endpoints/{name}', {
        ...named(name),
        body: { ProductionVariants: variants }
      })
    );
  }

  /** `DELETE /endpoints/{name}`. */
  async deleteEndpoint(name: string): Promise<void> {
    await this.data(
      this.api.DELETE('/labstudio/api/endpoints/{name}', named(name))
    );
  }

  /** `GET /endpoints/{name}/logs?tail=N`. */
  getEndpointLogs(name: string, tail = 200) {
    return this.data(
      this.api.GET('/labstudio/api/endpoints/{name}/logs', {
        params: { path: { name }, query: { tail } }
      })
    );
  }

  /**
   * `POST /endpoints/{name}/invocations` through the authenticated proxy. Resolves with
   * the model's answer whatever its status (a 4xx from the model is a result to show);
   * rejects only when the server cannot be reached. The body is the model's own content
   * (any type), so the bytes go as they are, not through the JSON client.
   */
  async invokeEndpoint(
    name: string,
    request: IInvokeRequest
  ): Promise<IInvokeResult> {
    const headers: Record<string, string> = {
      'Content-Type': request.contentType || 'application/json'
    };
    if (request.accept) {
      headers['Accept'] = request.accept;
    }
    if (request.targetVariant) {
      headers[TARGET_VARIANT_HEADER] = request.targetVariant;
    }
    const url = this.url(['endpoints', name, 'invocations']);
    const started = performance.now();
    const response = await this._makeRequest(url, {
      method: 'POST',
      body: request.body,
      headers
    });
    const body = await response.text();
    const latencyMs = performance.now() - started;
    if (response.status === 404 && parseJson(body) === undefined) {
      throw new ServerExtensionMissingError();
    }
    return {
      status: response.status,
      ok: response.ok,
      contentType: response.headers.get('Content-Type') ?? '',
      body,
      latencyMs,
      variant: response.headers.get(INVOKED_VARIANT_HEADER)
    };
  }

  // -- model registry and lineage ------------------------------------------------------

  /**
   * `GET /model-package-groups`: one page of groups, each with its latest version, latest
   * approved version and the count awaiting approval.
   */
  listModelPackageGroups(query: ListModelPackageGroupsQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/model-package-groups', {
        params: { query }
      })
    );
  }

  /** `GET /model-package-groups/{group}` (DescribeModelPackageGroup with the counts). */
  getModelPackageGroup(group: string) {
    return this.data(
      this.api.GET('/labstudio/api/model-package-groups/{group}', {
        params: { path: { group } }
      })
    );
  }

  /** `GET /model-package-groups/{group}/activity`: every version's changes, newest first. */
  getModelPackageGroupActivity(group: string) {
    return this.data(
      this.api.GET('/labstudio/api/model-package-groups/{group}/activity', {
        params: { path: { group } }
      })
    );
  }

  /** `GET /model-packages`: one page of model package versions, newest first. */
  listModelPackages(query: ListModelPackagesQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/model-packages', { params: { query } })
    );
  }

  /**
   * `GET /model-packages?group=`, every page: a group's versions, newest first, each with
   * the numbers of its model-quality statistics (`MetricValues`).
   */
  async listGroupVersions(group: string) {
    let token: string | undefined;
    let page;
    const versions = [];
    do {
      page = await this.listModelPackages({
        group,
        sort_by: 'CreationTime',
        sort_order: 'Descending',
        next_token: token
      });
      versions.push(...page.ModelPackageSummaryList);
      token = page.NextToken ?? undefined;
    } while (token);
    return { ...page, ModelPackageSummaryList: versions, NextToken: null };
  }

  /** `GET /model-packages/{group}/{version}` (DescribeModelPackage). */
  getModelPackage(group: string, version: number) {
    return this.data(
      this.api.GET(
        '/labstudio/api/model-packages/{group}/{version}',
        packageOf(group, version)
      )
    );
  }

  /** `POST /model-packages/{group}/{version}/approve`, the comment kept as ApprovalDescription. */
  approveModelPackage(group: string, version: number, comment?: string) {
    return this.data(
      this.api.POST('/labstudio/api/model-packages/{group}/{version}/approve', {
        ...packageOf(group, version),
        body: { ApprovalDescription: comment || null }
      })
    );
  }

  /** `POST /model-packages/{group}/{version}/reject`, the comment kept as ApprovalDescription. */
  rejectModelPackage(group: string, version: number, comment?: string) {
    return this.data(
      this.api.POST('/labstudio/api/model-packages/{group}/{version}/reject', {
        ...packageOf(group, version),
        body: { ApprovalDescription: comment || null }
      })
    );
  }

  /** `GET /model-packages/{group}/{version}/metrics`: the ModelMetrics documents, read. */
  getModelPackageMetrics(group: string, version: number) {
    return this.data(
      this.api.GET(
        '/labstudio/api/model-packages/{group}/{version}/metrics',
        packageOf(group, version)
      )
    );
  }

  /**
   * `GET /lineage?start=&direction=`: the trail around a job, endpoint, model package
   * (`GROUP/VERSION` or ARN) or data set, as nodes (each naming what it opens) and edges.
   */
  getLineage(start: string, direction: LineageDirection = 'both') {
    return this.data(
      this.api.GET('/labstudio/api/lineage', {
        params: { query: { start, direction } }
      })
    );
  }

  // -- model monitor --------------------------------------------------------------------

  /** `GET /monitoring-schedules?endpoint_name=`: an endpoint's monitoring schedules, newest first. */
  listMonitoringSchedules(endpointName: string) {
    return this.data(
      this.api.GET('/labstudio/api/monitoring-schedules', {
        params: { query: { endpoint_name: endpointName } }
      })
    );
  }

  /** `GET /monitoring-executions?endpoint_name=`: the runs of an endpoint's schedules, newest first. */
  listMonitoringExecutions(endpointName: string, maxResults = 50) {
    return this.data(
      this.api.GET('/labstudio/api/monitoring-executions', {
        params: {
          query: { endpoint_name: endpointName, max_results: maxResults }
        }
      })
    );
  }

  /** `GET /monitoring-executions/{job}`: one run with its statistics, violations and baseline. */
  getMonitoringExecution(job: string) {
    return this.data(
      this.api.GET('/labstudio/api/monitoring-executions/{job}', {
        params: { path: { job } }
      })
    );
  }

  // -- pipelines ------------------------------------------------------------------------

  /** `GET /pipelines`: one page of pipelines, newest first, each with its last execution. */
  listPipelines(query: ListPipelinesQuery = {}) {
    return this.data(
      this.api.GET('/labstudio/api/pipelines', { params: { query } })
    );
  }

  /** `GET /pipelines/{name}`: DescribePipeline with its parameters and DAG. */
  getPipeline(name: string) {
    return this.data(
      this.api.GET('/labstudio/api/pipelines/{name}', named(name))
    );
  }

  /** `GET /pipelines/{name}/executions`: one page of executions, newest first. */
  listPipelineExecutions(name: string, maxResults = 100) {
    return this.data(
      this.api.GET('/labstudio/api/pipelines/{name}/executions', {
        params: { path: { name }, query: { max_results: maxResults } }
      })
    );
  }

  /** `POST /pipelines/{name}/executions`: start an execution (parameters checked first). */
  startPipelineExecution(name: string, body: ICreateExecutionBody) {
    return this.data(
      this.api.POST('/labstudio/api/pipelines/{name}/executions', {
        ...named(name),
        body
      })
    );
  }

  /** `GET /pipeline-executions/{execution}`: status, failure reason, parameters, DAG. */
  getPipelineExecution(execution: string) {
    return this.data(
      this.api.GET('/labstudio/api/pipeline-executions/{execution}', {
        params: { path: { execution } }
      })
    );
  }

  /** `GET /pipeline-executions/{execution}/steps`, every page, in the order they started. */
  async listPipelineExecutionSteps(execution: string) {
    let token: string | undefined;
    let page;
    const steps = [];
    do {
      page = await this.data(
        this.api.GET('/labstudio/api/pipeline-executions/{execution}/steps', {
          params: {
            path: { execution },
            query: { sort_order: 'Ascending', next_token: token }
          }
        })
      );
      steps.push(...page.PipelineExecutionSteps);
      token = page.NextToken ?? undefined;
    } while (token);
    return { ...page, PipelineExecutionSteps: steps, NextToken: null };
  }

  /** `POST /pipeline-executions/{execution}/stop`: its running steps' jobs are stopped. */
  stopPipelineExecution(execution: string) {
    return this.data(
      this.api.POST('/labstudio/api/pipeline-executions/{execution}/stop', {
        params: { path: { execution } }
      })
    );
  }

  /**
   * Whether the server's OpenAPI document has a path (e.g. `/jobs/{name}/artifacts/{kind}`):
   * newer routes are used only where the server has them. Cached per client.
   */
  async hasRoute(path: string): Promise<boolean> {
    this._routes =
      this._routes ??
      this.data(this.api.GET('/labstudio/api/openapi.json')).then(
        doc => {
          const listed: unknown = 'paths' in doc ? doc.paths : undefined;
          return new Set(
            listed && typeof listed === 'object' ? Object.keys(listed) : []
          );
        },
        () => new Set<string>()
      );
    const routes = await this._routes;
    return routes.has(path) || routes.has(`/${API_PATH}${path}`);
  }

  /**
   * The download URL of a job's artifact (`model`, `output` or `log`) on the route
   * `GET /jobs/{name}/artifacts/{kind}` (see `hasRoute`), with the token for a plain link.
   */
  artifactUrl(job: string, kind: 'model' | 'output' | 'log'): string {
    const url = this.url(['jobs', job, 'artifacts', kind]);
    const { token } = this.serverSettings;
    return token ? `${url}?token=${encodeURIComponent(token)}` : url;
  }

  // -- files and the socket ------------------------------------------------------------

  /** The URL that downloads a file under the Jupyter root (`/files/...`). */
  fileUrl(path: string): string {
    return URLExt.join(
      this.serverSettings.baseUrl,
      'files',
      URLExt.encodeParts(path)
    );
  }

  /** The URL of the events WebSocket, with the token when the server needs one. */
  eventsUrl(): string {
    const { wsUrl, token } = this.serverSettings;
    const url = URLExt.join(wsUrl, API_PATH, 'events');
    return token ? `${url}?token=${encodeURIComponent(token)}` : url;
  }

  /** The URL of an API path (segments are URL-encoded). */
  url(segments: string[]): string {
    return URLExt.join(
      this.serverSettings.baseUrl,
      API_PATH,
      ...segments.map(encodeURIComponent)
    );
  }

  /**
   * The data of an answer, or a `LabstudioApiError` for anything else: a non-2xx status
   * (the server's `{message, field}`), or a 2xx whose body is not JSON.
   */
  async data<T>(call: Promise<IFetched<T>>): Promise<T> {
    let answer: IFetched<T>;
    try {
      answer = await call;
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new LabstudioApiError(
          `The labstudio API answered with a body that is not JSON (${error.message}).`,
          200
        );
      }
      throw error;
    }
    const { data, error, response } = answer;
    if (!response.ok) {
      throw toApiError(response, error);
    }
    return data as T;
  }

  /** openapi-fetch's transport: the request, sent the JupyterLab way. */
  private async _send(request: Request): Promise<Response> {
    const method = request.method.toUpperCase();
    const body =
      method === 'GET' || method === 'HEAD' ? undefined : await request.text();
    return this._makeRequest(request.url, {
      method,
      headers: request.headers,
      body: body || undefined
    });
  }

  private async _makeRequest(url: string, init: RequestInit) {
    try {
      return await ServerConnection.makeRequest(url, init, this.serverSettings);
    } catch (error) {
      throw new LabstudioApiError(
        `Cannot reach the Jupyter server: ${(error as Error).message}`,
        0
      );
    }
  }

  private _routes: Promise<Set<string>> | null = null;
}

/** The path parameters of a route whose one parameter is the resource's `name`. */
function named(name: string) {
  return { params: { path: { name } } };
}

/** The path parameters of one version of a model package group. */
function packageOf(group: string, version: number) {
  return { params: { path: { group, version } } };
}

/**
 * The query string: each parameter once, or once per item of a list (`kind=a&kind=b`);
 * unset and empty values are left out (an empty filter is no filter).
 */
function serializeQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== '') {
        params.append(key, String(item));
      }
    }
  }
  return params.toString();
}

/** Path parameters URL-encoded part by part, so a metric name's `/` stays a `/`. */
function slashesKept(
  pathname: string,
  params: Record<string, unknown>
): string {
  return pathname.replace(/\{([^{}]+)\}/g, (_, key: string) =>
    String(params[key]).split('/').map(encodeURIComponent).join('/')
  );
}

function parseJson(text: string): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Map a non-2xx answer to a typed error. A 404 that is not a labstudio JSON error (the
 * Jupyter server's own HTML "page not found") means the API route does not exist.
 */
function toApiError(response: Response, body: unknown): LabstudioApiError {
  const fields: { message?: unknown; field?: unknown; errors?: unknown } =
    body !== null && typeof body === 'object' ? body : {};
  const message = typeof fields.message === 'string' ? fields.message : null;
  if (response.status === 404 && message === null) {
    return new ServerExtensionMissingError();
  }
  const field = typeof fields.field === 'string' ? fields.field : null;
  const problems: IApiProblem[] = [];
  if (Array.isArray(fields.errors)) {
    for (const item of fields.errors as unknown[]) {
      const one: { message?: unknown; field?: unknown } =
        item !== null && typeof item === 'object' ? item : {};
      if (typeof one.message === 'string') {
        problems.push({
          message: one.message,
          field: typeof one.field === 'string' ? one.field : null
        });
      }
    }
  }
  return new LabstudioApiError(
    message ?? `${response.status} ${response.statusText}`.trim(),
    response.status,
    field,
    problems
  );
}
