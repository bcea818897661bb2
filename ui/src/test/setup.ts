import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// The pages talk to the real engine (test/engine.ts) over loopback: on a busy machine an answer
// can take longer than Testing Library's 1 s default, so `findBy…`/`waitFor` wait up to 5 s.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  delete document.documentElement.dataset.theme;
});
