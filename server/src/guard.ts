/** Handler wrappers that keep the server alive: a failing handler is logged and returns an empty result. */
import { describeError, type EditorPort } from "./editor";

/**
 * Wraps a request handler so that any exception, thrown or rejected, is logged through the
 * editor and turned into `fallback`.
 */
export function guard<P, R>(editor: EditorPort, name: string, fallback: R, handler: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params: P) => {
    try {
      return await handler(params);
    } catch (error) {
      editor.logError(`${name} failed: ${describeError(error)}`);
      return fallback;
    }
  };
}

/** Wraps a notification handler the same way; notifications have no result. */
export function guardNotification<P>(editor: EditorPort, name: string, handler: (params: P) => void | Promise<void>): (params: P) => void {
  return (params: P) => {
    try {
      const result = handler(params);
      if (result instanceof Promise) result.catch((error: unknown) => editor.logError(`${name} failed: ${describeError(error)}`));
    } catch (error) {
      editor.logError(`${name} failed: ${describeError(error)}`);
    }
  };
}
