// Label Studio's REST API as pomona uses it (shared/reference/label-studio.md), through axios with a
// timeout on every call. Retries belong to the activities' Temporal retry policies. The token comes only
// from the worker's environment, and errors are rewritten to method, path, status and Label Studio's own
// words: axios's own errors carry the request's headers, token included.
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { LabelStudioPrediction, LabelStudioRegion } from '../../core/formats/label-studio';

/** The worker's environment variable holding the API token (`pomona label-studio start` prints it). */
export const LABEL_STUDIO_TOKEN_ENV = 'LABEL_STUDIO_API_KEY';
const REQUEST_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 100;

export interface LabelStudioProject {
  id: number;
  title: string;
  sampling?: string;
  model_version?: string;
}

export interface LabelStudioAnnotation {
  id: number;
  result: LabelStudioRegion[];
  was_cancelled: boolean;
}

/** The task data pomona writes: the image's URL for Label Studio, and pomona's own keys. */
export interface PomonaTaskData {
  image: string;
  pomona_image: string;
  pomona_round: number;
}

export interface LabelStudioTask {
  id: number;
  data: PomonaTaskData;
  annotations: LabelStudioAnnotation[];
  predictions: (LabelStudioPrediction & { id: number })[];
}

export interface LabelStudioWebhook {
  id: number;
  project: number | null;
  url: string;
  actions: string[];
}

/** A Label Studio answer or silence, told without the request's headers. */
export class LabelStudioError extends Error {
  /**
   * Whether an operator must act (no token, a wrong one, no such project, a bad request); otherwise an
   * outage to wait out (no answer, 5xx, 429).
   */
  readonly refused: boolean;

  constructor(
    message: string,
    /** HTTP status; absent when Label Studio did not answer at all. */
    readonly status?: number,
    refused?: boolean,
  ) {
    super(message);
    this.name = 'LabelStudioError';
    this.refused = refused ?? (status !== undefined && status < 500 && status !== 429);
  }
}

export class LabelStudioClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly url: string,
    token: string,
  ) {
    this.http = axios.create({
      baseURL: url.replace(/\/+$/, ''),
      timeout: REQUEST_TIMEOUT_MS,
      headers: { Authorization: `Token ${token}` },
    });
    this.http.interceptors.response.use(undefined, (err: AxiosError) => Promise.reject(describeError(err, this.url)));
  }

  /** A client with the token from the worker's environment; a clear error when it is not set. */
  static fromEnvironment(url: string, env: NodeJS.ProcessEnv = process.env): LabelStudioClient {
    const token = env[LABEL_STUDIO_TOKEN_ENV];
    if (!token)
      throw new LabelStudioError(
        `${LABEL_STUDIO_TOKEN_ENV} is not set in this worker's environment: set it to the Label Studio API token (npx pomona label-studio start prints how), then restart the worker`,
        undefined,
        true,
      );
    return new LabelStudioClient(url, token);
  }

  async projectsTitled(title: string): Promise<LabelStudioProject[]> {
    const page = await this.http.get<{ results: LabelStudioProject[] }>('/api/projects/', {
      params: { title, page_size: PAGE_SIZE },
    });
    // The filter matches substrings in some versions: keep exact titles only.
    return page.data.results.filter((p) => p.title === title);
  }

  async project(id: number): Promise<LabelStudioProject> {
    return (await this.http.get<LabelStudioProject>(`/api/projects/${id}/`)).data;
  }

  async createProject(title: string, labelConfig: string, description: string): Promise<LabelStudioProject> {
    return (
      await this.http.post<LabelStudioProject>('/api/projects/', { title, label_config: labelConfig, description })
    ).data;
  }

  async updateProject(id: number, fields: Record<string, unknown>): Promise<LabelStudioProject> {
    return (await this.http.patch<LabelStudioProject>(`/api/projects/${id}/`, fields)).data;
  }

  async localStorages(project: number): Promise<{ id: number; path: string }[]> {
    return (await this.http.get<{ id: number; path: string }[]>('/api/storages/localfiles/', { params: { project } }))
      .data;
  }

  async addLocalStorage(project: number, folder: string, title: string): Promise<void> {
    await this.http.post('/api/storages/localfiles/', { project, path: folder, title, use_blob_urls: true });
  }

  /** Every task of the project with its annotations and predictions, page by page. */
  async tasks(project: number): Promise<LabelStudioTask[]> {
    const tasks: LabelStudioTask[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.http.get<{ tasks: LabelStudioTask[]; total: number }>('/api/tasks/', {
        params: { project, fields: 'all', page, page_size: PAGE_SIZE },
      });
      tasks.push(...answer.data.tasks);
      if (answer.data.tasks.length < PAGE_SIZE || tasks.length >= answer.data.total) return tasks;
    }
  }

  async importTasks(project: number, tasks: { data: PomonaTaskData }[]): Promise<number[]> {
    const answer = await this.http.post<{ task_ids?: number[] }>(`/api/projects/${project}/import`, tasks, {
      params: { return_task_ids: true },
    });
    return answer.data.task_ids ?? [];
  }

  /** Predictions go one by one: a task import keeps their `score` but drops their `cluster` (1.23.2). */
  async addPrediction(task: number, prediction: LabelStudioPrediction): Promise<void> {
    await this.http.post('/api/predictions/', { task, ...prediction });
  }

  async addAnnotation(task: number, result: LabelStudioRegion[], options: { cancelled?: boolean } = {}): Promise<void> {
    await this.http.post(`/api/tasks/${task}/annotations/`, {
      result,
      lead_time: 1,
      ...(options.cancelled ? { was_cancelled: true } : {}),
    });
  }

  async webhooks(project: number): Promise<LabelStudioWebhook[]> {
    return (await this.http.get<LabelStudioWebhook[]>('/api/webhooks/', { params: { project } })).data;
  }

  async addWebhook(project: number, url: string, actions: string[], headers: Record<string, string>): Promise<void> {
    await this.http.post('/api/webhooks/', {
      project,
      url,
      actions,
      headers,
      send_payload: true,
      send_for_all_actions: false,
      is_active: true,
    });
  }
}

function describeError(err: AxiosError, url: string): LabelStudioError {
  const request = `${(err.config?.method ?? 'get').toUpperCase()} ${err.config?.url ?? ''}`;
  if (!err.response) return new LabelStudioError(`Label Studio at ${url} did not answer ${request}: ${err.message}`);
  const body = err.response.data;
  const detail = typeof body === 'string' ? body : JSON.stringify(body);
  return new LabelStudioError(
    `Label Studio answered ${request} with ${err.response.status}: ${detail.slice(0, 300)}`,
    err.response.status,
  );
}
