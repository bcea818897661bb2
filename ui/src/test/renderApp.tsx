import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../App";
import type { Backend } from "../ipc";
import type { Page } from "../shared/navigation";

/** Renders the whole app on `backend` (the real engine, `test/engine.ts`), the way a user would see it. */
export function renderApp(options: { backend: Backend; page?: Page | undefined }) {
  const { backend } = options;
  const user = userEvent.setup();
  const view = render(<App backend={backend} {...(options.page ? { initialPage: options.page } : {})} />);
  return { backend, user, ...view };
}
