/**
 * The bounded queue of usage reports waiting to reach the auth service: a ring buffer of fixed
 * capacity, O(1) at both ends, allocated once. When it is full the OLDEST report goes (it is
 * the one most likely already past any use, and the newest says most about the present) and is
 * counted — memory stays bounded however long the service is away.
 */

export interface BoundedQueue<T> {
  readonly capacity: number;
  readonly size: number;
  /** Reports pushed out because the queue was full, since it was made. */
  readonly overflowed: number;
  /** Append; when full, the oldest item is dropped first (and counted). */
  push(item: T): void;
  /**
   * Put back at the head an item taken with `shift` (its send failed and will be retried).
   * When full it is the oldest of all, so it is the one dropped (and counted): false.
   */
  unshift(item: T): boolean;
  shift(): T | undefined;
  /** Remove and return everything, oldest first. */
  drain(): T[];
}

export function boundedQueue<T>(capacity: number): BoundedQueue<T> {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`a queue holds at least 1 item, got ${capacity}`);
  }
  const slots: (T | undefined)[] = new Array<T | undefined>(capacity);
  let head = 0;
  let size = 0;
  let overflowed = 0;

  function shift(): T | undefined {
    if (size === 0) return undefined;
    const item = slots[head];
    slots[head] = undefined;
    head = (head + 1) % capacity;
    size -= 1;
    return item;
  }

  return {
    capacity,
    get size() {
      return size;
    },
    get overflowed() {
      return overflowed;
    },
    push(item) {
      if (size === capacity) {
        shift();
        overflowed += 1;
      }
      slots[(head + size) % capacity] = item;
      size += 1;
    },
    unshift(item) {
      if (size === capacity) {
        overflowed += 1;
        return false;
      }
      head = (head - 1 + capacity) % capacity;
      slots[head] = item;
      size += 1;
      return true;
    },
    shift,
    drain() {
      const all: T[] = [];
      for (let item = shift(); item !== undefined; item = shift()) all.push(item);
      return all;
    },
  };
}
