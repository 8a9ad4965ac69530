/**
 * A widget whose poller runs only while it is visible: shown and attached.
 * The sidebar and the run view share this life cycle.
 */
import { Widget } from '@lumino/widgets';

import type { VisiblePoller } from '../model/poller';

export abstract class PollingWidget extends Widget {
  abstract readonly poller: VisiblePoller;

  protected onAfterShow(): void {
    this.poller.setVisible(true);
  }

  protected onBeforeHide(): void {
    this.poller.setVisible(false);
  }

  protected onAfterAttach(): void {
    this.poller.setVisible(this.isVisible);
  }

  protected onBeforeDetach(): void {
    this.poller.setVisible(false);
  }
}
