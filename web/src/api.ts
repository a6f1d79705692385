// Talks to Vigil's Prometheus-compatible HTTP API. Every request goes to the server that served the page.

/** The server answered with Prometheus's error envelope, or could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** The endpoint does not exist in this build of the server (HTTP 404). */
export class NotAvailableError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not available in this build of Vigil`);
  }
}

export interface ApiResult<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

type Params = Record<string, string | string[] | undefined>;

function encode(params: Params): URLSearchParams {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  }
  return form;
}

async function send<T>(path: string, init: RequestInit): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `cannot reach the Vigil server: ${(e as Error).message}`);
  }
  if (response.status === 404) throw new NotAvailableError(path.split('?')[0]);
  const text = await response.text();
  let body: { status?: string; data?: T; error?: string; errorType?: string; warnings?: string[]; infos?: string[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'bad_response', `${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok || body.status !== 'success') {
    throw new ApiError(response.status, body.errorType ?? 'error', body.error ?? `HTTP ${response.status}`);
  }
  return { data: body.data as T, warnings: body.warnings ?? [], infos: body.infos ?? [] };
}

/** GET with query parameters. */
export function apiGet<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<ApiResult<T>> {
  const qs = encode(params).toString();
  return send<T>(qs ? `${path}?${qs}` : path, { method: 'GET', signal });
}

/** POST with a form body, as Prometheus's UI sends queries (no URL length limit). */
export function apiPost<T>(path: string, params: Params, signal?: AbortSignal): Promise<ApiResult<T>> {
  return send<T>(path, {
    method: 'POST',
    body: encode(params),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    signal,
  });
}

/** Fetches plain text (the /metrics exposition); 404 becomes NotAvailableError. */
export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `cannot reach the Vigil server: ${(e as Error).message}`);
  }
  if (response.status === 404) throw new NotAvailableError(path);
  if (!response.ok) throw new ApiError(response.status, 'error', `${path}: HTTP ${response.status}`);
  return response.text();
}

// Prometheus query result shapes.
export type Metric = Record<string, string>;
export type SamplePair = [number, string];
export interface VectorSample { metric: Metric; value: SamplePair }
export interface MatrixSeries { metric: Metric; values: SamplePair[] }
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: SamplePair }
  | { resultType: 'string'; result: SamplePair };

/** Instant query at `time` (unix seconds), or now. */
export function query(expr: string, time?: number, signal?: AbortSignal): Promise<ApiResult<QueryData>> {
  return apiPost<QueryData>('/api/v1/query', { query: expr, time: time === undefined ? undefined : String(time) }, signal);
}

/** Range query over [start, end] (unix seconds) every `step` seconds; `extra` adds parameters such as lookback_delta. */
export function queryRange(expr: string, start: number, end: number, step: number, signal?: AbortSignal, extra: Params = {}): Promise<ApiResult<QueryData>> {
  return apiPost<QueryData>('/api/v1/query_range', { ...extra, query: expr, start: String(start), end: String(end), step: String(step) }, signal);
}

/** A vector query reduced to one number per series, keyed by the value of `key`. */
export async function vectorBy(expr: string, key: string, signal?: AbortSignal): Promise<Map<string, number>> {
  const r = await query(expr, undefined, signal);
  const out = new Map<string, number>();
  if (r.data.resultType === 'vector') {
    for (const s of r.data.result) out.set(s.metric[key] ?? '', parseFloat(s.value[1]));
  }
  return out;
}
