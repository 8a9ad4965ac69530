/**
 * The Files tab of a run view: the run's files, and a preview of one that
 * never renders its content as HTML (text in <pre>, images as <img> from a
 * blob, anything else as a download link).
 */
import type { IFileEntry, TrackerClient } from '../api/client';
import { el } from '../util/dom';

/** The run's files as a table; a click previews one (text as text, images as images). */
export function renderFiles(
  body: HTMLElement,
  client: TrackerClient,
  id: string,
  files: IFileEntry[]
): void {
  const list = el('table', { className: 'jp-PyTracker-kv jp-PyTracker-files' });
  const box = el('div', { className: 'jp-PyTracker-preview' });
  for (const file of files) {
    list.appendChild(
      el('tr', {}, [
        el('td', {}, [
          el('a', {
            className: 'jp-PyTracker-link',
            text: file.name,
            onClick: () => void preview(client, id, file, box)
          })
        ]),
        el('td', { text: `${file.size} B` })
      ])
    );
  }
  if (files.length === 0) {
    list.appendChild(el('tr', {}, [el('td', { text: 'No files.' })]));
  }
  // list and preview side by side when the body is wide enough (style: .jp-PyTracker-filesPane)
  body.append(el('div', { className: 'jp-PyTracker-filesPane' }, [list, box]));
}

async function preview(client: TrackerClient, id: string, file: IFileEntry, box: HTMLElement): Promise<void> {
  box.textContent = '';
  try {
    const response = await client.file(id, file.name);
    const type = response.headers.get('Content-Type') ?? '';
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const download = el('a', { className: 'jp-PyTracker-link', text: `Download ${file.name}` });
    download.href = url;
    download.download = file.name.split('/').pop() ?? file.name;
    box.appendChild(download);
    if (type.startsWith('image/') && !type.includes('svg')) {
      const img = el('img', { className: 'jp-PyTracker-image' });
      img.src = url;
      box.appendChild(img);
    } else if (type.startsWith('text/') || type.includes('json') || type.includes('yaml')) {
      box.appendChild(el('pre', { className: 'jp-PyTracker-log', text: await blob.text() }));
    } else {
      box.appendChild(el('div', { text: `Binary file (${type || 'unknown type'}), ${blob.size} bytes.` }));
    }
  } catch (error) {
    box.appendChild(el('div', { className: 'jp-PyTracker-error', text: String(error) }));
  }
}
