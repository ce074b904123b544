/**
 * An object as the API server sent it. The client's types call some fields required, but nothing checks them when a
 * response is read, so code that summarises one keeps a guard on every field.
 */
export type Received<T> = T extends Date ? T : T extends readonly (infer E)[] ? Received<E>[] : T extends object ? { [K in keyof T]?: Received<T[K]> } : T;
