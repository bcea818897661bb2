//! Numbers as a person reads them: tokens, dollars, durations, ages, sizes, and text cut to fit.

/// `950`, `12.3k`, `1.2M`.
pub fn tokens(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1_000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// `$0.0123`, `$1.24`; `-` when the model's price is unknown.
pub fn cost(usd: Option<f64>) -> String {
    match usd {
        None => "cost unknown".to_owned(),
        Some(c) if c < 0.01 => format!("${c:.4}"),
        Some(c) => format!("${c:.2}"),
    }
}

/// `850ms`, `4.2s`, `3m 05s`, `1h 02m`.
pub fn duration_ms(ms: u64) -> String {
    let secs = ms / 1000;
    match ms {
        0..=999 => format!("{ms}ms"),
        1_000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

/// How long ago `then_ms` was: `just now`, `5m ago`, `3h ago`, `2d ago`.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms.saturating_sub(then_ms) / 1000).max(0);
    match secs {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{}m ago", secs / 60),
        3600..=86_399 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

/// The first line of `text`, at most `max` characters, with `…` when anything was cut.
pub fn first_line(text: &str, max: usize) -> String {
    let text = text.trim();
    let line = text.lines().next().unwrap_or("").trim();
    let cut = clip(line, max);
    if line.len() < text.len() && !cut.ends_with('…') {
        format!("{cut} …")
    } else {
        cut
    }
}

/// `text` cut to at most `max` characters, `…` marking a cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(tokens(950), "950");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(cost(Some(0.001_234)), "$0.0012");
        assert_eq!(cost(Some(1.239)), "$1.24");
        assert_eq!(duration_ms(4_200), "4.2s");
        assert_eq!(duration_ms(185_000), "3m 05s");
        assert_eq!(age(10_000_000, 10_000_000 - 7_200_000), "2h ago");
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(first_line("one\ntwo", 80), "one …");
        assert_eq!(first_line("only", 80), "only");
    }
}
