import type { ReactNode } from "react";
import { useAppStatus } from "../../shared/appStatus";
import { AgentsIcon, DreamsIcon, HomeIcon, MemoryIcon, RubricsIcon, RunsIcon, SettingsIcon } from "../../shared/icons";
import { Mark } from "../../shared/Mark";
import { useNavigation, type Page } from "../../shared/navigation";
import { useDreamFeed } from "../../shared/dreamFeed";

export function Sidebar() {
  const { status } = useAppStatus();
  const { ready } = useDreamFeed();
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
        <NavItem
          page="dreams"
          icon={<DreamsIcon />}
          label="Dreams"
          count={ready}
          countLabel={ready === 1 ? "1 proposal waits for review" : `${ready} proposals wait for review`}
        />
        <NavItem page="settings" icon={<SettingsIcon />} label="Settings" />
      </nav>
      {status && <div className="sidebar-footer">Version {status.version}</div>}
    </aside>
  );
}

interface NavItemProps {
  page: Page;
  icon: ReactNode;
  label: string;
  /** A number that asks for attention (proposals waiting), shown when above 0. */
  count?: number;
  countLabel?: string;
}

function NavItem({ page, icon, label, count, countLabel }: NavItemProps) {
  const { page: current, navigate } = useNavigation();
  const active = current === page;
  return (
    <button
      type="button"
      className={active ? "nav-item active" : "nav-item"}
      aria-current={active ? "page" : undefined}
      onClick={() => navigate(page)}
      data-testid={`nav-${page}`}
      data-count={count}
    >
      {icon}
      <span>{label}</span>
      {count !== undefined && count > 0 && (
        <span className="nav-count" title={countLabel} aria-label={countLabel}>
          {count}
        </span>
      )}
    </button>
  );
}
