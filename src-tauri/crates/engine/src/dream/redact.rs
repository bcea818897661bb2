//! Secrets out of anything a dream reads or stores: API keys, tokens, passwords, private keys.

use std::sync::LazyLock;

use regex::Regex;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // PEM private keys, whole.
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        // Vendor keys and tokens by their shape.
        r"\bsk-[A-Za-z0-9_\-]{16,}",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",
        r"\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
        r"\bAKIA[0-9A-Z]{16}\b",
        r"\bAIza[0-9A-Za-z_\-]{30,}",
        r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{16,}=*",
        // JSON web tokens.
        r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("a valid pattern"))
    .collect()
});

/// `name = value` where the name says it is secret: the value goes, the name stays.
static ASSIGNED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b([A-Za-z0-9_\-]*(?:api[_\-]?key|secret|token|password|passwd|pwd|access[_\-]?key)[A-Za-z0-9_\-]*)(["']?\s*[:=]\s*["']?)([^\s"',;]{6,})"#)
        .expect("a valid pattern")
});

/// `text` with every secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let mut out =
        ASSIGNED.replace_all(text, |c: &regex::Captures<'_>| format!("{}{}{REDACTED}", &c[1], &c[2])).into_owned();
    for pattern in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = pattern.replace_all(&out, REDACTED).into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tokens_and_passwords_go_and_the_rest_stays() {
        let text = "export ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuv\n\
                    curl -H 'Authorization: Bearer abcdefghijklmnop1234' https://x\n\
                    password: hunter2hunter2\naws AKIAABCDEFGHIJKLMNOP and ghp_abcdefghijklmnopqrstuvwxyz0123\n\
                    -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nThe tests pass with cargo test.";
        let out = redact(text);
        for secret in ["sk-ant-api03", "abcdefghijklmnop1234", "hunter2", "AKIAABCDEFGHIJKLMNOP", "ghp_abc", "MIIE"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("ANTHROPIC_API_KEY=[REDACTED]") && out.contains("password: [REDACTED]"), "{out}");
        assert!(out.ends_with("The tests pass with cargo test."));
        assert_eq!(redact("a plain sentence with a token of trust"), "a plain sentence with a token of trust");
    }
}
