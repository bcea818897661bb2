import { useEffect, useId, useState } from "react";
import type { MemorySearchHit } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { CloseIcon } from "../../shared/icons";
import { Spinner } from "../../shared/Spinner";
import { snippetParts } from "./tree";

interface SearchBoxProps {
  storeId: string;
  disabled: boolean;
  selected: string | null;
  onOpen(path: string): void;
}

type Results =
  { kind: "idle" } | { kind: "busy" } | { kind: "hits"; hits: MemorySearchHit[] } | { kind: "error"; message: string };

/** Search across the store as you type: ranked files with the matching words marked. */
export function SearchBox({ storeId, disabled, selected, onOpen }: SearchBoxProps) {
  const backend = useBackend();
  const id = useId();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Results>({ kind: "idle" });

  useEffect(() => {
    if (query.trim() === "") {
      setResults({ kind: "idle" });
      return;
    }
    let live = true;
    setResults((current) => (current.kind === "hits" ? current : { kind: "busy" }));
    backend.searchMemory(storeId, query).then(
      (hits) => live && setResults({ kind: "hits", hits }),
      (err: unknown) => live && setResults({ kind: "error", message: toAppError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [backend, storeId, query]);

  return (
    <div className="memory-search">
      <label htmlFor={`${id}-q`} className="visually-hidden">
        Search this store
      </label>
      <div className="search-input">
        <input
          id={`${id}-q`}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setQuery("");
          }}
          placeholder="Search this store"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          data-testid="memory-search-input"
        />
        {query !== "" && (
          <button type="button" className="icon-button" onClick={() => setQuery("")} aria-label="Clear the search">
            <CloseIcon />
          </button>
        )}
      </div>
      {results.kind === "busy" && (
        <p className="muted small loading-line search-note">
          <Spinner /> Searching…
        </p>
      )}
      {results.kind === "error" && (
        <p className="field-error search-note" data-testid="memory-search-error">
          {results.message}
        </p>
      )}
      {results.kind === "hits" && (
        <div className="search-results" data-testid="memory-search-results">
          <p className="muted small search-note">
            {results.hits.length === 0
              ? "No file matches. Try fewer or other words."
              : `${results.hits.length === 1 ? "1 file" : `${results.hits.length} files`}, best match first`}
          </p>
          <ol className="hit-list">
            {results.hits.map((hit) => (
              <li key={hit.path}>
                <button
                  type="button"
                  className={hit.path === selected ? "hit active" : "hit"}
                  onClick={() => onOpen(hit.path)}
                  data-testid="memory-search-hit"
                  data-path={hit.path}
                >
                  <span className="hit-path mono">{hit.path}</span>
                  <span className="hit-snippet">
                    {snippetParts(hit.snippet).map((part, i) =>
                      part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
                    )}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
