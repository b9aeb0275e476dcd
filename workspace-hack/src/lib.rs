//! Intentionally empty. This package exists for its `Cargo.toml`: as a default member of the
//! workspace it is part of every `cargo build` and `cargo test`, so the features it asks of shared
//! dependencies are the same in both, and the tests reuse the builds the README's quick start made
//! (the pattern cargo-hakari calls a workspace-hack). Neither `funnels` nor the sandbox depends on it,
//! so `cargo install` builds `funnels` exactly as before.
