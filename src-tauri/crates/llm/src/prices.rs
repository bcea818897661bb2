//! What a turn costs. The table is data (`prices.json`), so prices change without code.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::types::Usage;

/// Dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_write: f64,
    pub cache_read: f64,
}

#[derive(Deserialize)]
struct Entry {
    prefix: String,
    #[serde(flatten)]
    price: Price,
}

#[derive(Deserialize)]
struct Table {
    models: Vec<Entry>,
}

fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| match serde_json::from_str::<Table>(include_str!("prices.json")) {
        Ok(t) => t.models,
        Err(e) => {
            tracing::error!(error = %e, "prices.json is invalid; costs are unknown");
            Vec::new()
        }
    })
}

/// The price of `model` (longest matching prefix), if known.
pub fn price(model: &str) -> Option<Price> {
    table().iter().filter(|e| model.starts_with(&e.prefix)).max_by_key(|e| e.prefix.len()).map(|e| e.price)
}

/// Cost in dollars of `usage` on `model`; `None` when the model's price is unknown.
pub fn cost(model: &str, usage: &Usage) -> Option<f64> {
    let p = price(model)?;
    let per = |tokens: u64, rate: f64| tokens as f64 * rate / 1_000_000.0;
    Some(
        per(usage.input_tokens, p.input)
            + per(usage.output_tokens, p.output)
            + per(usage.cache_write_tokens, p.cache_write)
            + per(usage.cache_read_tokens, p.cache_read),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_the_longest_prefix_wins() {
        assert!(!table().is_empty());
        assert_eq!(price("gpt-4o-mini-2024-07-18").unwrap().input, 0.15);
        assert_eq!(price("gpt-4o-2024-08-06").unwrap().input, 2.5);
        assert!(price("llama3.2").is_none());
    }

    #[test]
    fn cost_counts_every_kind_of_token() {
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cache_read_tokens: 1_000_000,
            cache_write_tokens: 1_000_000,
            ..Usage::default()
        };
        let c = cost("claude-sonnet-4-5", &usage).unwrap();
        assert!((c - (3.0 + 15.0 + 0.3 + 3.75)).abs() < 1e-9, "{c}");
    }
}
