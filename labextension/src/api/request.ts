/**
 * The one request helper of the extension: every call to the py_tracker server
 * extension goes through `requestAPI` (or `requestRaw` for file bodies), so the
 * base URL, the token/XSRF headers and error handling live in one place.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Path of the REST API under the server's base URL. */
export const API_PATH = 'py-tracker/api/v1';

/** An error answered by the server, with its HTTP status and message. */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'APIError';
  }
}

/** Encode each segment of a relative path (keeps the `/` separators). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter(part => part.length > 0)
    .map(part => encodeURIComponent(part))
    .join('/');
}

/** Build `endPoint?query` from a plain object, skipping empty values. */
export function withQuery(
  endPoint: string,
  query: Record<string, string | number | boolean | undefined | null>
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${endPoint}?${qs}` : endPoint;
}

/** The absolute URL of an API end point. */
export function apiUrl(
  endPoint: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, API_PATH, endPoint);
}

/** Send a request and return the raw Response (throws APIError when not ok). */
export async function requestRaw(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<Response> {
  const url = apiUrl(endPoint, settings);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new APIError(
      `py_tracker server extension unreachable: ${String(error)}`,
      0
    );
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text || response.statusText;
    try {
      const data = JSON.parse(text);
      if (data && typeof data.message === 'string') {
        message = data.message;
      }
    } catch {
      // not JSON: keep the raw text
    }
    throw new APIError(`${response.status}: ${message}`, response.status);
  }
  return response;
}

/** Call a JSON end point of the py_tracker server extension. */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const response = await requestRaw(endPoint, init, settings);
  if (response.status === 204) {
    return undefined as unknown as T;
  }
  const text = await response.text();
  if (!text) {
    return undefined as unknown as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new APIError(
      `invalid JSON from ${endPoint}: ${text.slice(0, 80)}`,
      response.status
    );
  }
}
