/**
 * The one typed client of the labstudio REST API and its WebSocket URL.
 *
 * Every request goes through `ServerConnection.makeRequest`, so the token, the XSRF
 * cookie and the base URL of the Jupyter server are handled the JupyterLab way.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  ICompareRequest,
  ICompareResult,
  ICreateEndpointRequest,
  IEndpointDescription,
  IEndpointListResponse,
  IEndpointLogs,
  IExperiment,
  IInvokeRequest,
  IInvokeResult,
  IListRunsOptions,
  IMetricHistory,
  IRunDetail,
  IRunPage,
  IVariantRequest,
  ICreateTrainingJobRequest,
  IJobMetrics,
  IJobMetricsPage,
  IListTrainingJobsOptions,
  IListTrainingJobsResponse,
  IListBackendsResponse,
  ILogChunk,
  ITrainingJobDescription,
  ICreateTuningJobRequest,
  IListTuningJobsResponse,
  IListTuningTrialsResponse,
  ITuningJobDescription,
  TuningJobStatus,
  ICreateTransformJobRequest,
  IListKindJobsOptions,
  IListProcessingJobsResponse,
  IListTransformJobsResponse,
  IProcessingJobDescription,
  ITransformJobDescription,
  toNumber
} from './types';

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
 * A labstudio API call that did not succeed: a non-2xx answer (`status` is the HTTP
 * status, `message` and `field` come from the JSON body) or no answer at all (`status` 0).
 */
export class LabstudioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null
  ) {
    super(message);
    this.name = 'LabstudioApiError';
  }

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

export interface ILabstudioClientOptions {
  /** Defaults to `ServerConnection.makeSettings()`. */
  serverSettings?: ServerConnection.ISettings;
}

type Query = Record<
  string,
  string | number | boolean | string[] | null | undefined
>;

