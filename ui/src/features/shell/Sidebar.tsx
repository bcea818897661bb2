import type { ReactNode } from "react";
import { useAppStatus } from "../../shared/appStatus";
import { AgentsIcon, HomeIcon, MemoryIcon, RubricsIcon, RunsIcon, SettingsIcon } from "../../shared/icons";
import { Mark } from "../../shared/Mark";
import { useNavigation, type Page } from "../../shared/navigation";

export function Sidebar() {
  const { status } = useAppStatus();
  return (
    <aside className="sidebar">
      <div className="brand">
        <Mark size={26} />
        <span className="brand-name">Reverie</span>
      </div>
      <nav className="nav" aria-label="Main">
        <NavItem page="home" icon={<HomeIcon />} label="Home" />
        <NavItem page="runs" icon={<RunsIcon />} label="Runs" />
        <NavItem page="agents" icon={<AgentsIcon />} label="Agents" />
        <NavItem page="rubrics" icon={<RubricsIcon />} label="Rubrics" />
        <NavItem page="memory" icon={<MemoryIcon />} label="Memory" />
        <NavItem page="settings" icon={<SettingsIcon />} label="Settings" />
      </nav>
      {status && <div className="sidebar-footer">Version {status.version}</div>}
    </aside>
  );
}

function NavItem({ page, icon, label }: { page: Page; icon: ReactNode; label: string }) {
  const { page: current, navigate } = useNavigation();
  const active = current === page;
  return (
    <button
      type="button"
      className={active ? "nav-item active" : "nav-item"}
      aria-current={active ? "page" : undefined}
      onClick={() => navigate(page)}
      data-testid={`nav-${page}`}
    >
      {icon}
      <span>{label}</span>
    </button>
  );
}
