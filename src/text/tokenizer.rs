//! Tantivy tokenizer adapters over the [`Analyzer`](super::Analyzer), so that
//! tantivy indexes and highlights with the same terms the matcher uses.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Term};

/// Emits the analyzer's canonical search-mode terms.
#[derive(Clone)]
pub struct TaxTokenizer(pub Arc<Analyzer>);

/// Emits the analyzer's character bigrams.
#[derive(Clone)]
pub struct BigramTokenizer(pub Arc<Analyzer>);

/// A finished list of tokens, handed out one by one.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecTokenStream {
    fn new(terms: Vec<Term>) -> Self {
        let tokens = terms
            .into_iter()
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.start,
                offset_to: t.end,
                position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for TaxTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(self.0.analyze_terms(text))
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(self.0.analyze(text).bigrams)
    }
}
