import { markdown } from "@codemirror/lang-markdown";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { minimalSetup } from "codemirror";
import { useEffect, useRef } from "react";

interface MarkdownEditorProps {
  /** The text the editor starts with; remount (a new `key`) to load another. */
  initial: string;
  onChange(text: string): void;
  /** Ctrl/Cmd+S. */
  onSave(): void;
  /** Names the editor for screen readers. */
  label: string;
}

// Colours come from the app's custom properties, so both themes follow `color-scheme`.
const theme = EditorView.theme({
  "&": {
    backgroundColor: "var(--surface)",
    color: "var(--text)",
    fontSize: "13px",
    height: "100%",
  },
  ".cm-scroller": {
    fontFamily: "var(--mono)",
    lineHeight: "1.55",
  },
  ".cm-content": {
    padding: "10px 0",
    caretColor: "var(--accent)",
  },
  ".cm-line": {
    padding: "0 14px 0 10px",
  },
  "&.cm-focused": {
    outline: "none",
  },
  ".cm-cursor, .cm-dropCursor": {
    borderLeftColor: "var(--accent)",
    borderLeftWidth: "2px",
  },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "color-mix(in srgb, var(--accent) 24%, transparent)",
  },
  ".cm-gutters": {
    backgroundColor: "var(--surface-2)",
    color: "var(--text-muted)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-lineNumbers .cm-gutterElement": {
    padding: "0 8px 0 12px",
    minWidth: "36px",
  },
  ".cm-activeLine": {
    backgroundColor: "color-mix(in srgb, var(--accent) 6%, transparent)",
  },
  ".cm-activeLineGutter": {
    backgroundColor: "color-mix(in srgb, var(--accent) 10%, transparent)",
    color: "var(--text)",
  },
});

const highlight = HighlightStyle.define([
  { tag: tags.heading1, fontWeight: "700", fontSize: "1.12em", color: "var(--accent)" },
  { tag: [tags.heading2, tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: "700", color: "var(--accent)" },
  { tag: tags.strong, fontWeight: "700" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: [tags.link, tags.url], color: "var(--info)" },
  { tag: tags.monospace, color: "var(--warn)" },
  { tag: tags.quote, color: "var(--text-muted)", fontStyle: "italic" },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator], color: "var(--text-muted)" },
  { tag: tags.list, color: "var(--text)" },
]);

/**
 * The nonce CodeMirror puts on the <style> elements it creates. The production CSP
 * (`style-src 'self' 'nonce-…'` in tauri.conf.json) names the same value; without it the editor
 * would render unstyled in the app while looking fine in a plain browser.
 */
export const STYLE_NONCE = "reverie-codemirror-7f3c9a";

/** CodeMirror 6 with Markdown, for one memory file. The host element carries `memory-editor`. */
export function MarkdownEditor({ initial, onChange, onSave, label }: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorView | null>(null);
  // The latest handlers, so the editor made once on mount always calls the current ones.
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          minimalSetup,
          lineNumbers(),
          highlightActiveLine(),
          highlightActiveLineGutter(),
          EditorView.lineWrapping,
          markdown(),
          syntaxHighlighting(highlight),
          theme,
          // The app's CSP allows injected <style> elements only with this nonce (tauri.conf.json).
          EditorView.cspNonce.of(STYLE_NONCE),
          EditorView.contentAttributes.of({ "aria-label": label, spellcheck: "true" }),
          keymap.of([
            {
              key: "Mod-s",
              preventDefault: true,
              run: () => {
                handlers.current.onSave();
                return true;
              },
            },
          ]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) handlers.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    editor.current = view;
    return () => {
      editor.current = null;
      view.destroy();
    };
    // Made once per mount: a new file is a new `key`.
  }, []);

  // The host takes focus too (a WebDriver test types into it) and hands it to the editor.
  return (
    <div
      className="memory-editor"
      ref={host}
      tabIndex={-1}
      onFocus={(event) => {
        if (event.target === event.currentTarget) editor.current?.focus();
      }}
      data-testid="memory-editor"
    />
  );
}
