// Small line icons for the navigation; stroke follows the text colour.
const common = {
  width: 18,
  height: 18,
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.8,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
  focusable: false,
};

export function HomeIcon() {
  return (
    <svg {...common}>
      <path d="M3.5 10.5 12 3.5l8.5 7" />
      <path d="M5.5 9v11h13V9" />
      <path d="M10 20v-6h4v6" />
    </svg>
  );
}

export function RunsIcon() {
  return (
    <svg {...common}>
      <circle cx="12" cy="12" r="8.5" />
      <path d="m10 8.5 5 3.5-5 3.5Z" />
    </svg>
  );
}

export function AgentsIcon() {
  return (
    <svg {...common}>
      <rect x="4.5" y="7.5" width="15" height="11" rx="3" />
      <path d="M12 7.5V4.5M9.5 12.5v.5M14.5 12.5v.5M2.5 12v2.5M21.5 12v2.5" />
    </svg>
  );
}

export function RubricsIcon() {
  return (
    <svg {...common}>
      <path d="M4.5 6.5 6 8l2.5-3" />
      <path d="M4.5 12.5 6 14l2.5-3" />
      <path d="M4.5 18.5 6 20l2.5-3" />
      <path d="M11.5 6.5h8M11.5 12.5h8M11.5 18.5h5" />
    </svg>
  );
}

export function MemoryIcon() {
  return (
    <svg {...common}>
      <path d="M5 4.5h10.5L19 8v11.5H5Z" />
      <path d="M15 4.5V8.5h4M8.5 12h7M8.5 15.5h5" />
    </svg>
  );
}

export function DreamsIcon() {
  return (
    <svg {...common}>
      <path d="M19.5 14.8A8 8 0 0 1 9.2 4.5a8 8 0 1 0 10.3 10.3Z" />
      <path d="M16.5 3.5v4M14.5 5.5h4" />
    </svg>
  );
}

export function FolderIcon() {
  return (
    <svg {...common} width={16} height={16}>
      <path d="M3.5 6.5a2 2 0 0 1 2-2h4l2 2.5h7a2 2 0 0 1 2 2v8.5a2 2 0 0 1-2 2h-13a2 2 0 0 1-2-2Z" />
    </svg>
  );
}

export function BackIcon() {
  return (
    <svg {...common} width={16} height={16}>
      <path d="M19 12H5M11 6l-6 6 6 6" />
    </svg>
  );
}

export function SettingsIcon() {
  return (
    <svg {...common}>
      <path d="M4 7h10M18 7h2M4 17h4M12 17h8" />
      <circle cx="16" cy="7" r="2" />
      <circle cx="10" cy="17" r="2" />
    </svg>
  );
}

export function CloseIcon() {
  return (
    <svg {...common} width={16} height={16}>
      <path d="M6 6l12 12M18 6 6 18" />
    </svg>
  );
}

export function ChevronIcon() {
  return (
    <svg {...common} width={14} height={14} strokeWidth={2}>
      <path d="m6 9 6 6 6-6" />
    </svg>
  );
}

export function NoticeIcon({ level }: { level: "info" | "warning" | "error" }) {
  return (
    <svg {...common} width={18} height={18} className={`notice-icon notice-icon-${level}`}>
      {level === "info" ? (
        <>
          <circle cx="12" cy="12" r="9" />
          <path d="M12 11v5M12 7.5v.01" />
        </>
      ) : (
        <>
          <path d="M10.3 4.2 2.8 17.3A2 2 0 0 0 4.5 20h15a2 2 0 0 0 1.7-2.7L13.7 4.2a2 2 0 0 0-3.4 0Z" />
          <path d="M12 9.5v4M12 16.5v.01" />
        </>
      )}
    </svg>
  );
}