/** Typed access to `/labstudio/api`. */
export class LabstudioClient {
  constructor(options: ILabstudioClientOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  /** `GET /jobs`: one page of training jobs, newest first. */
  listJobs(
    options: IListTrainingJobsOptions = {}
  ): Promise<IListTrainingJobsResponse> {
    return this.request<IListTrainingJobsResponse>('GET', ['jobs'], {
      query: {
        limit: options.limit,
        next_token: options.nextToken,
        status: options.status,
        name_contains: options.nameContains
      }
    });
  }

  /** `POST /jobs`: launch a training job. */
  createJob(
    request: ICreateTrainingJobRequest
  ): Promise<ITrainingJobDescription> {
    return this.request<ITrainingJobDescription>('POST', ['jobs'], {
      body: request
    });
  }

  /** `GET /jobs/{name}`. */
  getJob(name: string): Promise<ITrainingJobDescription> {
    return this.request<ITrainingJobDescription>('GET', ['jobs', name]);
  }

  /** `POST /jobs/{name}/stop`. */
  stopJob(name: string): Promise<ITrainingJobDescription> {
    return this.request<ITrainingJobDescription>('POST', [
      'jobs',
      name,
      'stop'
    ]);
  }

  /**
   * `GET /jobs/{name}/logs?offset=N[&host=algo-k]`: the log text from byte `offset` on;
   * with `host`, only that host's lines of a multi-host job (offsets stay the whole log's).
   */
  getLogs(name: string, offset = 0, host?: string | null): Promise<ILogChunk> {
    return this.request<ILogChunk>('GET', ['jobs', name, 'logs'], {
      query: { offset, host }
    });
  }

  /** `GET /backends`: where jobs and endpoints can run, and why a backend cannot. */
  getBackends(): Promise<IListBackendsResponse> {
    return this.request<IListBackendsResponse>('GET', ['backends']);
  }

  /**
   * `GET /jobs/{name}/metrics`, every page: the server answers at most a page of points
   * (a metric may continue on the next page), so follow `NextToken` and join the series.
   */
  async getMetrics(name: string): Promise<IJobMetrics> {
    const series = new Map<string, IJobMetrics['metrics'][number]>();
    let token: string | undefined;
    do {
      const page = await this.request<IJobMetricsPage>(
        'GET',
        ['jobs', name, 'metrics'],
        { query: { next_token: token } }
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

  // -- hyperparameter tuning jobs ----------------------------------------------------

  /** `GET /tuning-jobs`: one page of tuning jobs, newest first. */
  listTuningJobs(
    options: {
      status?: TuningJobStatus;
      nameContains?: string;
      maxResults?: number;
      nextToken?: string | null;
    } = {}
  ): Promise<IListTuningJobsResponse> {
    return this.request<IListTuningJobsResponse>('GET', ['tuning-jobs'], {
      query: {
        status: options.status,
        name_contains: options.nameContains,
        max_results: options.maxResults,
        next_token: options.nextToken
      }
    });
  }

  /** `POST /tuning-jobs`: start a tuning job (validated before anything runs). */
  createTuningJob(
    request: ICreateTuningJobRequest
  ): Promise<ITuningJobDescription> {
    return this.request<ITuningJobDescription>('POST', ['tuning-jobs'], {
      body: request
    });
  }

  /** `GET /tuning-jobs/{name}` (SageMaker's DescribeHyperParameterTuningJob). */
  getTuningJob(name: string): Promise<ITuningJobDescription> {
    return this.request<ITuningJobDescription>('GET', ['tuning-jobs', name]);
  }

  /**
   * `GET /tuning-jobs/{name}/training-jobs`, every page: the trials of a tuning job
   * (a sweep is at most a few hundred trials, and the view shows them all).
   */
  async listTuningTrials(name: string): Promise<IListTuningTrialsResponse> {
    const trials: IListTuningTrialsResponse['TrainingJobSummaries'] = [];
    let token: string | undefined;
    do {
      const page = await this.request<IListTuningTrialsResponse>(
        'GET',
        ['tuning-jobs', name, 'training-jobs'],
        {
          query: {
            sort_by: 'CreationTime',
            sort_order: 'Ascending',
            next_token: token
          }
        }
      );
      trials.push(...page.TrainingJobSummaries);
      token = page.NextToken ?? undefined;
    } while (token);
    return { TrainingJobSummaries: trials, NextToken: null };
  }

  /** `POST /tuning-jobs/{name}/stop`: stops every running trial. */
  stopTuningJob(name: string): Promise<ITuningJobDescription> {
    return this.request<ITuningJobDescription>('POST', [
      'tuning-jobs',
      name,
      'stop'
    ]);
  }

  // -- processing and batch transform jobs -------------------------------------------

  /** `GET /processing-jobs`: one page of processing jobs, newest first. */
  listProcessingJobs(
    options: IListKindJobsOptions = {}
  ): Promise<IListProcessingJobsResponse> {
    return this.request<IListProcessingJobsResponse>(
      'GET',
      ['processing-jobs'],
      { query: kindListQuery(options) }
    );
  }

  /** `GET /processing-jobs/{name}` (SageMaker's DescribeProcessingJob). */
  getProcessingJob(name: string): Promise<IProcessingJobDescription> {
    return this.request<IProcessingJobDescription>('GET', [
      'processing-jobs',
      name
    ]);
  }

  /** `POST /processing-jobs/{name}/stop`. */
  stopProcessingJob(name: string): Promise<IProcessingJobDescription> {
    return this.request<IProcessingJobDescription>('POST', [
      'processing-jobs',
      name,
      'stop'
    ]);
  }

  /** `GET /processing-jobs/{name}/logs?offset=N`. */
  getProcessingLogs(name: string, offset = 0): Promise<ILogChunk> {
    return this.request<ILogChunk>('GET', ['processing-jobs', name, 'logs'], {
      query: { offset }
    });
  }

  /** `GET /transform-jobs`: one page of batch transform jobs, newest first. */
  listTransformJobs(
    options: IListKindJobsOptions = {}
  ): Promise<IListTransformJobsResponse> {
    return this.request<IListTransformJobsResponse>('GET', ['transform-jobs'], {
      query: kindListQuery(options)
    });
  }

  /** `POST /transform-jobs`: score a file or folder with a model (checked first). */
  createTransformJob(
    request: ICreateTransformJobRequest
  ): Promise<ITransformJobDescription> {
    return this.request<ITransformJobDescription>('POST', ['transform-jobs'], {
      body: request
    });
  }

  /** `GET /transform-jobs/{name}`: DescribeTransformJob with the records done so far. */
  getTransformJob(name: string): Promise<ITransformJobDescription> {
    return this.request<ITransformJobDescription>('GET', [
      'transform-jobs',
      name
    ]);
  }

  /** `POST /transform-jobs/{name}/stop`. */
  stopTransformJob(name: string): Promise<ITransformJobDescription> {
    return this.request<ITransformJobDescription>('POST', [
      'transform-jobs',
      name,
      'stop'
    ]);
  }

  /** `GET /transform-jobs/{name}/logs?offset=N`. */
  getTransformLogs(name: string, offset = 0): Promise<ILogChunk> {
    return this.request<ILogChunk>('GET', ['transform-jobs', name, 'logs'], {
      query: { offset }
    });
  }

  // -- experiments and runs ---------------------------------------------------------

  /** `GET /experiments`. */
  async listExperiments(): Promise<IExperiment[]> {
    const answer = await this.request<{ experiments: IExperiment[] }>('GET', [
      'experiments'
    ]);
    return answer.experiments;
  }

  /** `GET /experiments/{name}` (with its metric and parameter names). */
  getExperiment(name: string): Promise<IExperiment> {
    return this.request<IExperiment>('GET', ['experiments', name]);
  }

  /** `GET /runs`: one page of runs matching a filter, in `orderBy` order. */
  listRuns(options: IListRunsOptions = {}): Promise<IRunPage> {
    return this.request<IRunPage>('GET', ['runs'], {
      query: {
        experiment: options.experiment,
        filter: options.filter,
        order_by: options.orderBy,
        limit: options.limit,
        next_token: options.nextToken
      }
    });
  }

  /** `GET /runs/{id}`: params, metric summaries, artifacts and the job. */
  getRun(id: string): Promise<IRunDetail> {
    return this.request<IRunDetail>('GET', ['runs', id]);
  }

  /** `GET /runs/{id}/metrics/{name}` (the name may contain `/`). */
  getRunMetric(
    id: string,
    name: string,
    maxPoints?: number
  ): Promise<IMetricHistory> {
    return this.request<IMetricHistory>(
      'GET',
      ['runs', id, 'metrics', ...name.split('/')],
      { query: { max_points: maxPoints } }
    );
  }

  /** `POST /runs/compare`: the series of several runs, downsampled by the server. */
  compareRuns(request: ICompareRequest): Promise<ICompareResult> {
    return this.request<ICompareResult>('POST', ['runs', 'compare'], {
      body: request
    });
  }

  // -- endpoints ----------------------------------------------------------------------

  /** `GET /endpoints`, newest first. */
  async listEndpoints(): Promise<IEndpointListResponse> {
    return this.request<IEndpointListResponse>('GET', ['endpoints']);
  }

  /** `GET /endpoints/{name}`, with per-variant figures. */
  getEndpoint(name: string): Promise<IEndpointDescription> {
    return this.request<IEndpointDescription>('GET', ['endpoints', name]);
  }

  /** `POST /endpoints`: deploy (answers while Creating unless `wait`). */
  createEndpoint(
    request: ICreateEndpointRequest,
    wait = false
  ): Promise<IEndpointDescription> {
    return this.request<IEndpointDescription>('POST', ['endpoints'], {
      body: request,
      query: { wait: wait ? 'true' : undefined }
    });
  }

  /** `PATCH /endpoints/{name}`: a new set of variants (or new weights). */
  updateEndpoint(
    name: string,
    variants: IVariantRequest[]
  ): Promise<IEndpointDescription> {
    return this.request<IEndpointDescription>('PATCH', ['endpoints', name], {
      body: { ProductionVariants: variants }
    });
  }

  /** `DELETE /endpoints/{name}`. */
  async deleteEndpoint(name: string): Promise<void> {
    await this.request<unknown>('DELETE', ['endpoints', name], {
      allowEmpty: true
    });
  }

  /** `GET /endpoints/{name}/logs?tail=N`. */
  getEndpointLogs(name: string, tail = 200): Promise<IEndpointLogs> {
    return this.request<IEndpointLogs>('GET', ['endpoints', name, 'logs'], {
      query: { tail }
    });
  }

  /**
   * `POST /endpoints/{name}/invocations` through the authenticated proxy. Resolves with
   * the model's answer whatever its status (a 4xx from the model is a result to show);
   * rejects only when the server cannot be reached.
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
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        { method: 'POST', body: request.body, headers },
        this.serverSettings
      );
    } catch (error) {
      throw new LabstudioApiError(
        `Cannot reach the Jupyter server: ${(error as Error).message}`,
        0
      );
    }
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

  /**
   * Whether the server's OpenAPI document has a path (e.g. `/jobs/{name}/artifacts`):
   * newer routes are used only where the server has them. Cached per client.
   */
  async hasRoute(path: string): Promise<boolean> {
    this._openApi =
      this._openApi ??
      this.request<{ paths?: Record<string, unknown> }>('GET', [
        'openapi.json'
      ]).catch(() => ({ paths: {} }));
    const doc = await this._openApi;
    const paths = doc.paths ?? {};
    return path in paths || `/${API_PATH}${path}` in paths;
  }

  private _openApi: Promise<{ paths?: Record<string, unknown> }> | null = null;

  /**
   * The download URL of a job's artifact (`model`, `output` or `log`) on the route
   * `GET /jobs/{name}/artifacts/{kind}` (see `hasRoute`), with the token for a plain link.
   */
  artifactUrl(job: string, kind: 'model' | 'output' | 'log'): string {
    const url = this.url(['jobs', job, 'artifacts', kind]);
    const { token } = this.serverSettings;
    return token ? `${url}?token=${encodeURIComponent(token)}` : url;
  }

  // -- files --------------------------------------------------------------------------

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

  /** Build the URL of an API path (segments are URL-encoded). */
  url(segments: string[], query: Query = {}): string {
    const path = URLExt.join(
      this.serverSettings.baseUrl,
      API_PATH,
      ...segments.map(encodeURIComponent)
    );
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null && item !== '') {
          params.append(key, String(item));
        }
      }
    }
    const search = params.toString();
    return search ? `${path}?${search}` : path;
  }

  private async request<T>(
    method: string,
    segments: string[],
    options: { query?: Query; body?: unknown; allowEmpty?: boolean } = {}
  ): Promise<T> {
    const init: RequestInit = { method };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const url = this.url(segments, options.query);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        init,
        this.serverSettings
      );
    } catch (error) {
      throw new LabstudioApiError(
        `Cannot reach the Jupyter server: ${(error as Error).message}`,
        0
      );
    }
    const text = await response.text();
    const data = parseJson(text);
    if (!response.ok) {
      throw toApiError(response, data);
    }
    if (data === undefined && options.allowEmpty && !text) {
      return undefined as T;
    }
    if (data === undefined) {
      throw new LabstudioApiError(
        `The labstudio API answered ${method} ${url} with a body that is not JSON.`,
        response.status
      );
    }
    return data as T;
  }
}

/** The query of the processing and transform job lists. */
function kindListQuery(options: IListKindJobsOptions): Query {
  return {
    limit: options.limit,
    next_token: options.nextToken,
    status: options.status,
    name_contains: options.nameContains
  };
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
function toApiError(response: Response, data: unknown): LabstudioApiError {
  const body =
    data !== null && typeof data === 'object'
      ? (data as { message?: unknown; field?: unknown })
      : {};
  const message = typeof body.message === 'string' ? body.message : null;
  if (response.status === 404 && message === null) {
    return new ServerExtensionMissingError();
  }
  const field = typeof body.field === 'string' ? body.field : null;
  return new LabstudioApiError(
    message ?? `${response.status} ${response.statusText}`.trim(),
    response.status,
    field
  );
}
