import * as vscode from 'vscode';

/** A value with a change event: the small amount of shared state the views render from. */
export class Observable<T> implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<T>();
  readonly onDidChange = this.emitter.event;

  constructor(private current: T) {}

  get value(): T {
    return this.current;
  }

  set value(next: T) {
    this.current = next;
    this.emitter.fire(next);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
