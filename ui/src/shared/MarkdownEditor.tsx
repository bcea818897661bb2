import { markdown } from "@codemirror/lang-markdown";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
  placeholder as placeholderText,
  type DecorationSet,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { minimalSetup } from "codemirror";
import { useEffect, useEffectEvent, useImperativeHandle, useRef, type Ref } from "react";

/** What a page can ask of the editor it shows. */
export interface MarkdownEditorHandle {
  /** Puts the cursor at the start of a line (1-based), scrolls it into view and focuses the editor. */
  goToLine(line: number): void;
}

interface MarkdownEditorProps {
  /** The text the editor starts with; remount (a new `key`) to load another. */
  initial: string;
  onChange(text: string): void;
  /** Ctrl/Cmd+S. */
  onSave(): void;
  /** Names the editor for screen readers. */
  label: string;
  /** Lines (1-based) to mark as having a problem; they follow edits until the next list. */
  problemLines?: readonly number[];
  /** Shown while the document is empty. */
  placeholder?: string;
  /**
   * Enter continues a list (a new "- " under a list item). Off where text is typed line by line
   * as written (a rubric, which is all list items): typing "- a⏎- b" must not give "- - b".
   */
  continueLists?: boolean;
  /** The host element's test id and class. */
  testId?: string;
  className?: string;
  ref?: Ref<MarkdownEditorHandle>;
}

const setProblemLines = StateEffect.define<readonly number[]>();
const problemLine = Decoration.line({ class: "cm-problem-line" });

/** Line decorations for the problem lines: replaced by each new list, mapped through edits. */
const problems = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decorations, transaction) {
    let next = decorations.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (!effect.is(setProblemLines)) continue;
      const builder = new RangeSetBuilder<Decoration>();
      const { doc } = transaction.state;
      for (const line of [...new Set(effect.value)].sort((a, b) => a - b)) {
        if (line >= 1 && line <= doc.lines) builder.add(doc.line(line).from, doc.line(line).from, problemLine);
      }
      next = builder.finish();
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

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
  ".cm-problem-line": {
    backgroundColor: "color-mix(in srgb, var(--danger) 11%, transparent)",
    boxShadow: "inset 3px 0 0 var(--danger)",
  },
  ".cm-placeholder": {
    color: "var(--text-muted)",
    fontStyle: "normal",
  },
});

const highlight = HighlightStyle.define([
  { tag: tags.heading1, fontWeight: "700", fontSize: "1.12em", color: "var(--accent)" },
  {
    tag: [tags.heading2, tags.heading3, tags.heading4, tags.heading5, tags.heading6],
    fontWeight: "700",
    color: "var(--accent)",
  },
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

/**
 * CodeMirror 6 with Markdown (a memory file, a rubric). The host element carries `testId`
 * (`memory-editor` unless told) and takes focus for the editor.
 */
export function MarkdownEditor({
  initial,
  onChange,
  onSave,
  label,
  problemLines,
  placeholder,
  continueLists = true,
  testId = "memory-editor",
  className = "memory-editor",
  ref,
}: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorView | null>(null);
  // The latest handlers, so the editor made once on mount always calls the current ones.
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };

  // Made once per mount from the props it mounted with: a new file is a new `key`.
  const makeView = useEffectEvent(
    (parent: HTMLElement) =>
      new EditorView({
        parent,
        state: EditorState.create({
          doc: initial,
          extensions: [
            minimalSetup,
            lineNumbers(),
            highlightActiveLine(),
            highlightActiveLineGutter(),
            EditorView.lineWrapping,
            markdown({ addKeymap: continueLists }),
            syntaxHighlighting(highlight),
            theme,
            problems,
            ...(placeholder ? [placeholderText(placeholder)] : []),
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
      }),
  );
  useEffect(() => {
    if (!host.current) return;
    const view = makeView(host.current);
    editor.current = view;
    return () => {
      editor.current = null;
      view.destroy();
    };
  }, []);

  // A new list of problem lines replaces the marks (compared by value: a new array of the same
  // lines changes nothing).
  const linesKey = (problemLines ?? []).join(",");
  useEffect(() => {
    const lines = linesKey === "" ? [] : linesKey.split(",").map(Number);
    editor.current?.dispatch({ effects: setProblemLines.of(lines) });
  }, [linesKey]);

  useImperativeHandle(
    ref,
    () => ({
      goToLine(line: number) {
        const view = editor.current;
        if (!view) return;
        const { doc } = view.state;
        const at = doc.line(Math.min(Math.max(1, line), doc.lines)).from;
        view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
        view.focus();
      },
    }),
    [],
  );

  // The host takes focus too (a WebDriver test types into it) and hands it to the editor.
  return (
    <div
      className={className}
      ref={host}
      tabIndex={-1}
      onFocus={(event) => {
        if (event.target === event.currentTarget) editor.current?.focus();
      }}
      data-testid={testId}
    />
  );
}
