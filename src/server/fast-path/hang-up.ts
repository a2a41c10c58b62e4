import type { ServerResponse } from 'node:http';

/**
 * The caller hanging up, as the AbortSignal the pipeline passes to a tool (as the SDK's request
 * signal does on the other route). The AbortController is made only when the tool reads its
 * signal: one per call showed in the profile (issue #15), and most handlers never look.
 */
export class HangUp {
  #controller: AbortController | undefined;
  #gone = false;
  readonly #onClose = (): void => {
    if (this.res.writableFinished) return;
    this.#gone = true;
    this.#controller?.abort(new Error('the client closed the connection'));
  };

  constructor(private readonly res: ServerResponse) {
    res.once('close', this.#onClose);
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#gone) this.#controller.abort(new Error('the client closed the connection'));
    }
    return this.#controller.signal;
  }

  dispose(): void {
    this.res.off('close', this.#onClose);
  }
}
