//! Which OpenAI models are reasoning models. They take `max_completion_tokens` (not
//! `max_tokens`), refuse `temperature` (and the other sampling parameters), and take
//! `reasoning_effort`. The rule is data, like the price table beside it: the longest matching
//! prefix of the model id decides, so an exception (`gpt-5-chat`, a chat model) is one more
//! row. A namespaced id (`openai/o3-mini`, as LiteLLM or OpenRouter name it) is matched on the
//! part after the last `/`.

/// `(prefix, is a reasoning model)`; the longest matching prefix wins.
const PREFIXES: [(&str, bool); 5] = [("o1", true), ("o3", true), ("o4", true), ("gpt-5", true), ("gpt-5-chat", false)];

/// Whether `model` is an OpenAI reasoning model (see the module docs for the rule).
pub fn is_reasoning_model(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model);
    PREFIXES
        .iter()
        .filter(|(prefix, _)| name.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .is_some_and(|(_, reasoning)| *reasoning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_models_are_told_by_prefix_and_the_longest_prefix_wins() {
        for model in ["o1", "o1-2024-12-17", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3"] {
            assert!(is_reasoning_model(model), "{model}");
        }
        for model in ["gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "llama3.2", "qwen2.5-coder", "omni", ""] {
            assert!(!is_reasoning_model(model), "{model}");
        }
    }
}
