import { useTheme } from "../../../shared/theme/ThemeProvider";
import { THEME_CHOICES, type ThemeChoice } from "../../../shared/theme/theme";

const LABELS: Record<ThemeChoice, string> = { system: "System", light: "Light", dark: "Dark" };

export function AppearanceSection() {
  const { choice, resolved, setChoice } = useTheme();
  return (
    <section className="settings-section" aria-labelledby="appearance-title">
      <h2 id="appearance-title">Appearance</h2>
      <div className="card appearance">
        <div>
          <p className="setting-label" id="theme-label">
            Theme
          </p>
          <p className="muted small">
            {choice === "system" ? `Follows your system setting (now ${resolved}).` : `Always ${resolved}.`}
          </p>
        </div>
        {/* Native radios, styled as a segmented control: arrow keys and screen readers work as usual. */}
        <div className="segmented" role="radiogroup" aria-labelledby="theme-label">
          {THEME_CHOICES.map((option) => (
            <label
              key={option}
              className={choice === option ? "segment selected" : "segment"}
              data-testid={`theme-${option}`}
            >
              <input
                type="radio"
                name="theme"
                value={option}
                checked={choice === option}
                onChange={() => setChoice(option)}
              />
              {LABELS[option]}
            </label>
          ))}
        </div>
      </div>
    </section>
  );
}
