import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../App";
import { createMemoryBackend, type MemoryBackendOptions } from "../ipc/memory";
import type { Backend } from "../ipc";
import type { Page } from "../shared/navigation";

/** Renders the whole app on a memory backend, the way a user would see it. */
export function renderApp(options: { page?: Page; backend?: Backend; memory?: MemoryBackendOptions } = {}) {
  const backend = options.backend ?? createMemoryBackend(options.memory);
  const user = userEvent.setup();
  const view = render(<App backend={backend} {...(options.page ? { initialPage: options.page } : {})} />);
  return { backend, user, ...view };
}
