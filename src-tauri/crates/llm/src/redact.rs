//! Secrets out of provider text, and provider text within bounds. A provider may echo the key
//! it was sent ("Incorrect API key provided: sk-…") or answer with megabytes; what reaches an
//! error (and so the database, the logs, exports and the screen) is masked and bounded here.

use std::sync::LazyLock;

use regex::Regex;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Configured secrets shorter than this are not masked by value (they are not secrets worth
/// the name, and masking "ab" everywhere would ruin every message).
const MIN_SECRET_CHARS: usize = 4;

/// A key cut off at the end of a text is masked from this many of its first characters on.
const MIN_CUT_CHARS: usize = 8;

/// Key-shaped text, whoever's key it is.
static SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Anthropic (`sk-ant-…`), OpenAI (`sk-…`, `sk-proj-…`) and most compatible servers.
        r"\bsk-[A-Za-z0-9_\-]{8,}",
        r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{8,}=*",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",
        r"\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
        r"\bAKIA[0-9A-Z]{16}\b",
        r"\bAIza[0-9A-Za-z_\-]{30,}",
        r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// `x-api-key: VALUE`, `"api_key": "VALUE"`, `token=VALUE`: the value goes, the name stays.
static ASSIGNED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b((?:x-)?api[_\-]?key|access[_\-]?token|auth[_\-]?token|secret|password)(["']?\s*[:=]\s*["']?)([^\s"',;]{6,})"#).ok()
});

/// `text` with every occurrence of each of `secrets` (also one cut off at the very end), and
/// anything shaped like a key or token, replaced by [`REDACTED`].
pub fn redact_secrets(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().map(|s| s.trim()).filter(|s| s.chars().count() >= MIN_SECRET_CHARS) {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
        // A text cut mid-key (a bounded body) still must not show the key's start.
        if let Some(cut) = cut_secret_at_end(&out, secret) {
            out.truncate(cut);
            out.push_str(REDACTED);
        }
    }
    if let Some(assigned) = ASSIGNED.as_ref() {
        if assigned.is_match(&out) {
            out = assigned
                .replace_all(&out, |c: &regex::Captures<'_>| format!("{}{}{REDACTED}", &c[1], &c[2]))
                .into_owned();
        }
    }
    for shape in SHAPES.iter() {
        if shape.is_match(&out) {
            out = shape.replace_all(&out, REDACTED).into_owned();
        }
    }
    out
}

/// Where `text` ends with the first `MIN_CUT_CHARS` or more characters of `secret`.
fn cut_secret_at_end(text: &str, secret: &str) -> Option<usize> {
    let mut ends: Vec<usize> = secret.char_indices().map(|(i, _)| i).skip(MIN_CUT_CHARS).collect();
    ends.reverse();
    ends.into_iter().find(|&end| text.ends_with(&secret[..end])).map(|end| text.len() - end)
}

/// `text` cut to at most `max` characters, saying so at the end when it was cut.
pub fn bound(text: &str, max: usize) -> String {
    const NOTE: &str = " … [cut: the provider's text was longer]";
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(NOTE.chars().count());
    let end = text.char_indices().nth(keep).map(|(i, _)| i).unwrap_or(text.len());
    format!("{}{NOTE}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_given_key_and_key_shaped_text_are_masked_and_the_rest_stays() {
        let key = "local-key-1234567890";
        let text = format!(
            "Incorrect API key provided: {key}. Also sk-ant-api03-abcdefgh, sk-proj-zyxwvuts, Bearer abc.def-ghi_jkl and x-api-key: hunter2hunter2."
        );
        let out = redact_secrets(&text, &[key]);
        for secret in [key, "sk-ant-api03", "sk-proj-zyx", "abc.def-ghi", "hunter2"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.starts_with("Incorrect API key provided: [REDACTED]."), "{out}");
        assert!(out.contains("x-api-key: [REDACTED]"), "{out}");
        assert_eq!(
            redact_secrets("model: claude-sonnet-4 not found; try a desk-lamp", &[]),
            "model: claude-sonnet-4 not found; try a desk-lamp"
        );
        assert_eq!(
            redact_secrets("no key here", &["ab"]),
            "no key here",
            "a two-letter 'secret' is not masked everywhere"
        );
    }

    #[test]
    fn a_key_cut_off_at_the_end_is_masked_too() {
        let key = "zz-secret-value-0123456789";
        let out = redact_secrets(&format!("echo: {}", &key[..12]), &[key]);
        assert_eq!(out, "echo: [REDACTED]");
    }

    #[test]
    fn long_text_is_cut_and_says_so() {
        let long = "é".repeat(5_000);
        let out = bound(&long, 2_000);
        assert_eq!(out.chars().count(), 2_000);
        assert!(out.ends_with("[cut: the provider's text was longer]"), "{}", &out[out.len() - 60..]);
        assert_eq!(bound("short", 2_000), "short");
    }
}
