import { useState } from "react";
import type { Notice } from "../../bindings";
import { useAppStatus } from "../../shared/appStatus";
import { CloseIcon, NoticeIcon } from "../../shared/icons";
import { browserStorage } from "../../shared/storage";
import { dismissNotice, readDismissed, visibleNotices } from "./notices";

export const MEMORY_ONLY_WARNING =
  "No keychain is available on this system. API keys are kept in memory only and will be forgotten when Reverie quits.";

/** The banners above every page: start-up notices, the keychain warning, a failed status load. */
export function Notices() {
  const { status, error, reload } = useAppStatus();
  const [dismissed, setDismissed] = useState(() => readDismissed(browserStorage()));

  const notices = status ? visibleNotices(status.notices, dismissed) : [];
  const memoryOnly = status?.secret_backend === "memory_only";
  if (!error && !memoryOnly && notices.length === 0) return null;

  return (
    <div className="notices">
      {error && (
        <div className="banner banner-error" role="alert">
          <NoticeIcon level="error" />
          <div className="banner-text">
            <strong className="banner-title">Couldn't load Reverie's status.</strong> {error.message}
          </div>
          <button type="button" className="button button-small" onClick={reload}>
            Try again
          </button>
        </div>
      )}
      {memoryOnly && (
        <div className="banner banner-warning" role="status" data-testid="secrets-warning">
          <NoticeIcon level="warning" />
          <div className="banner-text">{MEMORY_ONLY_WARNING}</div>
        </div>
      )}
      {notices.map((notice) => (
        <NoticeBanner
          key={notice.id}
          notice={notice}
          onDismiss={() => setDismissed((current) => dismissNotice(browserStorage(), current, notice.id))}
        />
      ))}
    </div>
  );
}

function NoticeBanner({ notice, onDismiss }: { notice: Notice; onDismiss(): void }) {
  return (
    <div
      className={`banner banner-${notice.level}`}
      role={notice.level === "error" ? "alert" : "status"}
      data-testid="notice"
      data-notice-id={notice.id}
    >
      <NoticeIcon level={notice.level} />
      <div className="banner-text">
        <strong className="banner-title">{notice.title}</strong> {notice.detail}
      </div>
      <button
        type="button"
        className="icon-button"
        onClick={onDismiss}
        aria-label={`Dismiss “${notice.title}”`}
        title="Dismiss"
        data-testid="dismiss-notice"
      >
        <CloseIcon />
      </button>
    </div>
  );
}
