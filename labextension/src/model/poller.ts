/**
 * A poll that runs only while someone looks: `setVisible(true)` runs the task
 * at once and then every `intervalMs` after each run ends (never two at once);
 * `setVisible(false)` stops it. Errors are handed to `onError` and polling
 * goes on, so a server restart heals by itself.
 */
export class VisiblePoller {
  constructor(
    private readonly task: () => Promise<void>,
    readonly intervalMs = 3000,
    private readonly onError: (error: unknown) => void = () => undefined
  ) {}

  get visible(): boolean {
    return this._visible;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Start (at once) or stop polling. */
  setVisible(visible: boolean): void {
    if (this._disposed || visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this.refresh();
    } else {
      this._clear();
    }
  }

  /** Run the task now (e.g. after an action); the next tick waits a full interval. */
  async refresh(): Promise<void> {
    if (this._disposed) {
      return;
    }
    this._clear();
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._running = this._run();
    try {
      await this._running;
    } finally {
      this._running = null;
    }
    if (this._again) {
      this._again = false;
      return this.refresh();
    }
    this._schedule();
  }

  dispose(): void {
    this._disposed = true;
    this._visible = false;
    this._clear();
  }

  private async _run(): Promise<void> {
    try {
      await this.task();
    } catch (error) {
      this.onError(error);
    }
  }

  private _schedule(): void {
    this._clear();
    if (this._visible && !this._disposed) {
      this._timer = setTimeout(() => {
        this._timer = null;
        void this.refresh();
      }, this.intervalMs);
    }
  }

  private _clear(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _visible = false;
  private _disposed = false;
  private _again = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _running: Promise<void> | null = null;
}
