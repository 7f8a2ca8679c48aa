import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again now (after an action). */
  reload: () => void;
}

interface Loaded<T> {
  /** The key the answer belongs to: an answer of another key is not shown. */
  key: string;
  data?: T;
  error?: Error;
}

/**
 * Loads `load()` now and again every `intervalMs` while the page shows (0: once). A failed load keeps
 * the last data and shows the error; the next round tries again. `key` reloads when it changes, and
 * what was loaded for another key is never shown under this one. A load due while the tab was
 * hidden runs when it shows again.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ key });
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** A round skipped while hidden: run it on the next visibilitychange. */
    let owed = false;
    const run = async () => {
      if (document.hidden) {
        owed = true;
        return;
      }
      try {
        const value = await loadRef.current();
        if (!stopped) setLoaded({ key, data: value });
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (!stopped) setLoaded((last) => ({ key, data: last.key === key ? last.data : undefined, error }));
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(() => void run(), intervalMs);
    };
    const onVisible = () => {
      if (!document.hidden && owed && !stopped) {
        owed = false;
        void run();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key, intervalMs, round]);

  const reload = useCallback(() => setRound((value) => value + 1), []);
  const current = loaded.key === key;
  return {
    data: current ? loaded.data : undefined,
    error: current ? loaded.error : undefined,
    loading: !current || (loaded.data === undefined && loaded.error === undefined),
    reload,
  };
}
