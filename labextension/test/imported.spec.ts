/** The line that marks an imported run (the DOM it builds is checked in a real browser by
 * tests/e2e/test_sidebar_imported.py). */
import { importedText } from '../src/util/format';

describe('importedText', () => {
  it('names the source and the path there; nothing for a run recorded here', () => {
    expect(importedText({ source: 'wandb', id: 'offline-run-1', path: '/w/offline-run-1' })).toBe(
      'imported from wandb: /w/offline-run-1'
    );
    expect(importedText({ source: 'mlflow', id: 'abc', path: null })).toBe('imported from mlflow: abc');
    expect(importedText(null)).toBe('');
    expect(importedText(undefined)).toBe('');
    expect(importedText({ source: '' })).toBe('');
  });

  it('says how many parts of the source could not be read (count from the list, lines from the detail)', () => {
    expect(importedText({ source: 'tensorboard', path: '/l/a', problem_count: 1 })).toBe(
      'imported from tensorboard: /l/a (1 part unreadable)'
    );
    expect(importedText({ source: 'wandb', path: '/p', problems: ['torn record', 'bad crc'] })).toBe(
      'imported from wandb: /p (2 parts unreadable)'
    );
  });
});
