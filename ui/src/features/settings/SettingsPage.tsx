import { AppearanceSection } from "./appearance/AppearanceSection";
import { ProvidersSection } from "./providers/ProvidersSection";
import { StorageSection } from "./storage/StorageSection";
import { UpdatesSection } from "./updates/UpdatesSection";
import "./settings.css";

export function SettingsPage() {
  return (
    <div className="settings">
      <h1>Settings</h1>
      <ProvidersSection />
      <UpdatesSection />
      <AppearanceSection />
      <StorageSection />
    </div>
  );
}
