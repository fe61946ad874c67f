//! The engine against the model's reference implementation: vectors
//! computed once by sentence-transformers
//! (scripts/embedding-reference.py) for fixed sentences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use vtcode_embed::{EmbedError, Embedder, dot, locate_test_model};

fn fixture() -> Vec<(String, Vec<f32>)> {
    let text = include_str!("fixtures/reference.json");
    let fixture: Value = serde_json::from_str(text).unwrap();
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let vector = case["vector"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            (case["text"].as_str().unwrap().to_string(), vector)
        })
        .collect()
}

#[test]
fn vectors_match_the_reference_implementation() {
    let Some(dir) = locate_test_model() else {
        return;
    };
    let embedder = Embedder::load(&dir).unwrap();
    assert_eq!(embedder.dimension(), 384);
    let cases = fixture();
    let texts: Vec<&str> = cases.iter().map(|(text, _)| text.as_str()).collect();
    let batched = embedder.embed_batch(&texts).unwrap();
    for ((text, reference), in_batch) in cases.iter().zip(&batched) {
        let alone = embedder.embed(text).unwrap();
        let cosine = dot(&alone, reference);
        assert!(cosine > 1.0 - 1e-3, "{text:?}: cosine {cosine}");
        // Padding inside a batch must not change a text's vector.
        assert!(dot(&alone, in_batch) > 1.0 - 1e-5, "{text:?} in a batch");
        let norm = dot(&alone, &alone).sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    // And the vectors are not all alike: unrelated sentences stay apart.
    assert!(dot(&batched[0], &batched[2]) < 0.5);
}

#[test]
fn a_directory_without_the_model_names_the_missing_files() {
    let empty = std::env::temp_dir().join("vtcode-embed-no-model");
    std::fs::create_dir_all(&empty).unwrap();
    let err = Embedder::load(&empty).unwrap_err();
    assert!(matches!(err, EmbedError::MissingFiles { .. }), "{err:?}");
    let message = err.to_string();
    for file in ["config.json", "model.safetensors", "vocab.txt"] {
        assert!(message.contains(file), "{message}");
    }
}
