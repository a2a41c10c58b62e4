/** Subscribers to one kind of notice; subscribing returns the way to unsubscribe. */
export interface Listeners<T> {
  subscribe(listener: (notice: T) => void): () => void;
  emit(notice: T): void;
}

export function createListeners<T>(): Listeners<T> {
  const listeners = new Set<(notice: T) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(notice) {
      for (const listener of listeners) listener(notice);
    },
  };
}
