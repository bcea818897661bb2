import { useEffect, useRef } from "react";
import { useNavigation } from "../../shared/navigation";
import { HomePage } from "../home/HomePage";
import { SettingsPage } from "../settings/SettingsPage";
import { Notices } from "./Notices";
import { Sidebar } from "./Sidebar";
import "./shell.css";

export function AppShell() {
  const { page } = useNavigation();
  const main = useRef<HTMLElement>(null);

  // A new page starts at the top.
  useEffect(() => {
    main.current?.scrollTo?.({ top: 0 });
  }, [page]);

  return (
    <div className="app">
      <Sidebar />
      <main className="main" ref={main}>
        <div className="page">
          <Notices />
          {page === "home" ? <HomePage /> : <SettingsPage />}
        </div>
      </main>
    </div>
  );
}
