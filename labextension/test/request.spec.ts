import { ServerConnection } from '@jupyterlab/services';

import { TrackerClient } from '../src/api/client';
import { APIError, encodePath, requestAPI, withQuery } from '../src/api/request';

/** Settings whose fetch answers from `route` and records every request. */
export function fakeServer(route: (url: URL, req: Request) => [number, unknown]) {
  const seen: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    token: 'secret-token',
    init: { cache: 'default' },
    fetch: async (input: RequestInfo | URL) => {
      const req = input as Request;
      seen.push(req);
      const [status, body] = route(new URL(req.url), req);
      const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
      return new Response(status === 204 ? null : text, { status });
    }
  });
  return { settings, seen };
}

describe('withQuery / encodePath', () => {
  it('skips empty values and encodes the rest', () => {
    expect(withQuery('runs', { project: 'a b', state: '', tag: undefined, offset: 0 })).toBe(
      'runs?project=a+b&offset=0'
    );
    expect(withQuery('runs', {})).toBe('runs');
  });

  it('encodes each path segment so ../ cannot be smuggled as one', () => {
    expect(encodePath('media/img 1.png')).toBe('media/img%201.png');
    expect(encodePath('a/%2e%2e/b')).toBe('a/%252e%252e/b');
  });
});

describe('requestAPI', () => {
  it('calls <base>/py-tracker/api/v1/<endpoint> with the token and parses JSON', async () => {
    const { settings, seen } = fakeServer(() => [200, { projects: [] }]);
    const data = await requestAPI<{ projects: unknown[] }>('projects', {}, settings);
    expect(data).toEqual({ projects: [] });
    const url = new URL(seen[0].url);
    expect(url.pathname).toBe('/lab-base/py-tracker/api/v1/projects');
    expect(seen[0].headers.get('Authorization')).toBe('token secret-token');
  });

  it('turns an error answer into an APIError with the server message', async () => {
    const { settings } = fakeServer(() => [404, { message: "no run 'x'" }]);
    await expect(requestAPI('runs/x', {}, settings)).rejects.toEqual(
      expect.objectContaining({ status: 404, message: "404: no run 'x'" })
    );
    await expect(requestAPI('runs/x', {}, settings)).rejects.toBeInstanceOf(APIError);
  });

  it('returns undefined for 204', async () => {
    const { settings } = fakeServer(() => [204, undefined]);
    await expect(requestAPI('runs/a', { method: 'DELETE' }, settings)).resolves.toBeUndefined();
  });
});

describe('TrackerClient', () => {
  it('builds the runs and history queries and sends writes as JSON', async () => {
    const { settings, seen } = fakeServer(() => [200, {}]);
    const client = new TrackerClient(settings);
    await client.runs({ project: 'p', search: 'lr', offset: 50, limit: 50, order: 'asc' });
    await client.history('ab12', { keys: ['loss', 'acc'], points: 2000, min_step: 10 }, 'history');
    await client.updateRun('ab12', { name: '<b>x</b>' });
    await client.stopRun('ab12');
    const urls = seen.map(r => new URL(r.url));
    expect(urls[0].pathname).toMatch(/\/py-tracker\/api\/v1\/runs$/);
    expect(Object.fromEntries(urls[0].searchParams)).toMatchObject({
      project: 'p',
      search: 'lr',
      offset: '50',
      limit: '50',
      order: 'asc'
    });
    expect(urls[1].pathname).toMatch(/runs\/ab12\/history$/);
    expect(urls[1].searchParams.get('keys')).toBe('loss,acc');
    expect(urls[1].searchParams.get('min_step')).toBe('10');
    expect(seen[2].method).toBe('PATCH');
    expect(await seen[2].text()).toBe('{"name":"<b>x</b>"}');
    expect(seen[3].method).toBe('POST');
    expect(urls[3].pathname).toMatch(/runs\/ab12\/stop$/);
  });
});
