export type { Backend, ProposalOutcome, ReviewDecision } from "./backend";
export { isAppError, toAppError } from "./backend";
export { BackendProvider, useBackend } from "./context";
