import { useEffect, useRef } from "react";
import { useNavigation, type Page } from "./shared/navigation";
import { AgentsPage } from "./features/agents/AgentsPage";
import { DreamFeedProvider } from "./shared/dreamFeed";
import { DreamsPage } from "./features/dreams/DreamsPage";
import { HomePage } from "./features/home/HomePage";
import { MemoryPage } from "./features/memory/MemoryPage";
import { RubricsPage } from "./features/rubrics/RubricsPage";
import { RunsPage } from "./features/runs/RunsPage";
import { SettingsPage } from "./features/settings/SettingsPage";
import { CloseDialog, useCloseRequest } from "./features/shell/CloseDialog";
import { Notices } from "./features/shell/Notices";
import { Sidebar } from "./features/shell/Sidebar";
import "./features/shell/shell.css";

export function AppShell() {
  const { page, visit } = useNavigation();
  const main = useRef<HTMLElement>(null);
  const [closeRequest, endCloseRequest] = useCloseRequest();

  // A new page starts at the top.
  useEffect(() => {
    main.current?.scrollTo?.({ top: 0 });
  }, [page, visit]);

  return (
    <DreamFeedProvider>
      {/* While Reverie asks what to do about closing, nothing behind the question responds. */}
      <div className="app" inert={closeRequest !== null}>
        <Sidebar />
        <main className="main" ref={main}>
          {/* Memory's tree, editor and diffs, the rubric editor beside its preview, and a proposal's
              diffs beside their evidence need the room. */}
          <div className={page === "memory" || page === "rubrics" || page === "dreams" ? "page page-wide" : "page"}>
            <Notices />
            <CurrentPage key={visit} page={page} />
          </div>
        </main>
      </div>
      <CloseDialog request={closeRequest} onDone={endCloseRequest} />
    </DreamFeedProvider>
  );
}

/** Keyed by the visit, so choosing a page in the sidebar (even the current one) opens it afresh. */
function CurrentPage({ page }: { page: Page }) {
  switch (page) {
    case "home":
      return <HomePage />;
    case "runs":
      return <RunsPage />;
    case "agents":
      return <AgentsPage />;
    case "rubrics":
      return <RubricsPage />;
    case "memory":
      return <MemoryPage />;
    case "dreams":
      return <DreamsPage />;
    case "settings":
      return <SettingsPage />;
  }
}
