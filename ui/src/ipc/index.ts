export type { Backend } from "./backend";
export { isAppError, toAppError } from "./backend";
export { BackendProvider, useBackend } from "./context";
