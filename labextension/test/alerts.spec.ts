/** The pure helpers behind the alert badge and the run view's alert lines (the DOM they build
 * is checked in a real browser by tests/e2e/test_sidebar_alerts.py). */
import { alertClass, alertText, clockTime } from '../src/util/format';

describe('alert helpers', () => {
  it('levels map to a CSS modifier; unknown ones read as info', () => {
    expect(alertClass('WARN')).toBe('jp-PyTracker-alert-warn');
    expect(alertClass('error')).toBe('jp-PyTracker-alert-error');
    expect(alertClass('INFO')).toBe('jp-PyTracker-alert-info');
    expect(alertClass('LOUD')).toBe('jp-PyTracker-alert-info');
    expect(alertClass(undefined)).toBe('jp-PyTracker-alert-info');
  });

  it('an alert reads "LEVEL title: text", its time hh:mm:ss local', () => {
    expect(alertText({ level: 'WARN', title: '<b>x</b>', text: 'nan' })).toBe('WARN <b>x</b>: nan');
    const epoch = new Date(2026, 0, 2, 3, 4, 5).getTime() / 1000;
    expect(clockTime(epoch)).toBe('03:04:05');
    expect(clockTime(epoch + 3600 * 10 + 0.9)).toBe('13:04:05');
  });
});
