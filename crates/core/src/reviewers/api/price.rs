//! What tokens cost: a default price per model family, overridable per reviewer with
//! `price = { input = …, output = …, cached_input = … }` (US dollars per million
//! tokens).
//!
//! The figures are the vendors' published list prices for standard (non-batch,
//! short-context) requests as known when this table was written (Anthropic's, OpenAI's
//! and Google's API pricing pages, 2025). They change: a wrong or missing figure is
//! fixed in the reviewer's `price`, and a model not listed here (local models included)
//! has no cost unless one is configured.

use crate::config::{BackendKind, Price};
use crate::model::Tokens;

/// `(model-name prefix, input, cached input, output)`, per million tokens. The longest
/// matching prefix wins, so `gpt-5-mini` is not priced as `gpt-5`.
const TABLE: &[(&str, f64, f64, f64)] = &[
    // Anthropic: cache reads at a tenth of input; cache writes are counted as input.
    ("claude-opus-4-7", 5.0, 0.5, 25.0),
    ("claude-opus-4-5", 5.0, 0.5, 25.0),
    ("claude-opus-4-1", 15.0, 1.5, 75.0),
    ("claude-opus-4", 15.0, 1.5, 75.0),
    ("claude-sonnet-4", 3.0, 0.3, 15.0),
    ("claude-3-7-sonnet", 3.0, 0.3, 15.0),
    ("claude-haiku-4", 1.0, 0.1, 5.0),
    ("claude-3-5-haiku", 0.8, 0.08, 4.0),
    // OpenAI: the GPT-5 family (reasoning tokens are billed as output).
    ("gpt-5-pro", 15.0, 15.0, 120.0),
    ("gpt-5-nano", 0.05, 0.005, 0.4),
    ("gpt-5-mini", 0.25, 0.025, 2.0),
    ("gpt-5", 1.25, 0.125, 10.0),
    ("gpt-4.1-nano", 0.1, 0.025, 0.4),
    ("gpt-4.1-mini", 0.4, 0.1, 1.6),
    ("gpt-4.1", 2.0, 0.5, 8.0),
    ("o4-mini", 1.1, 0.275, 4.4),
    ("o3", 2.0, 0.5, 8.0),
    // Google: prompts up to 200k tokens; thinking tokens are billed as output.
    ("gemini-2.5-pro", 1.25, 0.125, 10.0),
    ("gemini-2.5-flash-lite", 0.1, 0.01, 0.4),
    ("gemini-2.5-flash", 0.3, 0.03, 2.5),
];

/// The built-in price of `model`, when the table knows its family.
pub fn default_price(model: &str) -> Option<Price> {
    let model = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    TABLE
        .iter()
        .filter(|(prefix, ..)| model.starts_with(prefix))
        .max_by_key(|(prefix, ..)| prefix.len())
        .map(|&(_, input, cached_input, output)| Price {
            input,
            cached_input,
            output,
        })
}

/// What `tokens` cost at `price`: uncached input, cached input and output (reasoning
/// is part of output) at their rates.
pub fn cost(price: &Price, tokens: &Tokens) -> f64 {
    let cached = tokens.cached.min(tokens.input);
    let fresh = tokens.input - cached;
    (fresh as f64 * price.input
        + cached as f64 * price.cached_input
        + tokens.output as f64 * price.output)
        / 1e6
}

/// A model name to show in "set `model`" hints.
pub fn example_model(backend: BackendKind) -> &'static str {
    match backend {
        BackendKind::Anthropic => "\"claude-sonnet-4-5\"",
        BackendKind::Openai => "\"gpt-5\"",
        BackendKind::GeminiApi => "\"gemini-2.5-pro\"",
        _ => "\"qwen2.5-coder:14b\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_prices_a_model() {
        let mini = default_price("gpt-5-mini-2025-08-07").unwrap();
        assert_eq!(mini.input, 0.25);
        assert_eq!(default_price("gpt-5.1").unwrap().input, 1.25);
        assert_eq!(
            default_price("models/gemini-2.5-flash").unwrap().output,
            2.5
        );
        assert_eq!(default_price("gemini-2.5-flash-lite").unwrap().output, 0.4);
        assert_eq!(
            default_price("claude-sonnet-4-5-20250929").unwrap().output,
            15.0
        );
        assert_eq!(default_price("qwen2.5-coder:14b"), None);
    }

    #[test]
    fn cached_tokens_are_priced_apart() {
        let price = Price {
            input: 2.0,
            cached_input: 0.5,
            output: 10.0,
        };
        let tokens = Tokens {
            input: 1_000_000,
            output: 100_000,
            cached: 400_000,
            reasoning: 50_000,
        };
        // 600k fresh at 2, 400k cached at 0.5, 100k output at 10.
        assert!((cost(&price, &tokens) - (1.2 + 0.2 + 1.0)).abs() < 1e-9);
    }
}
